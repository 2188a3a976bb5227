"""Definitions Terraform rejects as duplicates are CKV_RES_9 at the duplicate's file:line,
while the rest of the module (and the first definition) is still analyzed."""

from __future__ import annotations

from pathlib import Path

from analyzer.scan import ScanOptions, build_inventory

PROVIDER = '''provider "aws" {
  region              = local.region
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = var.name
}
'''


def _scan(root: Path) -> tuple[dict[str, str | None], list[tuple[str, int, str]]]:
    inventory, _, _ = build_inventory([root], ScanOptions(use_cache=False))
    rows = {r.address: r.region.value for r in inventory.rows}
    return rows, sorted((e.file, e.line, e.message) for e in inventory.errors)


def test_duplicate_variable_local_and_output_across_files(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    main = (PROVIDER + 'locals {\n  region = "eu-west-1"\n}\n'
            'variable "name" {\n  default = "a"\n}\n'
            'output "id" {\n  value = aws_s3_bucket.data.id\n}\n')
    (root / "main.tf").write_text(main)
    line = {text: i for i, text in enumerate(main.splitlines(), start=1)}
    (root / "extra.tf").write_text('# more\nlocals {\n  other  = 1\n  region = "us-east-1"\n}\n\n'
                                   'variable "name" {\n  default = "b"\n}\n\n'
                                   'output "id" {\n  value = "x"\n}\n')
    rows, errors = _scan(root)
    assert rows == {"aws_s3_bucket.data": "us-east-1"}  # files are read in name order: extra.tf defines first
    assert errors == [
        ("main.tf", line['  region = "eu-west-1"'], 'duplicate local value "region" (first defined at extra.tf:4); not analyzed'),
        ("main.tf", line['variable "name" {'], 'duplicate variable "name" (first declared at extra.tf:7); not analyzed'),
        ("main.tf", line['output "id" {'], 'duplicate output "id" (first declared at extra.tf:11); not analyzed'),
    ]


def test_redefined_attribute_is_a_syntax_error_at_the_second_line(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n  allowed_account_ids = ["111122223333"]\n'
                                  '  region = "us-east-1"\n}\n')
    (root / "ok.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    rows, errors = _scan(root)
    assert ("main.tf", 4, 'syntax error: attribute redefined: `region` was already set on line 2; '
            "each argument may be set only once") in errors
