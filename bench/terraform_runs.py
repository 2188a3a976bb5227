"""The Terraform commands the benchmark times on an estate: the hcl2 parse floor,
``residency scan`` (cold/warm cache) with an unmeasured check run of its report, and stock
checkov with one no-op custom check (or our rules)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .estate import estate_files
from .measure import Measurement, child_json, run_measured, unmeasured
from .residency_cli import measure_scan, report_counts

PARSE_FLOOR_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import hcl2
t_import = time.perf_counter() - t0
paths = open(sys.argv[1], encoding="utf-8").read().split("\n")
paths = [p for p in paths if p]
errors = []
t1 = time.perf_counter()
for p in paths:
    try:
        with open(p, encoding="utf-8") as fh:
            hcl2.load(fh)
    except Exception as e:  # report, keep going
        errors.append({"file": p, "error": (type(e).__name__ + ": " + str(e))[:400]})
t_parse = time.perf_counter() - t1
print(json.dumps({"files": len(paths), "import_seconds": t_import, "parse_seconds": t_parse,
                  "errors": len(errors), "first_errors": errors[:10]}))
sys.exit(3 if errors else 0)
"""


def measure_parse_floor(estate: Path, python: str, timeout: float | None) -> Measurement:
    files = estate_files(estate)
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(str(f) for f in files) + "\n")
        lst = fh.name
    try:
        m = run_measured("parse floor (hcl2.load)", [python, "-c", PARSE_FLOOR_CHILD, lst], timeout=timeout)
    finally:
        os.unlink(lst)
    info = child_json(m)
    if info is None:
        if m.ok:
            m.ok, m.status, m.error = False, "no result", "parse-floor child printed no result"
        return m
    m.extra = info
    if info.get("errors"):
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
