"""The checkov host judges each resource by its own root (issue 12): `checkov -f /abs/main.tf`
from another folder, and `checkov -d repo` over several roots that share addresses."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from analyzer.rules import checkov_host

from tests.test_checkov_parity import RULES_DIR, _checkov_binary

PROVIDER = '''provider "aws" {
  region              = "%s"
  allowed_account_ids = ["111122223333"]
}
'''
BUCKET = '''
resource "aws_s3_bucket" "data" {
  bucket = "%s"
}
'''


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """Two roots with the same addresses: `us` in us-east-1 (a finding), `eu` in eu-west-1 (none)."""
    root = tmp_path / "repo"
    for name, region in (("us", "us-east-1"), ("eu", "eu-west-1")):
        (root / name).mkdir(parents=True)
        (root / name / "main.tf").write_text(PROVIDER % region + BUCKET % f"acme-{name}-data")
    (root / "residency.yaml").write_text("region: eu-west-1\naccounts: ['111122223333']\n")
    return root


def test_targets_read_every_spelling_of_d_and_f(tmp_path: Path) -> None:
    argv = ["checkov", "-d", "a", "--directory=b", "--file", "c/main.tf", "-f", "/abs/x.tf", "--file=d.tf"]
    targets = checkov_host._targets(argv, env={"RESIDENCY_SCAN_ROOT": str(tmp_path)})
    cwd = Path.cwd()
    assert targets.dirs == ((cwd / "a").resolve(), (cwd / "b").resolve(), tmp_path.resolve())
    assert targets.files == ((cwd / "c/main.tf").resolve(), Path("/abs/x.tf"), (cwd / "d.tf").resolve())


def test_each_root_is_judged_by_its_own_inventory(repo: Path) -> None:
    targets = checkov_host._Targets(dirs=(repo.resolve(),), files=())
    us = checkov_host._lookup("CKV_RES_1", "aws_s3_bucket.data", "/us/main.tf", targets)
    eu = checkov_host._lookup("CKV_RES_1", "aws_s3_bucket.data", "/eu/main.tf", targets)
    assert [f.message for f in us] == [
        "aws_s3_bucket.data is in us-east-1, outside the allowed region eu-west-1"]
    assert eu == []


def test_a_file_given_with_f_is_judged_by_its_own_folder(repo: Path) -> None:
    targets = checkov_host._Targets(dirs=(), files=((repo / "us" / "main.tf").resolve(),))
    assert checkov_host._locate("/main.tf", targets) == ((repo / "us").resolve(), (repo / "us" / "main.tf").resolve())
    assert len(checkov_host._lookup("CKV_RES_1", "aws_s3_bucket.data", "/main.tf", targets)) == 1


def test_an_unknown_or_ambiguous_file_fails_closed(repo: Path) -> None:
    with pytest.raises(LookupError, match="root is unknown"):
        checkov_host._locate("/nowhere/main.tf", checkov_host._Targets(dirs=(repo.resolve(),), files=()))
    both = checkov_host._Targets(dirs=(), files=((repo / "us" / "main.tf").resolve(), (repo / "eu" / "main.tf").resolve()))
    with pytest.raises(LookupError, match="ambiguous"):
        checkov_host._locate("/main.tf", both)

    class Check:
        rule_id = "CKV_RES_1"
        entity_path = "/nowhere/main.tf:aws_s3_bucket:data"
        details: list[str] = []

    check = Check()
    assert checkov_host._judge(check, lambda: "aws_s3_bucket.data", "resource").name == "FAILED"
    assert check.details[0].startswith("residency could not evaluate this resource: LookupError: /nowhere/main.tf")


def _checkov(args: list[str], cwd: Path) -> list[dict]:
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    result = subprocess.run([*binary, *args, "--framework", "terraform", "--skip-download", "--quiet", "-o", "json",
                             "--external-checks-dir", str(RULES_DIR), "--check", "CKV_RES_1"],
                            capture_output=True, text=True, timeout=300, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    data = json.loads(result.stdout or "{}")
    reports = data if isinstance(data, list) else [data]
    return [c for r in reports for c in r.get("results", {}).get("failed_checks", [])]


def test_checkov_f_with_an_absolute_path_from_another_folder(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "main.tf").write_text(PROVIDER % "eu-west-1")  # the working folder is a clean root
    failed = _checkov(["-f", str(repo / "us" / "main.tf")], cwd=elsewhere)
    assert [(c["check_id"], c["resource"], c["details"]) for c in failed] == [
        ("CKV_RES_1", "aws_s3_bucket.data", ["aws_s3_bucket.data is in us-east-1, outside the allowed region eu-west-1"])]


def test_checkov_d_over_several_roots_attributes_each_finding_to_its_root(repo: Path, tmp_path: Path) -> None:
    failed = _checkov(["-d", str(repo)], cwd=tmp_path)
    assert [(c["check_id"], c["resource"], c["file_path"], c["details"]) for c in failed] == [
        ("CKV_RES_1", "aws_s3_bucket.data", "/us/main.tf",
         ["aws_s3_bucket.data is in us-east-1, outside the allowed region eu-west-1"])]


def test_an_absolute_path_as_the_kubernetes_framework_reports_it(repo: Path) -> None:
    manifest = repo / "k8s" / "sa.yaml"
    manifest.parent.mkdir()
    manifest.write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n")
    targets = checkov_host._Targets(dirs=(repo.resolve(),), files=())
    assert checkov_host._locate(str(manifest.resolve()), targets) == (repo.resolve(), manifest.resolve())
    with pytest.raises(LookupError):  # an absolute path outside every scanned folder
        checkov_host._locate(str(manifest.resolve()), checkov_host._Targets(dirs=((repo / "us").resolve(),), files=()))
