"""The Terraform commands the benchmark times on an estate or a tree: the parse floors (our
tree-sitter-hcl parser, and hcl2 as checkov uses it),
``residency scan`` (cold/warm cache) with an unmeasured check run of its report, and stock
checkov with one no-op custom check (or our rules)."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .measure import Measurement, child_json, run_measured, unmeasured
from .residency_cli import measure_scan, report_counts

REPO_ROOT = Path(__file__).resolve().parent.parent

# One child per parser: it reads and parses every listed file in sequence and prints one JSON
# line (ours is given each file's path relative to the tree, as the scanner passes it). A file
# the parser rejects is counted, not fatal; the caller decides whether that fails the run.
_FLOOR_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
__IMPORT__
t_import = time.perf_counter() - t0
root = sys.argv[2]
paths = [p for p in open(sys.argv[1], encoding="utf-8").read().split("\n") if p]
errors = []
t1 = time.perf_counter()
for p in paths:
    try:
        with open(p, encoding="utf-8") as fh:
            text = fh.read()
        __PARSE__
    except Exception as e:  # report, keep going
        errors.append({"file": p, "error": (type(e).__name__ + ": " + str(e))[:400]})
t_parse = time.perf_counter() - t1
print(json.dumps({"files": len(paths), "import_seconds": t_import, "parse_seconds": t_parse,
                  "errors": len(errors), "first_errors": errors[:10]}))
"""

# parser name -> (table label, import line, parse line)
PARSERS: dict[str, tuple[str, str, str]] = {
    # ours: tree-sitter-hcl building the analyzer's typed syntax tree, as the scanner does
    "residency": ("parse floor (tree-sitter-hcl, residency)",
                  "from analyzer.terraform.loader import parse_text",
                  "parse_text(text, os.path.relpath(p, root))"),
    # what every hcl2-based scanner (checkov) pays
    "hcl2": ("parse floor (hcl2.loads, checkov's parser)", "import hcl2", "hcl2.loads(text)"),
}


def parser_available(parser: str, python: str) -> bool:
    """Can ``python`` import the parser's module? (bc-python-hcl2 is only in the checkov extra.)"""
    module = "hcl2" if parser == "hcl2" else "analyzer.terraform.loader"
    try:
        return subprocess.run([python, "-c", f"import {module}"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def measure_parse_floor(root: Path, files: list[Path], python: str, timeout: float | None, *,
                        parser: str = "residency", strict: bool = True) -> Measurement:
    """Parse every file of ``files`` in one fresh child. ``strict``: a file the parser rejects
    fails the run (generated estates must parse); otherwise the count is only recorded."""
    label, import_line, parse_line = PARSERS[parser]
    child = _FLOOR_CHILD.replace("__IMPORT__", import_line).replace("__PARSE__", parse_line)
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(str(f) for f in files) + "\n")
        lst = fh.name
    try:
        # cwd = the repository, so the child imports this checkout's analyzer
        m = run_measured(label, [python, "-c", child, lst, str(root)], timeout=timeout, cwd=str(REPO_ROOT))
    finally:
        os.unlink(lst)
    info = child_json(m)
    if info is None:
        if m.ok:
            m.ok, m.status, m.error = False, "no result", "parse-floor child printed no result"
        return m
    m.extra = info
    if info.get("errors") and strict:
        m.ok, m.status = False, "parse errors"
        m.error = f"{info['errors']} file(s) failed to parse, e.g. {info['first_errors'][0]}"
    return m


def residency_output_summary(estate: Path, exe: str, cache_dir: Path, timeout: float | None) -> dict[str, object]:
    """The unmeasured check run, on the warm cache of the timed runs."""
    return report_counts(exe, estate, [], dict(os.environ, RESIDENCY_CACHE_DIR=str(cache_dir)), timeout)


def measure_residency(estate: Path, exe: str | None, cache_dir: Path, label: str,
                      timeout: float | None) -> Measurement:
    return measure_scan(label, exe, estate, [], dict(os.environ, RESIDENCY_CACHE_DIR=str(cache_dir)), timeout)


BENCH_CHECK = '''\
"""No-op checkov check used by bench/benchmark.py to time checkov's own pipeline."""
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class ResidencyBenchNoop(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="residency benchmark no-op check",
            id="CKV_RES_BENCH",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_s3_bucket"],
        )

    def scan_resource_conf(self, conf):
        return CheckResult.PASSED


check = ResidencyBenchNoop()
'''


def measure_checkov(estate: Path, exe: str | None, rules_dir: Path | None, timeout: float | None) -> Measurement:
    label = "checkov (real rules)" if rules_dir else "checkov (no-op check)"
    if not exe:
        return unmeasured(label, ["checkov"], "missing",
                          "checkov executable not found (next to this python or on PATH)")
    with tempfile.TemporaryDirectory(prefix="resbench-ckv-") as tmp:
        if rules_dir:
            checks_dir, check_ids = str(rules_dir), ",".join(f"CKV_RES_{i}" for i in range(1, 11))
        else:
            Path(tmp, "__init__.py").write_text("")
            Path(tmp, "residency_bench_check.py").write_text(BENCH_CHECK)
            checks_dir, check_ids = tmp, "CKV_RES_BENCH"
        env = dict(os.environ)
        env.setdefault("LOG_LEVEL", "WARNING")
        env.setdefault("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        cmd = [exe, "-d", str(estate), "--framework", "terraform", "--skip-download",
               "--external-checks-dir", checks_dir, "--check", check_ids,
               "--quiet", "--compact", "-o", "json"]
        # rc 1 = failed checks, which is a successful run for timing purposes.
        return run_measured(label, cmd, env=env, stdout_path=os.devnull, ok_codes=(0, 1), timeout=timeout)
