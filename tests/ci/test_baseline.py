"""`residency baseline` and `residency scan --baseline`."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.baseline import BaselineError, apply_baseline, baseline_from_findings, load_baseline
from analyzer.cli import app
from analyzer.models import Finding
from tests.conftest import FIXTURES

SPLIT = FIXTURES / "terraform" / "aws_split_providers"
NEW_BUCKET = '''
resource "aws_s3_bucket" "extra_dr" {
  provider = aws.dr
  bucket   = "ledger-extra-dr"
}
'''


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SPLIT, tmp_path / "infra"))


def _scan_json(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict]:
    code, out, err = run(["scan", *args, "--format", "json"], monkeypatch)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_baseline_file_contents(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base.json"
    code, out, _ = run(["baseline", str(infra), "--output", str(base)], monkeypatch)
    assert code == 0 and "wrote 1 finding fingerprint" in out
    data = json.loads(base.read_text())
    assert data["version"] == 1
    [entry] = data["findings"]
    assert (entry["rule_id"], entry["address"], entry["file"]) == ("CKV_RES_1", "aws_s3_bucket.audit_dr", "storage.tf")
    assert "eu-central-1" in entry["message"] and len(entry["fingerprint"]) == 32
    _, report = _scan_json([str(infra)], monkeypatch)
    assert entry["fingerprint"] == report["findings"][0]["fingerprint"]


def test_baselined_findings_pass_and_show_as_suppressed(infra: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base.json"
    assert run(["baseline", str(infra), "-o", str(base)], monkeypatch)[0] == 0
    code, report = _scan_json([str(infra), "--baseline", str(base)], monkeypatch)
    assert code == 0
    [finding] = report["findings"]
    assert finding["suppressed"] == f"baseline: {base}"
    assert report["summary"]["findings"] == 0 and report["summary"]["suppressed"] == 1
    code, out, _ = run(["scan", str(infra), "--baseline", str(base)], monkeypatch)
    assert code == 0 and f"suppressed: baseline: {base}" in out
    code, out, _ = run(["scan", str(infra), "--baseline", str(base), "-f", "github"], monkeypatch)
    assert code == 0 and out == ""


def test_new_finding_still_fails(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base.json"
    assert run(["baseline", str(infra), "-o", str(base)], monkeypatch)[0] == 0
    with (infra / "storage.tf").open("a") as handle:
        handle.write(NEW_BUCKET)
    code, report = _scan_json([str(infra), "--baseline", str(base)], monkeypatch)
    assert code == 1
    active = [(f["rule_id"], f["address"]) for f in report["findings"] if f["suppressed"] is None]
    assert active == [("CKV_RES_1", "aws_s3_bucket.extra_dr")]
    assert [f["address"] for f in report["findings"] if f["suppressed"]] == ["aws_s3_bucket.audit_dr"]


def test_fingerprints_survive_moved_lines(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base.json"
    assert run(["baseline", str(infra), "-o", str(base)], monkeypatch)[0] == 0
    storage = infra / "storage.tf"
    storage.write_text("# an unrelated comment added at the top\n\n" + storage.read_text())
    code, report = _scan_json([str(infra), "--baseline", str(base)], monkeypatch)
    assert code == 0
    [finding] = report["findings"]
    assert finding["line"] == 87 and finding["suppressed"] == f"baseline: {base}"


def test_missing_or_invalid_baseline_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(["scan", str(SPLIT), "--baseline", str(tmp_path / "nope.json")], monkeypatch)
    assert code == 2 and "nope.json: no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run(["scan", str(SPLIT), "--baseline", str(bad)], monkeypatch)
    assert code == 2 and "invalid JSON" in err
    bad.write_text(json.dumps({"version": 1, "findings": [{"rule_id": "CKV_RES_1"}]}))
    code, _, err = run(["scan", str(SPLIT), "--baseline", str(bad)], monkeypatch)
    assert code == 2 and "findings.0.fingerprint" in err
    bad.write_text(json.dumps([]))
    assert run(["scan", str(SPLIT), "--baseline", str(bad)], monkeypatch)[0] == 2


def test_soft_fail_free_exit_1_without_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["scan", str(SPLIT)], monkeypatch)[0] == 1


def test_baseline_model_skips_suppressed_and_dedups() -> None:
    def finding(fp: str, suppressed: str | None = None) -> Finding:
        return Finding(rule_id="CKV_RES_1", rule_name="r", severity="HIGH", address="a", file="f.tf", line=1,
                       message="m", fingerprint=fp, suppressed=suppressed)

    baseline = baseline_from_findings([finding("b"), finding("a"), finding("b"), finding("c", "checkov:skip")])
    assert [e.fingerprint for e in baseline.findings] == ["a", "b"]
    with pytest.raises(BaselineError):
        load_baseline(Path("/nonexistent/baseline.json"))
    from analyzer.models import ScanReport

    report = ScanReport(tool_version="x", root=".", findings=[finding("a"), finding("z")])
    assert apply_baseline(report, baseline, "b.json") == 1
    assert report.summary.findings == 1 and report.summary.suppressed == 1
