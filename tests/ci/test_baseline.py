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
    assert data["version"] == 2
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
    bad.write_text(json.dumps({"version": 2, "findings": [{"rule_id": "CKV_RES_1"}]}))
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


# --- fingerprints that survive a move (issue 12) ------------------------------------------------

MULTI_ROOT = FIXTURES / "terraform" / "multi_root"
FOUR_RULES = '''
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "dr"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-dp-data"
}

resource "aws_s3_bucket" "dr" {
  provider = aws.dr
  bucket   = "acme-dp-data-dr"
}

# one rule per prefix, each to its own bucket outside the configuration (rules to one
# destination are one finding: rules/destinations.py)
resource "aws_s3_bucket_replication_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  role   = "arn:aws:iam::111122223333:role/replication"
%s
}
'''
RULE = '''
  rule {
    id     = "%s"
    status = "Enabled"
    filter {
      prefix = "%s/"
    }
    destination {
      bucket = "arn:aws:s3:::acme-dp-%s-copy"
    }
  }
'''


def _fingerprints(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str, str], list[str]]:
    """(rule, address, file name) -> fingerprints (reports show a module outside the scanned folder
    by its absolute path: the file name is what is the same everywhere)."""
    _, report = _scan_json(args, monkeypatch)
    out: dict[tuple[str, str, str], list[str]] = {}
    for f in report["findings"]:
        out.setdefault((f["rule_id"], f["address"], Path(f["file"]).name), []).append(f["fingerprint"])
    return out


def _sarif_fingerprints(args: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    code, out, err = run(["scan", *args, "--format", "sarif"], monkeypatch)
    assert code in (0, 1), err
    return sorted(r["partialFingerprints"]["residencyFingerprint/v2"] for r in json.loads(out)["runs"][0]["results"])


def test_the_same_tree_in_two_folders_has_the_same_fingerprints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the scanned root's modules are `../../modules/bucket`: outside the scanned folder
    trees = [Path(shutil.copytree(MULTI_ROOT, tmp_path / where / "repo")) for where in ("laptop", "ci/runner/work")]
    seen = []
    for tree, cwd in zip(trees, (tmp_path, trees[1] / "live")):  # and from another working folder
        monkeypatch.chdir(cwd)
        args = [str(tree / "live" / "prod"), "--region", "us-east-1", "--no-cache"]
        seen.append((_fingerprints(args, monkeypatch), _sarif_fingerprints(args, monkeypatch)))
    (laptop, laptop_sarif), (ci, ci_sarif) = seen
    assert len(laptop) >= 2 and laptop == ci and laptop_sarif == ci_sarif
    # a baseline made on one machine suppresses every finding on the other
    base = tmp_path / "base.json"
    monkeypatch.chdir(tmp_path)
    assert run(["baseline", str(trees[0] / "live" / "prod"), "--region", "us-east-1", "-o", str(base)], monkeypatch)[0] == 0
    code, report = _scan_json([str(trees[1] / "live" / "prod"), "--region", "us-east-1", "--baseline", str(base)],
                              monkeypatch)
    assert code == 0 and report["findings"] and all(f["suppressed"] for f in report["findings"])


def test_a_line_inserted_above_keeps_every_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = Path(shutil.copytree(MULTI_ROOT, tmp_path / "repo"))
    args = [str(tree / "live" / "prod"), str(tree / "live" / "staging"), "--region", "us-east-1", "--no-cache"]
    before = _fingerprints(args, monkeypatch)
    for tf in (tree / "modules" / "bucket" / "main.tf", tree / "live" / "prod" / "main.tf"):
        tf.write_text("# reviewed 2026-12\n\n" + tf.read_text())
    assert _fingerprints(args, monkeypatch) == before


def test_two_roots_sharing_a_module_file_do_not_share_fingerprints(monkeypatch: pytest.MonkeyPatch) -> None:
    found = _fingerprints([str(MULTI_ROOT / "live" / "prod"), str(MULTI_ROOT / "live" / "staging"),
                           "--region", "us-east-1", "--no-cache"], monkeypatch)
    shared = found[("CKV_RES_1", "module.data.aws_s3_bucket.this", "main.tf")]
    assert len(shared) == 2 and len(set(shared)) == 2  # prod's and staging's module.data


def test_four_findings_of_one_rule_on_one_address_are_four_fingerprints(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rules = "".join(RULE % (name, name, name) for name in ("raw", "curated", "audit", "exports"))
    (tmp_path / "main.tf").write_text(FOUR_RULES % rules)
    found = _fingerprints([str(tmp_path), "--region", "eu-west-1", "--no-cache"], monkeypatch)
    replication = found[("CKV_RES_4", "aws_s3_bucket_replication_configuration.data", "main.tf")]
    assert len(replication) == 4 and len(set(replication)) == 4
    # and they are stable: the same four after a line is inserted above
    (tmp_path / "main.tf").write_text("# header\n" + FOUR_RULES % rules)
    again = _fingerprints([str(tmp_path), "--region", "eu-west-1", "--no-cache"], monkeypatch)
    assert again[("CKV_RES_4", "aws_s3_bucket_replication_configuration.data", "main.tf")] == replication


def test_fingerprints_keep_accounts_and_drop_locations() -> None:
    from analyzer.fingerprints import fingerprint, portable_text

    assert portable_text("grants arn:aws:iam::222233334444:root (see main.tf:12, line 7)") == \
        "grants arn:aws:iam::222233334444:root (see main.tf, line)"
    assert fingerprint("CKV_RES_6", ".", "a", "main.tf", "account 222233334444") != \
        fingerprint("CKV_RES_6", ".", "a", "main.tf", "account 333344445555")
    assert portable_text("module /repo/modules/x/main.tf:3 is missing", "/repo/live/prod") == \
        "module ../../modules/x/main.tf is missing"


def test_a_version_1_baseline_asks_to_be_regenerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"version": 1, "findings": [{"fingerprint": "0" * 32}]}))
    code, _, err = run(["scan", str(SPLIT), "--baseline", str(old)], monkeypatch)
    assert code == 2 and "regenerate it with `residency baseline`" in err
