"""A block whose count/for_each is not known statically is analyzed once, as `address[*]`.

What does not depend on count.index/each.* is judged exactly as for a known instance; what
does is CKV_RES_2 with the reason; one CKV_RES_9 per block keeps the unknown instances visible.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, build_inventory, run_scan

PROVIDERS = '''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "frankfurt"
  region              = "eu-central-1"
  allowed_account_ids = ["111122223333"]
}
'''


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _findings(root: Path, region: str = "eu-west-1") -> list[tuple[str, str, str, int, str]]:
    report = run_scan([root], Policy(region=region, accounts=["111122223333"]), ScanOptions(env={}))
    return [(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings]


def test_resource_with_unknown_for_each_is_judged_once_on_what_does_not_depend_on_each(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": PROVIDERS + '''
variable "tenants" {
  type = set(string)
}

resource "aws_s3_bucket" "tenant" {
  for_each = var.tenants
  provider = aws.frankfurt

  bucket = "tenant-${each.key}"
}
'''})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [(r.address, r.region.status, r.region.value, r.account.value, r.file, r.line) for r in inventory.rows] == [
        ("aws_s3_bucket.tenant[*]", "resolved", "eu-central-1", "111122223333", "main.tf", 16)]
    reason = ("for_each of aws_s3_bucket.tenant is not known statically: var.tenants has no default and is not set "
              "(set it with --var, a .tfvars file or TF_VAR_tenants)")
    assert _findings(tmp_path) == [
        ("CKV_RES_1", "aws_s3_bucket.tenant[*]", "main.tf", 16,
         "aws_s3_bucket.tenant[*] is in eu-central-1, outside the allowed region eu-west-1"),
        ("CKV_RES_9", "aws_s3_bucket.tenant[*]", "main.tf", 17,
         f"{reason}; which instances exist is not analyzed: aws_s3_bucket.tenant[*] stands for all of them, judged "
         "on what does not depend on each.key or each.value"),
    ]
    assert _findings(tmp_path, region="eu-central-1") == [_findings(tmp_path)[1]]


def test_what_depends_on_count_index_is_unknown_with_the_reason(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": PROVIDERS + '''
variable "replica_regions" {
  type    = list(string)
  default = ["eu-west-1", "us-east-1"]
}

variable "copies" {
  type = number
}

resource "aws_s3_bucket" "copy" {
  count  = var.copies
  bucket = "copy-${count.index}"
  region = var.replica_regions[count.index]
}
'''})
    findings = _findings(tmp_path)
    reason = ("count of aws_s3_bucket.copy is not known statically: var.copies has no default and is not set "
              "(set it with --var, a .tfvars file or TF_VAR_copies)")
    assert [(f[0], f[1], f[3]) for f in findings] == [
        ("CKV_RES_2", "aws_s3_bucket.copy[*]", 21),
        ("CKV_RES_9", "aws_s3_bucket.copy[*]", 22),
    ]
    assert findings[0][4] == f"region of aws_s3_bucket.copy[*] cannot be resolved statically: {reason}"
    assert findings[1][4] == (f"{reason}; which instances exist is not analyzed: aws_s3_bucket.copy[*] stands for "
                              "all of them, judged on what does not depend on count.index")


def test_module_with_unknown_for_each_and_an_aliased_provider_keeps_its_region(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDERS + '''
variable "bucket_names" {
  type = map(string)
}

module "buckets" {
  source   = "./modules/bucket"
  for_each = var.bucket_names

  name = each.value

  providers = {
    aws = aws.frankfurt
  }
}
''',
        "modules/bucket/main.tf": '''variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
''',
    })
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    row = inventory.rows[0]
    assert [(r.address, r.region.value, r.account.value, r.file, r.line) for r in inventory.rows] == [
        ("module.buckets[*].aws_s3_bucket.this", "eu-central-1", "111122223333", "modules/bucket/main.tf", 5)]
    assert [e.note for e in row.region.evidence][-2:] == [
        "module.buckets[*] providers { aws = aws.frankfurt }", "provider.aws.frankfurt region"]
    assert [(f[0], f[1], f[2], f[3]) for f in _findings(tmp_path)] == [
        ("CKV_RES_9", "module.buckets[*]", "main.tf", 18),
        ("CKV_RES_1", "module.buckets[*].aws_s3_bucket.this", "modules/bucket/main.tf", 5),
    ]
    assert [(f[0], f[1]) for f in _findings(tmp_path, region="eu-central-1")] == [("CKV_RES_9", "module.buckets[*]")]


def test_references_to_unknown_instances_stay_unknown(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": PROVIDERS + '''
variable "zones" {
  type = list(string)
}

resource "aws_s3_bucket" "primary" {
  count  = length(var.zones)
  bucket = "primary-${count.index}"
}

resource "aws_s3_bucket" "mirror" {
  bucket = "mirror"
  region = aws_s3_bucket.primary[0].region
}
'''})
    findings = _findings(tmp_path)
    assert [(f[0], f[1], f[3]) for f in findings] == [
        ("CKV_RES_9", "aws_s3_bucket.primary[*]", 17),
        ("CKV_RES_2", "aws_s3_bucket.mirror", 21),
    ]
    assert "count of aws_s3_bucket.primary is not known statically" in findings[1][4]


def test_unknown_count_nested_inside_a_known_for_each(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": PROVIDERS + '''
module "team" {
  source   = "./modules/team"
  for_each = toset(["data", "ml"])
  team     = each.key
}
''',
        "modules/team/main.tf": '''variable "team" {
  type = string
}

variable "buckets" {
  type = number
}

module "store" {
  source = "../store"
  count  = var.buckets
  name   = "${var.team}-${count.index}"
}
''',
        "modules/store/main.tf": '''variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}
''',
    })
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [(r.address, r.region.value, r.name) for r in inventory.rows] == [
        ('module.team["data"].module.store[*].aws_s3_bucket.this', "eu-west-1", None),
        ('module.team["ml"].module.store[*].aws_s3_bucket.this', "eu-west-1", None),
    ]
    assert [(e.address, e.file, e.line) for e in inventory.errors] == [
        ('module.team["data"].module.store[*]', "modules/team/main.tf", 11),
        ('module.team["ml"].module.store[*]', "modules/team/main.tf", 11),
    ]


def test_invalid_count_is_still_not_expanded(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": PROVIDERS + 'resource "aws_s3_bucket" "b" {\n  count = 1.5\n}\n'})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(env={}))
    assert [(r.address, r.region.status) for r in inventory.rows] == [("aws_s3_bucket.b[*]", "unknown")]
    assert "must be a whole number" in inventory.rows[0].region.reason
    assert inventory.errors == []
