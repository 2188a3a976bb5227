"""Both rule hosts give the same verdicts: `residency scan` natively and stock checkov
loading rules/ with --external-checks-dir, over every Terraform fixture."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analyzer.policy import Policy, find_policy, load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
# CKV_RES_9 (inputs not analyzed) has no checkov entity to attach to: checkov reports
# parse errors itself, so parity covers the resource and provider rules.
COMPARED = ["CKV_RES_1", "CKV_RES_2", "CKV_RES_3", "CKV_RES_4", "CKV_RES_5", "CKV_RES_6", "CKV_RES_7",
            "CKV_RES_8", "CKV_RES_10"]
_KEYS = re.compile(r"\[[^\]]*\]")
_PROVIDER = re.compile(r"^(aws|google|google-beta|azurerm)\.[\w-]+$")


def _fixture_dirs() -> list[Path]:
    dirs = sorted(p.parent for p in FIXTURES.glob("terraform/*/expected.yaml"))
    dirs += sorted(p for p in FIXTURES.glob("clean/*") if p.is_dir())
    dirs += sorted(p for p in FIXTURES.glob("rules/*/*") if p.is_dir() and any(p.rglob("*.tf")))
    return dirs


def _checkov_binary() -> list[str] | None:
    """checkov run by this interpreter: a console script's shebang may name another checkout's
    venv, which would test that checkout's analyzer instead of this one."""
    if importlib.util.find_spec("checkov") is None:
        return None
    return [sys.executable, "-W", "ignore::SyntaxWarning", "-m", "checkov.main"]


def _checkov_args(folder: Path) -> list[str]:
    return ["-d", str(folder), "--framework", "terraform", "--skip-download", "--quiet", "-o", "json",
            "--external-checks-dir", str(RULES_DIR), "--check", ",".join(COMPARED)]


def _checkov_failed(folder: Path, binary: list[str]) -> set[tuple[str, str]]:
    result = subprocess.run([*binary, *_checkov_args(folder)], capture_output=True, text=True, timeout=300, cwd=folder)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return _failed_in(result.stdout)


# Starting checkov (imports) costs ~2.5 s of the ~3 s a fixture folder takes, and one checkov
# process cannot scan folders one after the other (its runners keep the previous folder's
# results). So one process imports checkov once and forks a child per folder (two at a time):
# each child is a fresh `checkov ARGS` run in that folder, writing its JSON report to OUT/<i>.
_BATCH_DRIVER = """
import contextlib, io, json, os, sys
from checkov.main import Checkov
# imported once, before the forks: checkov's runners and what rules/checkov_host.py imports
import checkov.terraform.runner, checkov.kubernetes.runner  # noqa: E401, F401
import checkov.kubernetes.checks.resource.base_spec_check, checkov.terraform.checks.provider.base_check  # noqa
import analyzer.rules, analyzer.scan, analyzer.verdicts, analyzer.helm.manifests  # noqa: E401, F401
from analyzer.catalog import catalog
catalog()
out, jobs = sys.argv[1], json.loads(sys.stdin.read())
running, codes = {}, {}

def reap():
    pid, status = os.wait()
    codes[running.pop(pid)] = os.waitstatus_to_exitcode(status)

for index, (folder, args) in enumerate(jobs):
    while len(running) >= 2:
        reap()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.chdir(folder)
            sys.argv = ["checkov", *args]
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                code = Checkov(argv=args).run() or 0
            with open(os.path.join(out, str(index)), "w", encoding="utf-8") as handle:
                handle.write(text.getvalue())
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    running[pid] = index
while running:
    reap()
print(json.dumps(codes))
"""


