"""`--changed-from REF`: only the Terraform roots a change touches are scanned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

SHARED = """
variable "name" {}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}
"""


def _root(name: str) -> str:
    return f"""
provider "aws" {{
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}}

module "bucket" {{
  source = "../../modules/bucket"
  name   = "{name}-data"
}}

resource "aws_s3_bucket" "own" {{
  bucket = "{name}-own"
}}
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "modules" / "bucket" / "main.tf").write_text(SHARED, encoding="utf-8")
    for name in ("alpha", "beta"):
        (tmp_path / "envs" / name).mkdir(parents=True)
        (tmp_path / "envs" / name / "main.tf").write_text(_root(name), encoding="utf-8")
    (tmp_path / "envs" / "gamma").mkdir()
    (tmp_path / "envs" / "gamma" / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n\nresource "aws_s3_bucket" "g" {\n  bucket = "gamma"\n}\n',
        encoding="utf-8")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    return tmp_path


def _inventory(repo: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, list[dict], str]:
    args = ["inventory", str(repo), "--format", "json", "--no-cache", *extra]
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    rows = json.loads(result.stdout)["inventory"] if result.exit_code == 0 and result.stdout.strip() else []
    return result.exit_code, rows, result.stderr


def _roots(rows: list[dict]) -> set[str]:
    return {r["root"] for r in rows}


def test_full_scan_sees_all_roots(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows, _ = _inventory(repo, monkeypatch)
    assert code == 0 and _roots(rows) == {"envs/alpha", "envs/beta", "envs/gamma"}


def test_changed_root_file_scans_only_that_root(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = repo / "envs" / "alpha" / "main.tf"
    main.write_text(main.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    code, rows, err = _inventory(repo, monkeypatch, "--changed-from", "HEAD")
    assert code == 0, err
    assert _roots(rows) == {"envs/alpha"}
    # the root is evaluated whole: its module's bucket is there too
    assert {r["address"] for r in rows} == {"aws_s3_bucket.own", "module.bucket.aws_s3_bucket.this"}
    assert "envs/alpha" in err


def test_committed_change_on_a_branch_counts(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "envs" / "gamma" / "extra.tf").write_text('resource "aws_s3_bucket" "h" {\n  bucket = "h"\n}\n',
                                                      encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "gamma")
    code, rows, err = _inventory(repo, monkeypatch, "--changed-from", "main")
    assert code == 0, err
    assert _roots(rows) == {"envs/gamma"}


def test_changed_shared_module_scans_every_caller(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = repo / "modules" / "bucket" / "main.tf"
    module.write_text(module.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    code, rows, err = _inventory(repo, monkeypatch, "--changed-from", "HEAD")
    assert code == 0, err
    assert _roots(rows) == {"envs/alpha", "envs/beta"}


def test_new_untracked_file_counts(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "envs" / "beta" / "terraform.tfvars").write_text('x = "y"\n', encoding="utf-8")
    code, rows, err = _inventory(repo, monkeypatch, "--changed-from", "HEAD")
    assert code == 0, err
    assert _roots(rows) == {"envs/beta"}


def test_no_change_scans_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "README.md").write_text("docs only\n", encoding="utf-8")
    args = ["scan", str(repo), "--changed-from", "HEAD", "--no-cache"]
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert "changed since HEAD: 0 Terraform roots, 0 charts, 0 manifests, 0 plans; nothing to scan" in result.stderr


def test_scan_with_changed_from_reports_only_selected_roots(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = repo / "envs" / "gamma" / "main.tf"
    main.write_text(main.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    args = ["scan", str(repo), "--changed-from", "HEAD", "--format", "json", "--no-cache", "--soft-fail"]
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {r["file"].split("/")[1] for r in data["inventory"]} == {"gamma"}
    assert all(f["file"].startswith("envs/gamma/") for f in data["findings"])


def test_unknown_ref_exits_2(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _rows, err = _inventory(repo, monkeypatch, "--changed-from", "no-such-branch")
    assert code == 2
    assert "unknown git ref 'no-such-branch'" in err


def test_not_a_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n', encoding="utf-8")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, _rows, err = _inventory(tmp_path, monkeypatch, "--changed-from", "HEAD")
    assert code == 2 and "--changed-from HEAD" in err


def test_only_selected_roots_are_evaluated(tmp_path: Path) -> None:
    from analyzer.scan import ScanOptions, build_inventory

    for name in ("prod", "staging"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n\nresource "aws_s3_bucket" "b" {}\n')
    seen: list[str] = []
    options = ScanOptions(env={}, use_cache=False, only_roots=frozenset({"prod"}),
                          progress=lambda root, index, total: seen.append(root))
    inventory, _, _ = build_inventory([tmp_path], options)
    assert seen == ["prod"]
    assert [(r.root, r.address) for r in inventory.rows] == [("prod", "aws_s3_bucket.b")]
