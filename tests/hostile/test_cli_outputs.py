"""`-o/--output` paths that cannot be written are a usage error (exit 2, one line naming the
path) found before the scan; a failure at write time still writes every other output
(issue 15, item 4). A link planted in the scanned tree is never written through."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import analyzer.scan
from analyzer.cli import app

MAIN_TF = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
  region = "us-east-1"
}
"""


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "main.tf").write_text(MAIN_TF)
    return root


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts scans, to prove a usage error stops before scanning."""
    calls: list[int] = []
    real = analyzer.scan.run_scan

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(analyzer.scan, "run_scan", counting)
    return calls


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _unwritable_file(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes any mode bits; the kernel still refuses this one
        path = Path("/proc/sys/kernel/osrelease")
        if not path.exists():
            pytest.skip("needs Linux /proc to find a file root cannot write")
        return path
    path = tmp_path / "locked.json"
    path.write_text("{}")
    path.chmod(0o444)
    return path


def test_output_naming_a_folder(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scans: list[int]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    code, out, err = run(["scan", str(infra), "-f", "sarif", "-o", str(folder)], monkeypatch)
    assert (code, out, err) == (2, "", f"error: --output {folder}: is a folder, not a file\n")
    assert scans == []


def test_output_in_a_missing_folder_is_created(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the GitHub Action writes `out/junit.xml` into a fresh checkout
    target = tmp_path / "out" / "ci" / "r.sarif"
    code, _, err = run(["scan", str(infra), "--region", "eu-west-1", "-f", "sarif", "-o", str(target)], monkeypatch)
    assert code == 1, err
    assert json.loads(target.read_text())["runs"][0]["results"][0]["ruleId"] == "CKV_RES_1"


def test_output_in_a_missing_folder_under_a_file(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  scans: list[int]) -> None:
    (tmp_path / "notes").write_text("a file\n")
    target = tmp_path / "notes" / "ci" / "r.sarif"
    code, _, err = run(["scan", str(infra), "-f", "sarif", "-o", str(target)], monkeypatch)
    assert (code, err) == (2, f"error: --output {target}: {tmp_path / 'notes'} is not a folder\n")
    assert scans == []


def test_output_under_a_file(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scans: list[int]) -> None:
    target = infra / "main.tf" / "r.sarif"
    code, _, err = run(["scan", str(infra), "-f", "sarif", "-o", str(target)], monkeypatch)
    assert (code, err) == (2, f"error: --output {target}: {infra / 'main.tf'} is not a folder\n")
    assert scans == []


def test_output_to_an_unwritable_file(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scans: list[int]) -> None:
    target = _unwritable_file(tmp_path)
    code, _, err = run(["scan", str(infra), "-f", "json", "-o", str(target)], monkeypatch)
    assert (code, err) == (2, f"error: --output {target}: not writable: Permission denied\n")
    assert scans == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can create files in a read-only-mode folder")
def test_output_in_an_unwritable_folder(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    code, _, err = run(["scan", str(infra), "-o", str(locked / "r.txt")], monkeypatch)
    assert (code, err) == (2, f"error: --output {locked / 'r.txt'}: folder {locked} is not writable\n")


def test_a_write_failure_after_the_scan_still_writes_the_other_outputs(infra: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    gone, kept = tmp_path / "gone", tmp_path / "kept"
    gone.mkdir()
    kept.mkdir()
    real = analyzer.scan.run_scan

    def scan_then_lose_the_folder(*args, **kwargs):  # type: ignore[no-untyped-def]
        report = real(*args, **kwargs)
        shutil.rmtree(gone)  # e.g. a CI step replaced the folder with a file while the scan ran
        gone.write_text("not a folder any more\n")
        return report

    monkeypatch.setattr(analyzer.scan, "run_scan", scan_then_lose_the_folder)
    code, out, err = run(["scan", str(infra), "--region", "eu-west-1", "-f", "json", "-o", str(gone / "r.json"),
                          "-f", "sarif", "-o", str(kept / "r.sarif"), "-f", "cli"], monkeypatch)
    assert code == 2
    assert err == f"error: --output {gone / 'r.json'}: {gone} is not a folder\n"
    [result] = json.loads((kept / "r.sarif").read_text())["runs"][0]["results"]
    assert result["ruleId"] == "CKV_RES_1"
    assert "aws_s3_bucket.exports" in out  # the stdout format too


def test_a_link_planted_in_the_tree_is_not_written_through(infra: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch, scans: list[int]) -> None:
    victim = tmp_path / "home" / ".bashrc"
    victim.parent.mkdir()
    victim.write_text("export PATH=/usr/bin\n")
    (infra / "results.sarif").symlink_to(victim)
    monkeypatch.chdir(infra)
    code, _, err = run(["scan", ".", "-f", "sarif", "-o", "results.sarif"], monkeypatch)
    assert (code, err) == (2, "error: --output results.sarif: is a symbolic link; refusing to write through it\n")
    assert victim.read_text() == "export PATH=/usr/bin\n" and scans == []


def test_a_folder_link_planted_in_the_tree_is_not_written_through(infra: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (infra / "out").symlink_to(elsewhere, target_is_directory=True)
    target = infra / "out" / "r.sarif"
    code, _, err = run(["scan", str(infra), "-f", "sarif", "-o", str(target)], monkeypatch)
    assert (code, err) == (2, f"error: --output {target}: its folder leaves the scanned tree through a symbolic "
                              "link; refusing to write there\n")
    assert list(elsewhere.iterdir()) == []


def test_a_link_outside_the_tree_is_the_operators_choice(infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "reports" / "r.sarif"
    real.parent.mkdir()
    (tmp_path / "latest.sarif").symlink_to(real)
    code, _, err = run(["scan", str(infra), "--region", "eu-west-1", "-f", "sarif", "-o", str(tmp_path / "latest.sarif")],
                       monkeypatch)
    assert code == 1, err
    assert json.loads(real.read_text())["runs"][0]["results"][0]["ruleId"] == "CKV_RES_1"


@pytest.mark.parametrize("command", ["report", "baseline"])
def test_report_and_baseline_check_their_output_first(command: str, infra: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch, scans: list[int]) -> None:
    code, _, err = run([command, str(infra), "-o", str(tmp_path)], monkeypatch)
    assert (code, err) == (2, f"error: --output {tmp_path}: is a folder, not a file\n")
    target = infra / "main.tf" / "out"
    code, _, err = run([command, str(infra), "-o", str(target)], monkeypatch)
    assert (code, err) == (2, f"error: --output {target}: {infra / 'main.tf'} is not a folder\n")
    assert scans == []


@pytest.mark.parametrize("command", ["report", "baseline"])
def test_report_and_baseline_still_write(command: str, infra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out"
    code, _, err = run([command, str(infra), "--region", "eu-west-1", "-o", str(target)], monkeypatch)
    assert code == 0, err
    assert ("aws_s3_bucket.exports" in target.read_text()) if command == "report" else json.loads(target.read_text())["findings"]