def checkov_batch(jobs: list[tuple[Path, list[str]]], binary: list[str], out: Path) -> list[str] | None:
    """The JSON report of `checkov ARGS` run in each folder, from one checkov process of this
    interpreter (binary is `python -m checkov.main` here, see _checkov_binary); None when this
    interpreter has no checkov (then run it once per folder)."""
    if importlib.util.find_spec("checkov") is None or binary[0] != sys.executable:
        return None
    payload = json.dumps([(str(folder), args) for folder, args in jobs])
    result = subprocess.run([sys.executable, "-c", _BATCH_DRIVER, str(out)], input=payload,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    codes = {int(index): code for index, code in json.loads(result.stdout).items()}
    reports = []
    for index, (folder, _args) in enumerate(jobs):
        assert codes.get(index) in (0, 1), (folder, codes.get(index), result.stderr[-2000:])
        reports.append((out / str(index)).read_text(encoding="utf-8"))
    return reports


def _checkov_failed_batch(folders: list[Path], binary: list[str], out: Path) -> dict[Path, set[tuple[str, str]]]:
    """Each folder's failed checks, as `_checkov_failed` gives them, from one checkov process."""
    reports = checkov_batch([(folder, _checkov_args(folder)) for folder in folders], binary, out)
    if reports is None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip(folders, pool.map(lambda f: _checkov_failed(f, binary), folders)))
    return {folder: _failed_in(report) for folder, report in zip(folders, reports)}


def _failed_in(stdout: str) -> set[tuple[str, str]]:
    data = json.loads(stdout or "{}")
    reports = data if isinstance(data, list) else [data]
    failed = set()
    for report in reports:
        for check in report.get("results", {}).get("failed_checks", []):
            resource = check["resource"]
            if check.get("check_class", "").endswith("_ResidencyProviderCheck") or _PROVIDER.match(resource):
                # checkov names provider entities "aws.default" / "aws.<alias>"
                name, alias = resource.split(".", 1)
                resource = f"provider.{name}" if alias == "default" else f"provider.{name}.{alias}"
            failed.add((check["check_id"], _normal(resource)))
    return failed


def _normal(address: str) -> str:
    return _KEYS.sub("", address)


def _native_failed(folder: Path) -> set[tuple[str, str]]:
    found = find_policy(folder)
    policy = load_policy(found) if found else Policy()
    report = run_scan([folder], policy, ScanOptions(use_cache=False))
    # a provider with no block (configured by the environment) has no checkov entity
    implicit = {p.address for p in report.providers if p.implicit}
    return {(f.rule_id, _normal(f.address)) for f in report.findings
            if f.rule_id in COMPARED and f.suppressed is None and f.address not in implicit}


def test_checkov_and_native_hosts_agree(tmp_path: Path) -> None:
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    folders = _fixture_dirs()
    assert len(folders) >= 8
    checkov_results = _checkov_failed_batch(folders, binary, tmp_path)
    mismatches = {}
    total = 0
    for folder in folders:
        native = _native_failed(folder)
        total += len(native)
        if native != checkov_results[folder]:
            mismatches[str(folder.relative_to(FIXTURES))] = {
                "native only": sorted(native - checkov_results[folder]),
                "checkov only": sorted(checkov_results[folder] - native),
            }
    assert mismatches == {}
    assert total > 5  # the fixtures do fail rules: parity is not vacuous


def test_checkov_host_takes_the_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    folder = FIXTURES / "terraform" / "aws_split_providers"  # no residency.yaml: region would be inferred
    monkeypatch.setenv("RESIDENCY_REGION", "eu-central-1")
    monkeypatch.setenv("RESIDENCY_ACCOUNTS", "111122223333")
    failed = {rule_address for rule_address in _checkov_failed(folder, binary) if rule_address[0] == "CKV_RES_1"}
    report = run_scan([folder], Policy(region="eu-central-1", accounts=["111122223333"]), ScanOptions(use_cache=False))
    native = {(f.rule_id, _normal(f.address)) for f in report.findings if f.rule_id == "CKV_RES_1"}
    assert failed == native
    assert ("CKV_RES_1", "aws_s3_bucket.audit_dr") not in failed  # the one bucket in eu-central-1 passes
    assert ("CKV_RES_1", "aws_s3_bucket.audit") in failed
