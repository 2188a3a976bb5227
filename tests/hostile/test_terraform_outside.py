"""Terraform inputs never read outside the scanned tree (issue 15 §1, §4, §6): symlinked files
and folders, local module sources, planted `.terraform` data, `--var-file` links, FIFOs and
devices. Each is one CKV_RES_9 at the referring path, nothing of the outside file reaches any
report, and the good root beside it keeps its finding."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

SECRET = "tfc-TOKEN-8f3a91c2"
PINNED = ('provider "aws" {\n  region              = "eu-west-1"\n'
          '  allowed_account_ids = ["111122223333"]\n}\n')
GOOD = PINNED + 'resource "aws_s3_bucket" "wrong_region" {\n  provider = aws.us\n  bucket = "logs"\n}\n' \
    'provider "aws" {\n  alias               = "us"\n  region              = "us-east-1"\n' \
    '  allowed_account_ids = ["111122223333"]\n}\n'
FORMATS = ("json", "cli", "github", "markdown", "junit", "sarif")


def _scan(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "credentials.tfrc.json").write_text(json.dumps(
        {"credentials": {"app.terraform.io": {"token": SECRET}}}))
    (folder / "evil.tf").write_text(f'resource "aws_s3_bucket" "x" {{\n  bucket = "{SECRET}"\n}}\n')
    (folder / "module").mkdir()
    (folder / "module" / "main.tf").write_text(f'resource "aws_s3_bucket" "m" {{\n  bucket = "{SECRET}"\n}}\n')
    return folder


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "good").mkdir(parents=True)
    (root / "good" / "main.tf").write_text(GOOD)
    (root / ".git").mkdir()
    return root


def _json(repo: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict:
    code, out = _scan(["scan", str(repo), "--region", "eu-west-1", "--account", "111122223333", "-f", "json", *extra],
                      monkeypatch)
    assert code == 1
    return json.loads(out)


def _res9(data: dict) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["message"]) for f in data["findings"] if f["rule_id"] == "CKV_RES_9"]


def _good_root_still_judged(data: dict) -> None:
    assert ("CKV_RES_1", "aws_s3_bucket.wrong_region", "good/main.tf", 5) in \
        [(f["rule_id"], f["address"], f["file"], f["line"]) for f in data["findings"]]


def test_symlinked_tfvars_with_a_token_never_reaches_any_report(repo: Path, outside: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo / "stack"
    root.mkdir()
    (root / "main.tf").write_text(
        'variable "credentials" {\n  type = any\n  default = {}\n}\n'
        'provider "aws" {\n  region = var.credentials["app.terraform.io"].token\n'
        '  allowed_account_ids = ["111122223333"]\n}\nresource "aws_s3_bucket" "b" {}\n')
    (root / "zz.auto.tfvars.json").symlink_to(outside / "credentials.tfrc.json")
    for fmt in FORMATS:
        code, out = _scan(["scan", str(repo), "--region", "eu-west-1", "-f", fmt], monkeypatch)
        assert code == 1, fmt
        assert SECRET not in out, fmt
    data = _json(repo, monkeypatch)
    assert ("stack/zz.auto.tfvars.json", 0,
            f"symlink stack/zz.auto.tfvars.json points outside the scanned tree (-> {outside}/credentials.tfrc.json); "
            "never read, not analyzed (the analyzer reads nothing outside the repository it scans)") in _res9(data)
    _good_root_still_judged(data)


def test_symlinked_tf_file_folder_and_root_link_are_refused(repo: Path, outside: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "good" / "evil.tf").symlink_to(outside / "evil.tf")
    (repo / "linked").symlink_to(outside)
    (repo / "everything").symlink_to("/")
    (repo / "good" / "passwd.tf").symlink_to("/etc/passwd")
    data = _json(repo, monkeypatch)
    found = {(file, line) for file, line, _ in _res9(data)}
    assert {("good/evil.tf", 0), ("linked", 0), ("everything", 0), ("good/passwd.tf", 0)} <= found
    assert all("points outside the scanned tree" in m for f, _, m in _res9(data)
               if f in ("good/evil.tf", "linked", "everything", "good/passwd.tf"))
    text = json.dumps(data)
    assert SECRET not in text and "root:x:0" not in text
    _good_root_still_judged(data)


def test_local_module_source_outside_the_tree_is_not_read(repo: Path, outside: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo / "stack"
    root.mkdir()
    rel = os.path.relpath(outside / "module", root)
    (root / "main.tf").write_text(PINNED + f'module "m" {{\n  source = "{rel}"\n}}\n')
    data = _json(repo, monkeypatch)
    [(file, line, message)] = [e for e in _res9(data) if e[0] == "stack/main.tf"]
    assert (file, line) == ("stack/main.tf", 6)
    assert message.startswith(f'module source "{rel}": ../outside/module is outside the scanned tree; never read, not analyzed')
    assert SECRET not in json.dumps(data)
    _good_root_still_judged(data)


def test_planted_modules_json_dir_outside_the_tree_is_not_read(repo: Path, outside: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo / "stack"
    (root / ".terraform" / "modules").mkdir(parents=True)
    (root / "main.tf").write_text(PINNED + 'module "m" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n}\n')
    (root / ".terraform" / "modules" / "modules.json").write_text(json.dumps(
        {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                     {"Key": "m", "Source": "registry.terraform.io/x/y/aws", "Dir": str(outside / "module")}]}))
    data = _json(repo, monkeypatch)
    [(file, line, message)] = [e for e in _res9(data) if e[0] == "stack/main.tf"]
    assert line == 6
    assert "(its folder from .terraform/modules/modules.json)" in message and "outside the scanned tree" in message
    assert SECRET not in json.dumps(data)


def test_terraform_folder_linked_out_and_devices_never_block(repo: Path, outside: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo / "stack"
    root.mkdir()
    (root / "main.tf").write_text(PINNED + 'resource "aws_s3_bucket" "b" {}\n')
    (root / ".terraform").mkdir()
    (root / ".terraform" / "environment").symlink_to("/dev/zero")
    fifo_root = repo / "fifo"
    fifo_root.mkdir()
    os.mkfifo(fifo_root / "main.tf")
    result: list[dict] = []
    worker = threading.Thread(target=lambda: result.append(_json(repo, monkeypatch)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert result, "the scan blocked on a FIFO or device"
    errors = {(f, m) for f, _, m in _res9(result[0])}
    assert ("fifo/main.tf", "fifo/main.tf is a named pipe, not a regular file; never read, not analyzed") in errors
    assert any(f == "stack/.terraform/environment" and "outside the scanned tree" in m for f, m in errors)
    _good_root_still_judged(result[0])


def test_var_file_planted_as_a_link_is_refused_but_the_operators_own_file_is_read(
        repo: Path, outside: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo / "stack"
    root.mkdir()
    (root / "main.tf").write_text('variable "region" {}\nprovider "aws" {\n  region = var.region\n'
                                  '  allowed_account_ids = ["111122223333"]\n}\nresource "aws_s3_bucket" "b" {}\n')
    (outside / "prod.tfvars").write_text('region = "eu-west-1"\n')
    (root / "prod.tfvars").symlink_to(outside / "prod.tfvars")
    data = _json(repo, monkeypatch, "--var-file", str(root / "prod.tfvars"))
    assert any("cannot read --var-file: symlink" in m and "points outside the scanned tree" in m
               for _, _, m in _res9(data))
    (root / "prod.tfvars").unlink()
    code, out = _scan(["scan", str(root), "--region", "eu-west-1", "--account", "111122223333", "-f", "json",
                       "--var-file", str(outside / "prod.tfvars")], monkeypatch)
    assert code == 0, out
    rows = json.loads(out)["inventory"]
    assert [(r["address"], r["region"]) for r in rows] == [("aws_s3_bucket.b", "eu-west-1")]


def test_plan_json_linked_out_of_the_tree_or_a_fifo_is_refused_unread(repo: Path, outside: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_s3_bucket.x", "mode": "managed", "type": "aws_s3_bucket", "name": "x",
         "values": {"bucket": SECRET}}]}}}
    (outside / "plan.json").write_text(json.dumps(plan))
    (repo / "plans").mkdir()
    (repo / "plans" / "prod.json").symlink_to(outside / "plan.json")
    os.mkfifo(repo / "plans" / "tfplan.json")
    result: list[dict] = []
    worker = threading.Thread(target=lambda: result.append(_json(repo, monkeypatch)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert result, "the scan blocked on a FIFO named like a plan"
    errors = {f: m for f, _, m in _res9(result[0])}
    assert "points outside the scanned tree" in errors["plans/prod.json"]
    assert errors["plans/tfplan.json"] == "tfplan.json is a named pipe, not a regular file; never read, not analyzed"
    assert SECRET not in json.dumps(result[0])
    _good_root_still_judged(result[0])
