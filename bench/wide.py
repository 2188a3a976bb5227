"""The scaling input: one root whose main.tf holds N resources in a single module, with a
``# checkov:skip`` comment in every eighth block. Analysis work per resource must not grow
with the number of resources in the module (``_skips_for`` once made it quadratic), so the
cold scan of 4× the resources must take about 4× the time, not 16×."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .estate.hcl import align

VERSIONS = """\
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}
"""

PROVIDERS = """\
provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["418273645091"]

  default_tags {
    tags = local.common_tags
  }
}
"""

LOCALS = """\
locals {
  prefix = "ingest-eu"
  common_tags = {
    team        = "ingest"
    environment = "prod"
    managed_by  = "terraform"
  }
}
"""

# one resource per kind, in turn; {i} is the resource's number (names stay unique)
KINDS: tuple[str, ...] = (
    """\
resource "aws_s3_bucket" "b{i:05d}" {{
  bucket = "${{local.prefix}}-raw-{i:05d}"
{skip}  tags   = merge(local.common_tags, {{ dataset = "raw-{i:05d}" }})
}}
""",
    """\
resource "aws_sqs_queue" "q{i:05d}" {{
  name                      = "${{local.prefix}}-events-{i:05d}"
  message_retention_seconds = 345600
{skip}  kms_master_key_id         = "alias/aws/sqs"
}}
""",
    """\
resource "aws_cloudwatch_log_group" "l{i:05d}" {{
  name              = "/ingest/worker-{i:05d}"
  retention_in_days = 30
{skip}}}
""",
    """\
resource "aws_dynamodb_table" "t{i:05d}" {{
  name         = "${{local.prefix}}-state-{i:05d}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
{skip}
  attribute {{
    name = "id"
    type = "S"
  }}
}}
""",
)
SKIP = "  # checkov:skip=CKV_RES_1: replicated by the platform team's DR runbook\n"


@dataclass
class WideStats:
    path: str
    resources: int
    tf_files: int
    tf_lines: int
    main_bytes: int


def generate_wide(dest: Path, resources: int) -> WideStats:
    """Write the root under ``dest`` (wiped first): versions.tf, providers.tf, locals.tf and a
    main.tf with ``resources`` resource blocks."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    blocks = [KINDS[i % len(KINDS)].format(i=i, skip=SKIP if i % 8 == 0 else "") for i in range(resources)]
    files = {"versions.tf": VERSIONS, "providers.tf": PROVIDERS, "locals.tf": LOCALS,
             "main.tf": "\n".join(blocks)}
    lines = 0
    for name, text in files.items():
        text = align(text)
        (dest / name).write_text(text, encoding="utf-8")
        lines += text.count("\n")
    return WideStats(path=str(dest), resources=resources, tf_files=len(files), tf_lines=lines,
                     main_bytes=(dest / "main.tf").stat().st_size)
