"""Bad input never crashes the scan and never loses the rest of the tree."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.scan import ScanOptions, build_inventory

GOOD = '''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}
'''


def _scan(root: Path):
    inventory, _, _ = build_inventory([root], ScanOptions())
    return inventory


def _errors(inventory) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for error in inventory.errors:
        out.setdefault(error.file, []).append((error.line, error.message))
    return out


def test_each_bad_file_is_reported_and_the_rest_is_analyzed(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "main.tf").write_text(GOOD)
    (root / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "a"\n  tags = {\n')
    (root / "binary.tf").write_bytes(b"\x7fELF\x00\x01\x02" + bytes(range(256)))
    (root / "latin1.tf").write_bytes(b'# caf\xe9\nresource "aws_s3_bucket" "y" {}\n')
    (root / "huge.tf").write_bytes(b"# x\n" * (9 * 1024 * 1024 // 4 + 10))
    inventory = _scan(root)
    errors = _errors(inventory)
    assert [r.address for r in inventory.rows] == ["aws_s3_bucket.data"]
    assert inventory.rows[0].region.value == "eu-west-1"
    assert errors["broken.tf"][0][0] == 3 and errors["broken.tf"][0][1].startswith("syntax error: unexpected")
    assert "binary file" in errors["binary.tf"][0][1]
    assert errors["latin1.tf"] == [(0, "not valid UTF-8 (byte 0xe9 on line 1); Terraform requires UTF-8")]
    assert "over the 8 MB limit" in errors["huge.tf"][0][1]


def test_module_cycle_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "live"
    (root / "modules" / "a").mkdir(parents=True)
    (root / "modules" / "b").mkdir(parents=True)
    (root / "main.tf").write_text(GOOD + '\nmodule "a" {\n  source = "./modules/a"\n}\n')
    (root / "modules" / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\n\nresource "aws_s3_bucket" "a" {}\n')
    (root / "modules" / "b" / "main.tf").write_text('module "a" {\n  source = "../a"\n}\n')
    inventory = _scan(root)
    assert [r.address for r in inventory.rows] == ["aws_s3_bucket.data", "module.a.aws_s3_bucket.a"]
    cycle = [e for e in inventory.errors if "module cycle" in e.message]
    assert len(cycle) == 1
    assert cycle[0].file == "modules/b/main.tf" and cycle[0].line == 2
    assert cycle[0].address == "module.a.module.b.module.a"
    assert "modules/a -> " in cycle[0].message


def test_symlink_loop_is_reported_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "stack").mkdir(parents=True)
    (root / "stack" / "main.tf").write_text(GOOD)
    os.symlink("..", root / "stack" / "loop")
    os.symlink("self.tf", root / "stack" / "self.tf")
    inventory = _scan(root)
    assert [r.address for r in inventory.rows] == ["aws_s3_bucket.data"]
    messages = {e.file: e.message for e in inventory.errors}
    assert "symlink loop" in messages["stack/loop"]
    assert "stack/self.tf" in messages


def test_missing_module_source_is_not_analyzed_not_skipped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(GOOD + '\nmodule "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n\n'
                                  'module "local" {\n  source = "./nowhere"\n}\n')
    inventory = _scan(root)
    by_address = {e.address: e for e in inventory.errors}
    assert by_address["module.vpc"].line == 11 and "not on disk" in by_address["module.vpc"].message
    assert by_address["module.local"].line == 16 and "not found" in by_address["module.local"].message


def test_registry_module_from_terraform_init_manifest(tmp_path: Path) -> None:
    root = tmp_path / "root"
    vendored = root / ".terraform" / "modules" / "store"
    vendored.mkdir(parents=True)
    (root / "main.tf").write_text(GOOD + '\nmodule "store" {\n  source = "acme/store/aws"\n  name   = "x"\n}\n')
    (vendored / "main.tf").write_text('variable "name" {}\n\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n')
    (root / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"store","Source":"registry.terraform.io/acme/store/aws","Dir":".terraform/modules/store"}]}')
    inventory = _scan(root)
    rows = {r.address: r for r in inventory.rows}
    assert rows["module.store.aws_s3_bucket.this"].region.value == "eu-west-1"
    assert rows["module.store.aws_s3_bucket.this"].file == ".terraform/modules/store/main.tf"
    assert inventory.errors == []


def test_local_cycle_is_unknown_and_reported(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "main.tf").write_text(GOOD.replace('"eu-west-1"', "local.a") + '\nlocals {\n  a = local.b\n  b = local.a\n}\n')
    inventory = _scan(root)
    assert inventory.rows[0].region.status == "unknown"
    assert "cycle" in inventory.rows[0].region.reason
    assert any("cycle" in e.message and e.file == "main.tf" for e in inventory.errors)
