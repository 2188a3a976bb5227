"""`residency init` never writes through a symbolic link (issue 15, item 3): a `residency.yaml`
link committed to the repository would otherwise make init write wherever it points."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.policy import load_policy

MAIN_TF = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}
"""


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text(MAIN_TF)
    return root


def test_a_dangling_policy_link_is_refused(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "runner" / ".ssh" / "authorized_keys"
    outside.parent.mkdir(parents=True)
    (tree / "residency.yaml").symlink_to(outside)
    code, out, err = run(["init", str(tree)], monkeypatch)
    assert (code, out) == (2, "")
    assert err == f"error: {tree / 'residency.yaml'}: is a symbolic link; refusing to write through it\n"
    assert not outside.exists()


@pytest.mark.parametrize("force", [False, True])
def test_a_link_to_an_existing_file_is_refused_even_with_force(tree: Path, tmp_path: Path, force: bool,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "runner.env"
    outside.write_text("TOKEN=keep-me\n")
    (tree / "residency.yaml").symlink_to(outside)
    code, _, err = run(["init", str(tree), *(["--force"] if force else [])], monkeypatch)
    assert (code, err) == (2, f"error: {tree / 'residency.yaml'}: is a symbolic link; refusing to write through it\n")
    assert outside.read_text() == "TOKEN=keep-me\n"


def test_an_explicit_output_link_is_refused_too(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "policy.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    code, _, err = run(["init", str(tree), "-o", str(tmp_path / "policy.yaml")], monkeypatch)
    assert (code, err) == (2, f"error: {tmp_path / 'policy.yaml'}: is a symbolic link; refusing to write through it\n")
    assert not (tmp_path / "elsewhere.yaml").exists()


def test_a_folder_link_in_the_tree_is_refused(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tree / "conf").symlink_to(elsewhere, target_is_directory=True)
    target = tree / "conf" / "residency.yaml"
    code, _, err = run(["init", str(tree), "-o", str(target)], monkeypatch)
    assert (code, err) == (2, f"error: {target}: its folder leaves the scanned tree through a symbolic link; "
                              "refusing to write there\n")
    assert list(elsewhere.iterdir()) == []


def test_init_writes_a_regular_file_and_force_replaces_it(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(["init", str(tree)], monkeypatch)
    assert code == 0, err
    target = tree / "residency.yaml"
    assert out == f"wrote {target}: region eu-west-1, accounts 111122223333\n"
    assert not target.is_symlink() and load_policy(target).region == "eu-west-1"
    code, _, err = run(["init", str(tree)], monkeypatch)
    assert (code, err) == (2, f"error: {target} already exists; pass --force to overwrite it\n")
    target.write_text("region: us-east-1\n")
    assert run(["init", str(tree), "--force"], monkeypatch)[0] == 0
    assert load_policy(target).region == "eu-west-1"
