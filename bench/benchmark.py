#!/usr/bin/env python3
"""Scale benchmark for ``residency scan``.

Generates a large, deterministic, realistic Terraform estate (AWS-heavy, with some
GCP and Azure roots, shared local modules nested three deep, aliased providers
passed two modules down, ``for_each``/``count``, locals, tfvars, outputs) and
measures, each in a fresh subprocess:

* the *parse floor*: one process that parses every ``.tf``/``.tfvars`` file with
  ``hcl2.load`` (what any HCL-based scanner must at least pay);
* ``residency scan <estate> --format json --output /dev/null``, cold (empty
  ``RESIDENCY_CACHE_DIR``) and warm (second run on the same cache dir);
* stock ``checkov`` with one trivial external check (or our real rules folder
  via ``--checkov-rules``).

Wall seconds come from ``time.perf_counter`` around the child.  Peak RSS comes
from ``os.wait4`` on the child: the kernel returns the child's own rusage, whose
``ru_maxrss`` is the largest resident set reached by the child *or any of its
waited-for descendants* (the same number GNU ``/usr/bin/time -v`` prints as
"Maximum resident set size").  Because it is per-child there is no
``RUSAGE_CHILDREN`` delta problem when several commands run in sequence.  On
Linux a sampler additionally polls ``/proc`` every 50 ms and records the peak
*sum* of RSS over the whole process tree (JSON field ``tree_peak_mb``), which
matters for tools that fan out into worker processes.

Only the standard library is used, plus ``hcl2`` inside the parse-floor child.

Run ``python bench/benchmark.py --help`` for the flags; see bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out"
GENERATOR_VERSION = 1
DEFAULT_SEED = 20240611

# =============================================================================
# HCL text helpers
# =============================================================================

_PLACEHOLDER = re.compile(r"__([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)__")
_ATTR_LINE = re.compile(
    r'^(\s*)((?:[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)|"[^"\n]*")\s*=(?![=>])\s*(.*)$'
)


def T(template: str, **values: object) -> str:
    """Dedent ``template`` and substitute ``__NAME__`` placeholders (``name=`` kwargs)."""
    text = textwrap.dedent(template).strip("\n")

    def sub(m: re.Match[str]) -> str:
        key = m.group(1).lower()
        if key not in values:
            raise KeyError(f"template placeholder __{m.group(1)}__ has no value")
        return str(values[key])

    return _PLACEHOLDER.sub(sub, text)


def indent(text: str, levels: int) -> str:
    pad = "  " * levels
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def bracket_delta(s: str) -> int:
    """Net count of opening minus closing brackets in one line of HCL, ignoring
    brackets inside quoted strings (but counting those inside ``${ }``)."""
    depth = 0
    interp: list[int] = []  # brace depth inside each open ${ / %{
    in_str = False
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if in_str:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_str = False
            elif c in "$%" and s[i + 1 : i + 2] == "{":
                interp.append(0)
                in_str = False
                i += 2
                continue
        else:
            if c == '"':
                in_str = True
            elif c == "#" and not interp:
                break
            elif c in "([{":
                if interp:
                    interp[-1] += 1
                else:
                    depth += 1
            elif c in ")]}":
                if interp:
                    if interp[-1] == 0 and c == "}":
                        interp.pop()
                        in_str = True
                    else:
                        interp[-1] -= 1
                else:
                    depth -= 1
        i += 1
    return depth


def align(text: str) -> str:
    """Align ``=`` the way ``terraform fmt`` does: runs of consecutive lines that each
    hold a complete single-line attribute are padded to a common column.  A line
    that opens a multi-line value, a closing bracket, a comment or a blank line
    ends the run."""
    out: list[str] = []
    run: list[tuple[str, str, str]] = []

    def flush() -> None:
        if run:
            width = max(len(k) for _, k, _ in run)
            out.extend(f"{ind}{k.ljust(width)} = {v}" for ind, k, v in run)
            run.clear()

    for line in text.split("\n"):
        m = _ATTR_LINE.match(line)
        if m and not m.group(3).startswith("<<") and bracket_delta(m.group(3)) == 0:
            if run and run[-1][0] != m.group(1):
                flush()
            run.append((m.group(1), m.group(2), m.group(3).rstrip()))
        else:
            flush()
            out.append(line.rstrip())
    flush()
    return "\n".join(out)


def hcl_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hcl_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) else hcl_str(k)


def hcl_value(v: object, level: int = 0) -> str:
    """Render a Python value as an HCL expression.  Dicts and lists of dicts become
    multi-line constructs whose inner lines are indented relative to ``level``;
    the first line carries no indentation (it follows ``key = ``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, Expr):
        return v.text
    if isinstance(v, str):
        return hcl_str(v)
    if isinstance(v, dict):
        if not v:
            return "{}"
        pad = "  " * (level + 1)
        body = [f"{pad}{hcl_key(k)} = {hcl_value(x, level + 1)}" for k, x in v.items()]
        return "{\n" + "\n".join(body) + "\n" + "  " * level + "}"
    if isinstance(v, (list, tuple, set)):
        items = list(v)
        if all(not isinstance(x, (dict, list, tuple)) for x in items):
            return "[" + ", ".join(hcl_value(x, level) for x in items) + "]"
        pad = "  " * (level + 1)
        body = [f"{pad}{hcl_value(x, level + 1)}," for x in items]
        return "[\n" + "\n".join(body) + "\n" + "  " * level + "]"
    raise TypeError(f"cannot render {type(v).__name__} as HCL")


@dataclass(frozen=True)
class Expr:
    """A raw HCL expression (rendered verbatim)."""

    text: str


def attrs(d: dict[str, object], level: int = 0) -> str:
    """Render ``key = value`` lines at ``level`` (unaligned; ``align`` pads later)."""
    pad = "  " * level
    return "\n".join(f"{pad}{hcl_key(k)} = {hcl_value(v, level)}" for k, v in d.items())


def join_blocks(*blocks: str) -> str:
    return "\n\n".join(b.strip("\n") for b in blocks if b and b.strip()) + "\n"


# =============================================================================
# Estate vocabulary
# =============================================================================

# Team -> cloud.  Order matters: the first roots generated (small sizes) should
# already mix the three clouds.
TEAMS: list[tuple[str, str]] = [
    ("payments", "aws"),
    ("analytics", "gcp"),
    ("identity", "aws"),
    ("support", "azure"),
    ("search", "aws"),
    ("checkout", "aws"),
    ("ml-platform", "gcp"),
    ("ledger", "aws"),
    ("risk", "aws"),
    ("notifications", "aws"),
    ("partner-api", "azure"),
    ("catalog", "aws"),
    ("fulfilment", "aws"),
    ("data-eng", "gcp"),
    ("growth", "aws"),
    ("billing", "aws"),
    ("security", "aws"),
    ("reporting", "azure"),
    ("observability", "aws"),
    ("media", "gcp"),
    ("messaging", "aws"),
    ("pricing", "aws"),
    ("onboarding", "aws"),
    ("mobile-backend", "aws"),
]
BASE_ENVS = ["dev", "staging", "prod"]
EXTRA_ENVS = ["sandbox", "perf", "prod-eu2", "qa", "uat", "preprod"]

AWS_REGION_PAIRS = [
    ("eu-west-1", "eu-central-1"),
    ("eu-central-1", "eu-west-1"),
    ("eu-west-2", "eu-west-1"),
    ("eu-north-1", "eu-central-1"),
    ("us-east-1", "us-west-2"),
    ("us-west-2", "us-east-1"),
    ("ca-central-1", "ca-west-1"),
    ("ap-southeast-2", "ap-southeast-4"),
]
GCP_REGION_PAIRS = [
    ("europe-west1", "europe-west4"),
    ("europe-west3", "europe-west1"),
    ("us-central1", "us-east1"),
    ("australia-southeast1", "australia-southeast2"),
]
AZURE_LOCATION_PAIRS = [
    ("westeurope", "northeurope"),
    ("germanywestcentral", "germanynorth"),
    ("eastus2", "centralus"),
    ("uksouth", "ukwest"),
]
DATASETS = [
    "events", "invoices", "audit", "exports", "raw", "curated", "snapshots",
    "uploads", "reports", "archive", "ledger", "clickstream", "documents",
    "media", "backups", "features", "models", "statements", "receipts", "kyc",
    "telemetry", "sessions", "orders", "refunds", "payouts", "catalogue",
]
SERVICES = [
    "api", "worker", "scheduler", "gateway", "ingest", "indexer", "notifier",
    "reconciler", "exporter", "webhooks", "admin", "sync", "router", "auth",
]
COST_CENTERS = ["CC-1001", "CC-1044", "CC-2010", "CC-2087", "CC-3150", "CC-4200"]

AWS_SERVICE_KINDS = ["s3", "queues", "dynamodb", "rds", "iam", "logs", "kms", "backup", "ecr"]
GCP_SERVICE_KINDS = ["gcs", "bigquery", "pubsub", "sql", "kms", "gar"]
AZURE_SERVICE_KINDS = ["storage", "keyvault", "acr", "logs", "sql"]

# =============================================================================
# Shared modules
# =============================================================================

AWS_VERSIONS = T(
    """
    terraform {
      required_version = ">= 1.5.0"

      required_providers {
        aws = {
          source  = "hashicorp/aws"
          version = ">= 5.30"
        }
      }
    }
    """
)
AWS_VERSIONS_DR = T(
    """
    terraform {
      required_version = ">= 1.5.0"

      required_providers {
        aws = {
          source                = "hashicorp/aws"
          version               = ">= 5.30"
          configuration_aliases = [aws.dr]
        }
      }
    }
    """
)


def _var(name: str, type_: str, description: str, default: object = ..., *, sensitive: bool = False,
         validation: tuple[str, str] | None = None, nullable: bool | None = None) -> str:
    lines = [f'variable "{name}" {{', f"  description = {hcl_str(description)}"]
    if "\n" in type_:
        lines.append("  type = " + type_.replace("\n", "\n  "))
    else:
        lines.append(f"  type = {type_}")
    if default is not ...:
        lines.append(f"  default = {hcl_value(default, 1)}")
    if sensitive:
        lines.append("  sensitive = true")
    if nullable is not None:
        lines.append(f"  nullable = {hcl_value(nullable)}")
    if validation:
        lines += [
            "",
            "  validation {",
            f"    condition = {validation[0]}",
            f"    error_message = {hcl_str(validation[1])}",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines)


def _out(name: str, value: str, description: str, *, sensitive: bool = False) -> str:
    lines = [f'output "{name}" {{', f"  description = {hcl_str(description)}", f"  value = {value}"]
    if sensitive:
        lines.append("  sensitive = true")
    lines.append("}")
    return "\n".join(lines)


TAGS_VAR = _var("tags", "map(string)", "Tags applied to every resource.", {})

LIFECYCLE_RULES_TYPE = T(
    """
    list(object({
      id              = string
      prefix          = optional(string, "")
      transition_days = optional(number)
      storage_class   = optional(string, "STANDARD_IA")
      expiration_days = optional(number)
    }))
    """
)

MOD_BUCKET_MAIN = T(
    """
    resource "aws_s3_bucket" "this" {
      bucket              = var.name
      force_destroy       = var.force_destroy
      object_lock_enabled = var.object_lock

      tags = merge(var.tags, {
        Name = var.name
      })
    }

    resource "aws_s3_bucket_ownership_controls" "this" {
      bucket = aws_s3_bucket.this.id

      rule {
        object_ownership = "BucketOwnerEnforced"
      }
    }

    resource "aws_s3_bucket_public_access_block" "this" {
      bucket                  = aws_s3_bucket.this.id
      block_public_acls       = true
      block_public_policy     = true
      ignore_public_acls      = true
      restrict_public_buckets = true
    }

    resource "aws_s3_bucket_versioning" "this" {
      bucket = aws_s3_bucket.this.id

      versioning_configuration {
        status = var.versioning ? "Enabled" : "Suspended"
      }
    }

    resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
      bucket = aws_s3_bucket.this.id

      rule {
        bucket_key_enabled = var.kms_key_arn != null

        apply_server_side_encryption_by_default {
          sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
          kms_master_key_id = var.kms_key_arn
        }
      }
    }

    resource "aws_s3_bucket_lifecycle_configuration" "this" {
      count  = length(var.lifecycle_rules) > 0 ? 1 : 0
      bucket = aws_s3_bucket.this.id

      dynamic "rule" {
        for_each = var.lifecycle_rules
        content {
          id     = rule.value.id
          status = "Enabled"

          filter {
            prefix = rule.value.prefix
          }

          dynamic "transition" {
            for_each = rule.value.transition_days == null ? [] : [rule.value.transition_days]
            content {
              days          = transition.value
              storage_class = rule.value.storage_class
            }
          }

          dynamic "expiration" {
            for_each = rule.value.expiration_days == null ? [] : [rule.value.expiration_days]
            content {
              days = expiration.value
            }
          }
        }
      }

      depends_on = [aws_s3_bucket_versioning.this]
    }

    resource "aws_s3_bucket_policy" "this" {
      bucket = aws_s3_bucket.this.id
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Sid       = "DenyInsecureTransport"
            Effect    = "Deny"
            Principal = "*"
            Action    = "s3:*"
            Resource = [
              aws_s3_bucket.this.arn,
              "${aws_s3_bucket.this.arn}/*",
            ]
            Condition = {
              Bool = {
                "aws:SecureTransport" = "false"
              }
            }
          },
        ]
      })
    }
    """
)

MOD_BUCKET_VARS = join_blocks(
    _var("name", "string", "Globally unique bucket name.",
         validation=("length(var.name) >= 3 && length(var.name) <= 63",
                     "Bucket names must be between 3 and 63 characters.")),
    _var("kms_key_arn", "string", "KMS key used for SSE-KMS; null selects SSE-S3.", None),
    _var("versioning", "bool", "Enable object versioning.", True),
    _var("force_destroy", "bool", "Allow destroying a non-empty bucket.", False),
    _var("object_lock", "bool", "Enable S3 Object Lock at creation.", False),
    _var("lifecycle_rules", LIFECYCLE_RULES_TYPE, "Lifecycle rules applied to the bucket.", []),
    TAGS_VAR,
)

MOD_BUCKET_OUTPUTS = join_blocks(
    _out("id", "aws_s3_bucket.this.id", "Bucket name."),
    _out("arn", "aws_s3_bucket.this.arn", "Bucket ARN."),
    _out("region", "aws_s3_bucket.this.region", "Region the bucket lives in."),
    _out("regional_domain_name", "aws_s3_bucket.this.bucket_regional_domain_name",
         "Regional endpoint of the bucket."),
)

MOD_REPLICATED_MAIN = T(
    """
    data "aws_caller_identity" "current" {}

    data "aws_region" "dr" {
      provider = aws.dr
    }

    locals {
      dr_name = coalesce(var.dr_name, "${var.name}-${data.aws_region.dr.name}")
    }

    module "primary" {
      source = "../bucket"

      name            = var.name
      kms_key_arn     = var.kms_key_arn
      versioning      = true
      lifecycle_rules = var.lifecycle_rules
      tags            = var.tags
    }

    module "replica" {
      source = "../bucket"
      count  = var.replicate ? 1 : 0

      providers = {
        aws = aws.dr
      }

      name        = local.dr_name
      kms_key_arn = var.dr_kms_key_arn
      versioning  = true
      tags = merge(var.tags, {
        ReplicaOf = var.name
      })
    }

    resource "aws_iam_role" "replication" {
      count = var.replicate ? 1 : 0
      name  = "${var.name}-replication"

      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect = "Allow"
            Action = "sts:AssumeRole"
            Principal = {
              Service = "s3.amazonaws.com"
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_iam_role_policy" "replication" {
      count = var.replicate ? 1 : 0
      name  = "replication"
      role  = aws_iam_role.replication[0].id

      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect   = "Allow"
            Action   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
            Resource = [module.primary.arn]
          },
          {
            Effect   = "Allow"
            Action   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
            Resource = ["${module.primary.arn}/*"]
          },
          {
            Effect   = "Allow"
            Action   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
            Resource = ["${module.replica[0].arn}/*"]
          },
          {
            Effect   = "Allow"
            Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
            Resource = compact([var.kms_key_arn, var.dr_kms_key_arn])
          },
        ]
      })
    }

    resource "aws_s3_bucket_replication_configuration" "this" {
      count  = var.replicate ? 1 : 0
      role   = aws_iam_role.replication[0].arn
      bucket = module.primary.id

      rule {
        id     = "disaster-recovery"
        status = "Enabled"

        filter {}

        delete_marker_replication {
          status = "Enabled"
        }

        source_selection_criteria {
          sse_kms_encrypted_objects {
            status = "Enabled"
          }
        }

        destination {
          bucket        = module.replica[0].arn
          storage_class = var.replica_storage_class
          account       = data.aws_caller_identity.current.account_id

          encryption_configuration {
            replica_kms_key_id = var.dr_kms_key_arn
          }
        }
      }
    }
    """
)

MOD_REPLICATED_VARS = join_blocks(
    _var("name", "string", "Name of the primary bucket."),
    _var("dr_name", "string", "Name of the replica bucket; defaults to <name>-<dr region>.", None),
    _var("replicate", "bool", "Create a replica bucket in the DR region and replicate to it.", False),
    _var("kms_key_arn", "string", "KMS key for the primary bucket.", None),
    _var("dr_kms_key_arn", "string", "KMS key (in the DR region) for the replica bucket.", None),
    _var("replica_storage_class", "string", "Storage class of replicated objects.", "STANDARD_IA",
         validation=('contains(["STANDARD", "STANDARD_IA", "GLACIER_IR"], var.replica_storage_class)',
                     "Unsupported replica storage class.")),
    _var("lifecycle_rules", LIFECYCLE_RULES_TYPE, "Lifecycle rules for the primary bucket.", []),
    TAGS_VAR,
)

MOD_REPLICATED_OUTPUTS = join_blocks(
    _out("id", "module.primary.id", "Primary bucket name."),
    _out("arn", "module.primary.arn", "Primary bucket ARN."),
    _out("replica_arn", "try(module.replica[0].arn, null)", "Replica bucket ARN, if any."),
    _out("replica_region", "var.replicate ? data.aws_region.dr.name : null", "Region of the replica."),
)

MOD_KMS_MAIN = T(
    """
    data "aws_caller_identity" "current" {}

    data "aws_region" "current" {}

    locals {
      admin_principals = length(var.admin_arns) > 0 ? var.admin_arns : ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }

    resource "aws_kms_key" "this" {
      description             = "${var.alias} (${data.aws_region.current.name})"
      deletion_window_in_days = var.deletion_window_in_days
      enable_key_rotation     = true
      multi_region            = var.multi_region

      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Sid    = "KeyAdministration"
            Effect = "Allow"
            Principal = {
              AWS = local.admin_principals
            }
            Action   = "kms:*"
            Resource = "*"
          },
          {
            Sid    = "AllowServiceUse"
            Effect = "Allow"
            Principal = {
              Service = var.service_principals
            }
            Action   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
            Resource = "*"
            Condition = {
              StringEquals = {
                "aws:SourceAccount" = data.aws_caller_identity.current.account_id
              }
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_kms_alias" "this" {
      name          = "alias/${var.alias}"
      target_key_id = aws_kms_key.this.key_id
    }
    """
)

MOD_KMS_VARS = join_blocks(
    _var("alias", "string", "Alias (without the alias/ prefix)."),
    _var("multi_region", "bool", "Create a multi-Region primary key.", False),
    _var("deletion_window_in_days", "number", "Waiting period before deletion.", 30,
         validation=("var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30",
                     "Deletion window must be between 7 and 30 days.")),
    _var("admin_arns", "list(string)", "Principals allowed to administer the key.", []),
    _var("service_principals", "list(string)", "AWS services allowed to use the key.",
         ["s3.amazonaws.com", "logs.amazonaws.com", "secretsmanager.amazonaws.com"]),
    TAGS_VAR,
)

MOD_KMS_OUTPUTS = join_blocks(
    _out("arn", "aws_kms_key.this.arn", "Key ARN."),
    _out("key_id", "aws_kms_key.this.key_id", "Key id."),
    _out("alias_arn", "aws_kms_alias.this.arn", "Alias ARN."),
)

MOD_DATA_PLATFORM_MAIN = T(
    """
    locals {
      buckets = {
        for name, cfg in var.buckets : name => merge(cfg, {
          full_name = "${var.name_prefix}-${name}"
        })
      }
      replicated = [for name, cfg in var.buckets : name if cfg.replicate && var.enable_dr]
    }

    module "kms" {
      source = "../kms"

      alias        = "${var.name_prefix}-data"
      multi_region = var.enable_dr
      admin_arns   = var.kms_admin_arns
      tags         = var.tags
    }

    module "dr_kms" {
      source = "../kms"
      count  = var.enable_dr ? 1 : 0

      providers = {
        aws = aws.dr
      }

      alias      = "${var.name_prefix}-data-dr"
      admin_arns = var.kms_admin_arns
      tags       = var.tags
    }

    module "buckets" {
      source   = "../replicated-bucket"
      for_each = local.buckets

      providers = {
        aws    = aws
        aws.dr = aws.dr
      }

      name           = each.value.full_name
      replicate      = var.enable_dr && each.value.replicate
      kms_key_arn    = module.kms.arn
      dr_kms_key_arn = var.enable_dr ? module.dr_kms[0].arn : null

      lifecycle_rules = [
        {
          id              = "default"
          transition_days = each.value.transition_days
          storage_class   = each.value.storage_class
          expiration_days = each.value.expiration_days
        },
      ]

      tags = merge(var.tags, {
        Dataset = each.key
      })
    }
    """
)

BUCKETS_TYPE = T(
    """
    map(object({
      replicate       = optional(bool, false)
      transition_days = optional(number, 30)
      storage_class   = optional(string, "STANDARD_IA")
      expiration_days = optional(number)
    }))
    """
)

MOD_DATA_PLATFORM_VARS = join_blocks(
    _var("name_prefix", "string", "Prefix for every name created by the module."),
    _var("buckets", BUCKETS_TYPE, "Datasets to create, keyed by dataset name.", {}),
    _var("enable_dr", "bool", "Replicate data to the DR provider's region.", False),
    _var("kms_admin_arns", "list(string)", "Key administrators.", []),
    TAGS_VAR,
)

MOD_DATA_PLATFORM_OUTPUTS = join_blocks(
    _out("bucket_arns", "{ for name, b in module.buckets : name => b.arn }", "Primary bucket ARNs by dataset."),
    _out("replica_arns", "{ for name, b in module.buckets : name => b.replica_arn if b.replica_arn != null }",
         "Replica bucket ARNs by dataset."),
    _out("kms_key_arn", "module.kms.arn", "Primary data key."),
    _out("dr_kms_key_arn", "try(module.dr_kms[0].arn, null)", "DR data key."),
    _out("replicated_datasets", "local.replicated", "Datasets replicated to the DR region."),
)

MOD_LOGGING_MAIN = T(
    """
    resource "aws_cloudwatch_log_group" "this" {
      for_each = var.log_groups

      name              = each.value
      retention_in_days = var.retention_in_days
      kms_key_id        = var.kms_key_arn

      tags = var.tags
    }

    resource "aws_cloudwatch_log_metric_filter" "errors" {
      for_each = var.log_groups

      name           = "${replace(trimprefix(each.value, "/"), "/", "-")}-errors"
      log_group_name = aws_cloudwatch_log_group.this[each.key].name
      pattern        = "?ERROR ?Exception ?panic"

      metric_transformation {
        name      = "ErrorCount"
        namespace = "${var.name_prefix}/logs"
        value     = "1"
      }
    }

    module "archive" {
      source = "../bucket"
      count  = var.archive ? 1 : 0

      name        = "${var.name_prefix}-log-archive"
      kms_key_arn = var.kms_key_arn

      lifecycle_rules = [
        {
          id              = "archive"
          transition_days = 30
          storage_class   = "GLACIER_IR"
          expiration_days = var.archive_expiration_days
        },
      ]

      tags = var.tags
    }
    """
)

MOD_LOGGING_VARS = join_blocks(
    _var("name_prefix", "string", "Prefix for generated names."),
    _var("log_groups", "set(string)", "CloudWatch log group names.", []),
    _var("retention_in_days", "number", "Retention for every log group.", 30),
    _var("kms_key_arn", "string", "KMS key for log encryption.", None),
    _var("archive", "bool", "Create an S3 archive bucket for exported logs.", True),
    _var("archive_expiration_days", "number", "Days archived logs are kept.", 730),
    TAGS_VAR,
)

MOD_LOGGING_OUTPUTS = join_blocks(
    _out("log_group_arns", "{ for k, g in aws_cloudwatch_log_group.this : k => g.arn }", "Log group ARNs."),
    _out("archive_bucket_arn", "try(module.archive[0].arn, null)", "Archive bucket ARN."),
)

MOD_REGISTRY_MAIN = T(
    """
    data "aws_caller_identity" "current" {}

    data "aws_region" "dr" {
      provider = aws.dr
    }

    resource "aws_ecr_repository" "this" {
      name                 = var.name
      image_tag_mutability = var.image_tag_mutability
      force_delete         = false

      image_scanning_configuration {
        scan_on_push = var.scan_on_push
      }

      encryption_configuration {
        encryption_type = var.kms_key_arn == null ? "AES256" : "KMS"
        kms_key         = var.kms_key_arn
      }

      tags = var.tags
    }

    resource "aws_ecr_lifecycle_policy" "this" {
      repository = aws_ecr_repository.this.name

      policy = jsonencode({
        rules = [
          {
            rulePriority = 1
            description  = "Expire untagged images"
            selection = {
              tagStatus   = "untagged"
              countType   = "sinceImagePushed"
              countUnit   = "days"
              countNumber = 7
            }
            action = {
              type = "expire"
            }
          },
          {
            rulePriority = 2
            description  = "Keep the last ${var.keep_last} images"
            selection = {
              tagStatus   = "any"
              countType   = "imageCountMoreThan"
              countNumber = var.keep_last
            }
            action = {
              type = "expire"
            }
          },
        ]
      })
    }

    resource "aws_ecr_replication_configuration" "this" {
      count = var.replicate ? 1 : 0

      replication_configuration {
        rule {
          destination {
            region      = data.aws_region.dr.name
            registry_id = data.aws_caller_identity.current.account_id
          }

          repository_filter {
            filter      = var.name
            filter_type = "PREFIX_MATCH"
          }
        }
      }
    }
    """
)

MOD_REGISTRY_VARS = join_blocks(
    _var("name", "string", "Repository name."),
    _var("scan_on_push", "bool", "Scan images on push.", True),
    _var("image_tag_mutability", "string", "MUTABLE or IMMUTABLE.", "IMMUTABLE",
         validation=('contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)',
                     "image_tag_mutability must be MUTABLE or IMMUTABLE.")),
    _var("keep_last", "number", "Number of tagged images to keep.", 30),
    _var("replicate", "bool", "Replicate the repository to the DR region.", False),
    _var("kms_key_arn", "string", "KMS key for image encryption.", None),
    TAGS_VAR,
)

MOD_REGISTRY_OUTPUTS = join_blocks(
    _out("repository_url", "aws_ecr_repository.this.repository_url", "Repository URL."),
    _out("arn", "aws_ecr_repository.this.arn", "Repository ARN."),
    _out("replica_region", "var.replicate ? data.aws_region.dr.name : null", "Replica region, if any."),
)

MOD_SECRETS_MAIN = T(
    """
    resource "aws_secretsmanager_secret" "this" {
      for_each = var.secrets

      name                    = "${var.name_prefix}/${each.key}"
      description             = each.value.description
      kms_key_id              = var.kms_key_arn
      recovery_window_in_days = each.value.recovery_window_in_days

      dynamic "replica" {
        for_each = each.value.replicate ? toset(var.replica_regions) : toset([])
        content {
          region     = replica.value
          kms_key_id = lookup(var.replica_kms_key_arns, replica.value, null)
        }
      }

      tags = merge(var.tags, {
        Secret = each.key
      })
    }

    resource "aws_secretsmanager_secret_policy" "this" {
      for_each = var.secrets

      secret_arn = aws_secretsmanager_secret.this[each.key].arn
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Sid       = "DenyOutsideOrg"
            Effect    = "Deny"
            Principal = "*"
            Action    = "secretsmanager:GetSecretValue"
            Resource  = "*"
            Condition = {
              StringNotEquals = {
                "aws:PrincipalOrgID" = var.organization_id
              }
            }
          },
        ]
      })
    }
    """
)

SECRETS_TYPE = T(
    """
    map(object({
      description             = string
      recovery_window_in_days = optional(number, 30)
      replicate               = optional(bool, false)
    }))
    """
)

MOD_SECRETS_VARS = join_blocks(
    _var("name_prefix", "string", "Path prefix for secret names."),
    _var("secrets", SECRETS_TYPE, "Secrets to create.", {}),
    _var("replica_regions", "list(string)", "Regions to replicate flagged secrets to.", []),
    _var("replica_kms_key_arns", "map(string)", "KMS key per replica region.", {}),
    _var("kms_key_arn", "string", "KMS key for the primary secrets.", None),
    _var("organization_id", "string", "AWS Organizations id allowed to read secrets.", "o-exampleorg1"),
    TAGS_VAR,
)

MOD_SECRETS_OUTPUTS = join_blocks(
    _out("secret_arns", "{ for k, s in aws_secretsmanager_secret.this : k => s.arn }", "Secret ARNs."),
    _out("replicated", "[for k, s in var.secrets : k if s.replicate && length(var.replica_regions) > 0]",
         "Secrets that are replicated."),
)

MOD_CLUSTER_MAIN = T(
    """
    locals {
      cluster_policies = toset([
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController",
      ])
      node_policies = toset([
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      ])
    }

    resource "aws_iam_role" "cluster" {
      name = "${var.name}-cluster"

      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect = "Allow"
            Action = "sts:AssumeRole"
            Principal = {
              Service = "eks.amazonaws.com"
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_iam_role_policy_attachment" "cluster" {
      for_each = local.cluster_policies

      role       = aws_iam_role.cluster.name
      policy_arn = each.value
    }

    resource "aws_cloudwatch_log_group" "cluster" {
      name              = "/aws/eks/${var.name}/cluster"
      retention_in_days = var.log_retention_days
      kms_key_id        = var.kms_key_arn

      tags = var.tags
    }

    resource "aws_eks_cluster" "this" {
      name     = var.name
      role_arn = aws_iam_role.cluster.arn
      version  = var.kubernetes_version

      enabled_cluster_log_types = ["api", "audit", "authenticator"]

      vpc_config {
        subnet_ids              = var.subnet_ids
        endpoint_private_access = true
        endpoint_public_access  = var.public_endpoint
      }

      encryption_config {
        resources = ["secrets"]

        provider {
          key_arn = var.kms_key_arn
        }
      }

      tags = var.tags

      depends_on = [
        aws_iam_role_policy_attachment.cluster,
        aws_cloudwatch_log_group.cluster,
      ]
    }

    resource "aws_iam_role" "node" {
      name = "${var.name}-node"

      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect = "Allow"
            Action = "sts:AssumeRole"
            Principal = {
              Service = "ec2.amazonaws.com"
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_iam_role_policy_attachment" "node" {
      for_each = local.node_policies

      role       = aws_iam_role.node.name
      policy_arn = each.value
    }

    resource "aws_eks_node_group" "this" {
      for_each = var.node_groups

      cluster_name    = aws_eks_cluster.this.name
      node_group_name = each.key
      node_role_arn   = aws_iam_role.node.arn
      subnet_ids      = var.subnet_ids
      instance_types  = each.value.instance_types
      capacity_type   = each.value.spot ? "SPOT" : "ON_DEMAND"

      scaling_config {
        min_size     = each.value.min_size
        max_size     = each.value.max_size
        desired_size = each.value.desired_size
      }

      update_config {
        max_unavailable = 1
      }

      labels = {
        "node-group" = each.key
      }

      tags = var.tags

      lifecycle {
        ignore_changes = [scaling_config[0].desired_size]
      }

      depends_on = [aws_iam_role_policy_attachment.node]
    }
    """
)

NODE_GROUPS_TYPE = T(
    """
    map(object({
      instance_types = list(string)
      min_size       = number
      max_size       = number
      desired_size   = number
      spot           = optional(bool, false)
    }))
    """
)

MOD_CLUSTER_VARS = join_blocks(
    _var("name", "string", "Cluster name."),
    _var("kubernetes_version", "string", "EKS control plane version.", "1.29"),
    _var("subnet_ids", "list(string)", "Private subnets for the control plane and nodes."),
    _var("public_endpoint", "bool", "Expose the API endpoint publicly.", False),
    _var("node_groups", NODE_GROUPS_TYPE, "Managed node groups.", {}),
    _var("kms_key_arn", "string", "KMS key for secrets encryption and logs."),
    _var("log_retention_days", "number", "Control-plane log retention.", 90),
    TAGS_VAR,
)

MOD_CLUSTER_OUTPUTS = join_blocks(
    _out("name", "aws_eks_cluster.this.name", "Cluster name."),
    _out("endpoint", "aws_eks_cluster.this.endpoint", "API server endpoint."),
    _out("oidc_issuer", "aws_eks_cluster.this.identity[0].oidc[0].issuer", "OIDC issuer URL."),
    _out("node_role_arn", "aws_iam_role.node.arn", "Node IAM role."),
)

GOOGLE_VERSIONS = T(
    """
    terraform {
      required_version = ">= 1.5.0"

      required_providers {
        google = {
          source  = "hashicorp/google"
          version = ">= 5.20"
        }
      }
    }
    """
)
GOOGLE_VERSIONS_DR = T(
    """
    terraform {
      required_version = ">= 1.5.0"

      required_providers {
        google = {
          source                = "hashicorp/google"
          version               = ">= 5.20"
          configuration_aliases = [google.dr]
        }
      }
    }
    """
)

MOD_GCS_MAIN = T(
    """
    resource "google_storage_bucket" "this" {
      name                        = var.name
      project                     = var.project_id
      location                    = var.location
      storage_class               = var.storage_class
      uniform_bucket_level_access = true
      public_access_prevention    = "enforced"
      force_destroy               = false

      versioning {
        enabled = var.versioning
      }

      dynamic "encryption" {
        for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
        content {
          default_kms_key_name = encryption.value
        }
      }

      dynamic "lifecycle_rule" {
        for_each = var.lifecycle_rules
        content {
          action {
            type          = lifecycle_rule.value.action
            storage_class = lifecycle_rule.value.storage_class
          }
          condition {
            age = lifecycle_rule.value.age
          }
        }
      }

      labels = var.labels
    }

    resource "google_storage_bucket_iam_member" "readers" {
      for_each = toset(var.readers)

      bucket = google_storage_bucket.this.name
      role   = "roles/storage.objectViewer"
      member = each.value
    }
    """
)

MOD_GCS_VARS = join_blocks(
    _var("name", "string", "Bucket name."),
    _var("project_id", "string", "Project that owns the bucket."),
    _var("location", "string", "Region or multi-region of the bucket."),
    _var("storage_class", "string", "Default storage class.", "STANDARD"),
    _var("versioning", "bool", "Enable object versioning.", True),
    _var("kms_key_name", "string", "CMEK key name; null uses Google-managed keys.", None),
    _var("lifecycle_rules", T(
        """
        list(object({
          action        = string
          storage_class = optional(string)
          age           = number
        }))
        """), "Lifecycle rules.", []),
    _var("readers", "list(string)", "IAM members granted objectViewer.", []),
    _var("labels", "map(string)", "Labels applied to the bucket.", {}),
)

MOD_GCS_OUTPUTS = join_blocks(
    _out("name", "google_storage_bucket.this.name", "Bucket name."),
    _out("url", "google_storage_bucket.this.url", "gs:// URL."),
    _out("location", "google_storage_bucket.this.location", "Bucket location."),
)

MOD_GAR_MAIN = T(
    """
    resource "google_artifact_registry_repository" "this" {
      project       = var.project_id
      location      = var.location
      repository_id = var.repository_id
      description   = "Container images for ${var.repository_id}"
      format        = var.format
      kms_key_name  = var.kms_key_name

      cleanup_policy_dry_run = false

      cleanup_policies {
        id     = "delete-untagged"
        action = "DELETE"

        condition {
          tag_state  = "UNTAGGED"
          older_than = "604800s"
        }
      }

      cleanup_policies {
        id     = "keep-recent"
        action = "KEEP"

        most_recent_versions {
          keep_count = var.keep_count
        }
      }

      labels = var.labels
    }

    resource "google_artifact_registry_repository_iam_member" "readers" {
      for_each = toset(var.readers)

      project    = var.project_id
      location   = google_artifact_registry_repository.this.location
      repository = google_artifact_registry_repository.this.name
      role       = "roles/artifactregistry.reader"
      member     = each.value
    }
    """
)

MOD_GAR_VARS = join_blocks(
    _var("project_id", "string", "Project that owns the repository."),
    _var("location", "string", "Region of the repository."),
    _var("repository_id", "string", "Repository id."),
    _var("format", "string", "Artifact format.", "DOCKER"),
    _var("kms_key_name", "string", "CMEK key name.", None),
    _var("keep_count", "number", "Versions kept by the cleanup policy.", 20),
    _var("readers", "list(string)", "IAM members granted reader.", []),
    _var("labels", "map(string)", "Labels.", {}),
)

MOD_GAR_OUTPUTS = join_blocks(
    _out("id", "google_artifact_registry_repository.this.id", "Repository id."),
    _out("location", "google_artifact_registry_repository.this.location", "Repository region."),
)

MOD_GCP_LAKE_MAIN = T(
    """
    locals {
      zones = {
        for zone in var.zones : zone => {
          name     = "${var.name_prefix}-${zone}"
          location = var.location
        }
      }
    }

    module "zone" {
      source   = "../gcs-bucket"
      for_each = local.zones

      name         = each.value.name
      project_id   = var.project_id
      location     = each.value.location
      kms_key_name = var.kms_key_name
      readers      = var.readers

      lifecycle_rules = [
        {
          action        = "SetStorageClass"
          storage_class = "NEARLINE"
          age           = 30
        },
      ]

      labels = merge(var.labels, {
        zone = each.key
      })
    }

    module "dr_copy" {
      source   = "../gcs-bucket"
      for_each = var.enable_dr ? local.zones : {}

      providers = {
        google = google.dr
      }

      name          = "${each.value.name}-dr"
      project_id    = var.project_id
      location      = var.dr_location
      storage_class = "COLDLINE"

      labels = merge(var.labels, {
        zone    = each.key
        replica = "true"
      })
    }
    """
)

MOD_GCP_LAKE_VARS = join_blocks(
    _var("name_prefix", "string", "Prefix for bucket names."),
    _var("project_id", "string", "Project id."),
    _var("location", "string", "Primary region."),
    _var("dr_location", "string", "DR region.", None),
    _var("enable_dr", "bool", "Create DR copies in the DR provider.", False),
    _var("zones", "list(string)", "Lake zones.", ["raw", "curated", "published"]),
    _var("kms_key_name", "string", "CMEK key.", None),
    _var("readers", "list(string)", "Readers.", []),
    _var("labels", "map(string)", "Labels.", {}),
)

MOD_GCP_LAKE_OUTPUTS = join_blocks(
    _out("buckets", "{ for z, m in module.zone : z => m.name }", "Bucket names by zone."),
    _out("dr_buckets", "{ for z, m in module.dr_copy : z => m.name }", "DR bucket names by zone."),
)

AZURE_VERSIONS = T(
    """
    terraform {
      required_version = ">= 1.5.0"

      required_providers {
        azurerm = {
          source  = "hashicorp/azurerm"
          version = ">= 3.100"
        }
      }
    }
    """
)

MOD_AZ_STORAGE_MAIN = T(
    """
    resource "azurerm_storage_account" "this" {
      name                            = var.name
      resource_group_name             = var.resource_group_name
      location                        = var.location
      account_tier                    = "Standard"
      account_kind                    = "StorageV2"
      account_replication_type        = var.replication_type
      min_tls_version                 = "TLS1_2"
      allow_nested_items_to_be_public = false
      shared_access_key_enabled       = false

      blob_properties {
        versioning_enabled = true

        delete_retention_policy {
          days = var.soft_delete_days
        }

        container_delete_retention_policy {
          days = var.soft_delete_days
        }
      }

      network_rules {
        default_action = "Deny"
        bypass         = ["AzureServices"]
        ip_rules       = var.allowed_ips
      }

      tags = var.tags
    }

    resource "azurerm_storage_container" "this" {
      for_each = toset(var.containers)

      name                  = each.value
      storage_account_name  = azurerm_storage_account.this.name
      container_access_type = "private"
    }
    """
)

MOD_AZ_STORAGE_VARS = join_blocks(
    _var("name", "string", "Storage account name.",
         validation=("can(regex(\"^[a-z0-9]{3,24}$\", var.name))",
                     "Storage account names are 3-24 lowercase letters and digits.")),
    _var("resource_group_name", "string", "Resource group."),
    _var("location", "string", "Azure region."),
    _var("replication_type", "string", "LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS.", "ZRS"),
    _var("soft_delete_days", "number", "Soft-delete retention.", 14),
    _var("containers", "list(string)", "Blob containers.", []),
    _var("allowed_ips", "list(string)", "Public IPs allowed through the firewall.", []),
    _var("tags", "map(string)", "Tags.", {}),
)

MOD_AZ_STORAGE_OUTPUTS = join_blocks(
    _out("id", "azurerm_storage_account.this.id", "Storage account id."),
    _out("primary_blob_endpoint", "azurerm_storage_account.this.primary_blob_endpoint", "Blob endpoint."),
    _out("secondary_location", "azurerm_storage_account.this.secondary_location", "Geo-replica location."),
)

MODULES: dict[str, dict[str, str]] = {
    "bucket": {"main.tf": MOD_BUCKET_MAIN, "variables.tf": MOD_BUCKET_VARS,
               "outputs.tf": MOD_BUCKET_OUTPUTS, "versions.tf": AWS_VERSIONS},
    "replicated-bucket": {"main.tf": MOD_REPLICATED_MAIN, "variables.tf": MOD_REPLICATED_VARS,
                          "outputs.tf": MOD_REPLICATED_OUTPUTS, "versions.tf": AWS_VERSIONS_DR},
    "kms": {"main.tf": MOD_KMS_MAIN, "variables.tf": MOD_KMS_VARS,
            "outputs.tf": MOD_KMS_OUTPUTS, "versions.tf": AWS_VERSIONS},
    "data-platform": {"main.tf": MOD_DATA_PLATFORM_MAIN, "variables.tf": MOD_DATA_PLATFORM_VARS,
                      "outputs.tf": MOD_DATA_PLATFORM_OUTPUTS, "versions.tf": AWS_VERSIONS_DR},
    "logging": {"main.tf": MOD_LOGGING_MAIN, "variables.tf": MOD_LOGGING_VARS,
                "outputs.tf": MOD_LOGGING_OUTPUTS, "versions.tf": AWS_VERSIONS},
    "registry": {"main.tf": MOD_REGISTRY_MAIN, "variables.tf": MOD_REGISTRY_VARS,
                 "outputs.tf": MOD_REGISTRY_OUTPUTS, "versions.tf": AWS_VERSIONS_DR},
    "secrets": {"main.tf": MOD_SECRETS_MAIN, "variables.tf": MOD_SECRETS_VARS,
                "outputs.tf": MOD_SECRETS_OUTPUTS, "versions.tf": AWS_VERSIONS},
    "cluster": {"main.tf": MOD_CLUSTER_MAIN, "variables.tf": MOD_CLUSTER_VARS,
                "outputs.tf": MOD_CLUSTER_OUTPUTS, "versions.tf": AWS_VERSIONS},
    "gcs-bucket": {"main.tf": MOD_GCS_MAIN, "variables.tf": MOD_GCS_VARS,
                   "outputs.tf": MOD_GCS_OUTPUTS, "versions.tf": GOOGLE_VERSIONS},
    "artifact-registry": {"main.tf": MOD_GAR_MAIN, "variables.tf": MOD_GAR_VARS,
                          "outputs.tf": MOD_GAR_OUTPUTS, "versions.tf": GOOGLE_VERSIONS},
    "gcp-data-lake": {"main.tf": MOD_GCP_LAKE_MAIN, "variables.tf": MOD_GCP_LAKE_VARS,
                      "outputs.tf": MOD_GCP_LAKE_OUTPUTS, "versions.tf": GOOGLE_VERSIONS_DR},
    "azure-storage": {"main.tf": MOD_AZ_STORAGE_MAIN, "variables.tf": MOD_AZ_STORAGE_VARS,
                      "outputs.tf": MOD_AZ_STORAGE_OUTPUTS, "versions.tf": AZURE_VERSIONS},
}
MODULE_FILE_COUNT = sum(len(files) for files in MODULES.values())

# =============================================================================
# Root generation
# =============================================================================

CORE_FILES = ("versions.tf", "providers.tf", "variables.tf", "locals.tf", "main.tf", "outputs.tf")


@dataclass
class Root:
    team: str
    env: str
    cloud: str
    rng: random.Random
    modules_rel: str  # relative path from the root dir to modules/
    primary: str = ""
    dr: str = ""
    account_id: str = ""
    dr_account_id: str = ""
    enable_dr: bool = False
    names: dict[str, object] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{self.team}-{self.env}"

    @property
    def is_prod(self) -> bool:
        return self.env.startswith("prod")


def _account(rng: random.Random) -> str:
    return str(rng.randrange(10**11, 10**12))


def _sample(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return sorted(rng.sample(pool, min(k, len(pool))))


def _service_names(rng: random.Random, kinds: list[str], count: int) -> list[tuple[str, str]]:
    """``count`` unique (kind, name) pairs for the per-service files of a root."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    pool = DATASETS + SERVICES
    while len(out) < count:
        kind = kinds[len(out) % len(kinds)] if len(out) < len(kinds) else rng.choice(kinds)
        name = rng.choice(pool)
        fname = f"{kind}-{name}.tf"
        if fname in seen:
            # deterministic disambiguation once the pool for a kind runs dry
            name = f"{name}{sum(1 for s in seen if s.startswith(f'{kind}-{name}'))+1}"
            fname = f"{kind}-{name}.tf"
            if fname in seen:
                continue
        seen.add(fname)
        out.append((kind, name))
    return out


# Suffixes for the companion components of a service file; chosen so that no
# generated identifier can collide with a generator's own fixed suffixes.
AUX_ROLES = ["intake", "outbox", "state", "jobs", "sink", "stage", "hotpath", "batch"]


def service_file(r: Root, generators: dict, kind: str, name: str) -> str:
    """One per-service file: the main component of ``kind`` plus one or two
    companion components of other kinds (a queue next to its table, the IAM role
    next to its bucket, ...), as real stacks group things by service."""
    parts = [generators[kind](r, name)]
    others = [k for k in generators if k != kind]
    used: set = r.names.setdefault("aux", set())  # the same name can head files of two kinds
    roles = [role for role in AUX_ROLES if f"{name}-{role}" not in used]
    for role in r.rng.sample(roles, min(len(roles), 1 + (r.rng.random() < 0.5))):
        used.add(f"{name}-{role}")
        aux = r.rng.choice(others)
        parts.append(f"# {name} {role}: {aux} component\n" + generators[aux](r, f"{name}-{role}"))
    return join_blocks(*parts)


def _ident(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


# ----------------------------------------------------------------------------- AWS


def aws_root_files(r: Root, n_service: int) -> dict[str, str]:
    rng = r.rng
    r.primary, r.dr = rng.choice(AWS_REGION_PAIRS)
    r.account_id = _account(rng)
    # Most stacks keep DR in the same account; some use a dedicated DR account.
    r.dr_account_id = r.account_id if rng.random() < 0.8 else _account(rng)
    r.enable_dr = r.is_prod or rng.random() < 0.3
    team, env, m = r.team, r.env, r.modules_rel
    datasets = _sample(rng, DATASETS, rng.randint(3, 7))
    repos = _sample(rng, SERVICES, rng.randint(2, 5))
    secrets = _sample(rng, ["db-password", "api-key", "stripe-token", "jwt-signing-key",
                            "smtp-credentials", "oauth-client", "webhook-secret", "sentry-dsn"],
                      rng.randint(2, 5))
    services = _sample(rng, SERVICES, rng.randint(3, 6))
    cluster_enabled = rng.random() < 0.6

    files: dict[str, str] = {}
    files["versions.tf"] = T(
        """
        terraform {
          required_version = ">= 1.6.0"

          required_providers {
            aws = {
              source  = "hashicorp/aws"
              version = "~> 5.40"
            }
          }

          backend "s3" {
            bucket         = "acme-terraform-state-__ACCOUNT__"
            key            = "__TEAM__/__ENV__/terraform.tfstate"
            region         = "__STATE_REGION__"
            dynamodb_table = "terraform-locks"
            encrypt        = true
          }
        }
        """,
        account=r.account_id, team=team, env=env, state_region=r.primary,
    ) + "\n"

    dr_account_expr = "var.account_id" if r.dr_account_id == r.account_id else "var.dr_account_id"
    files["providers.tf"] = T(
        """
        provider "aws" {
          region              = var.region
          allowed_account_ids = [var.account_id]

          assume_role {
            role_arn     = "arn:aws:iam::${var.account_id}:role/${local.deploy_role}"
            session_name = "terraform-${var.team}-${var.environment}"
            external_id  = var.assume_role_external_id
          }

          default_tags {
            tags = local.common_tags
          }
        }

        # Disaster-recovery region. Used only by resources and modules that opt in.
        provider "aws" {
          alias               = "dr"
          region              = var.dr_region
          allowed_account_ids = [__DR_ACCOUNT__]

          assume_role {
            role_arn     = "arn:aws:iam::${__DR_ACCOUNT__}:role/${local.deploy_role}"
            session_name = "terraform-${var.team}-${var.environment}-dr"
            external_id  = var.assume_role_external_id
          }

          default_tags {
            tags = merge(local.common_tags, {
              DisasterRecovery = "true"
            })
          }
        }
        """,
        dr_account=dr_account_expr,
    ) + "\n"

    var_blocks = [
        _var("region", "string", "Primary AWS region of this stack.", r.primary,
             validation=('can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))',
                         "The region must look like eu-west-1.")),
        _var("dr_region", "string", "AWS region used for disaster recovery copies.", r.dr),
        _var("account_id", "string", "AWS account this stack deploys into.",
             validation=('can(regex("^[0-9]{12}$", var.account_id))',
                         "account_id must be a 12-digit AWS account id.")),
    ]
    if r.dr_account_id != r.account_id:
        var_blocks.append(_var("dr_account_id", "string", "AWS account that holds the DR copies."))
    var_blocks += [
        _var("assume_role_external_id", "string", "External id for the deploy role.", None, sensitive=True),
        _var("team", "string", "Owning team.", team),
        _var("environment", "string", "Deployment environment.", env,
             validation=('contains(["dev", "staging", "prod", "sandbox", "perf", "prod-eu2", "qa", "uat", "preprod"], var.environment)',
                         "Unknown environment.")),
        _var("cost_center", "string", "Cost center for billing tags.", "CC-0000"),
        _var("enable_dr", "bool", "Replicate data to the DR region.", False),
        _var("tags", "map(string)", "Extra tags merged into the default tags.", {}),
        _var("buckets", BUCKETS_TYPE, "Datasets stored by this stack, keyed by name.", {}),
        _var("repositories", T(
            """
            map(object({
              scan_on_push         = optional(bool, true)
              image_tag_mutability = optional(string, "IMMUTABLE")
              keep_last            = optional(number, 30)
              replicate            = optional(bool, false)
            }))
            """), "ECR repositories, keyed by service.", {}),
        _var("secrets", SECRETS_TYPE, "Secrets Manager secrets, keyed by name.", {}),
        _var("services", "list(string)", "Services that log to CloudWatch.", []),
        _var("log_retention_days", "number", "Default log retention.", 30),
        _var("cluster", T(
            """
            object({
              enabled     = bool
              version     = optional(string, "1.29")
              public      = optional(bool, false)
              node_groups = optional(map(object({
                instance_types = list(string)
                min_size       = number
                max_size       = number
                desired_size   = optional(number)
                spot           = optional(bool, false)
              })), {})
            })
            """), "EKS cluster settings.", {"enabled": False}),
        _var("vpc_id", "string", "VPC the stack runs in."),
        _var("subnet_ids", "list(string)", "Private subnets.", [],
             validation=("length(var.subnet_ids) == 0 || length(var.subnet_ids) >= 2",
                         "Provide at least two subnets.")),
        _var("kms_admin_arns", "list(string)", "KMS key administrators.", []),
    ]
    files["variables.tf"] = join_blocks(*var_blocks)

    # tfvars
    tfv: dict[str, object] = {
        "region": r.primary,
        "dr_region": r.dr,
        "account_id": r.account_id,
    }
    if r.dr_account_id != r.account_id:
        tfv["dr_account_id"] = r.dr_account_id
    tfv.update({
        "team": team,
        "environment": env,
        "cost_center": rng.choice(COST_CENTERS),
        "enable_dr": r.enable_dr,
        "vpc_id": f"vpc-{rng.getrandbits(64):016x}"[:21],
        "subnet_ids": [f"subnet-{rng.getrandbits(64):016x}"[:24] for _ in range(3)],
        "log_retention_days": rng.choice([14, 30, 90, 365]),
        "services": services,
        "kms_admin_arns": [f"arn:aws:iam::{r.account_id}:role/platform-admin"],
    })
    buckets: dict[str, object] = {}
    for ds in datasets:
        cfg: dict[str, object] = {}
        if rng.random() < 0.5:
            cfg["replicate"] = True
        if rng.random() < 0.4:
            cfg["expiration_days"] = rng.choice([90, 365, 730, 2555])
        if rng.random() < 0.3:
            cfg["storage_class"] = rng.choice(["GLACIER_IR", "INTELLIGENT_TIERING"])
            cfg["transition_days"] = rng.choice([30, 60, 90])
        buckets[ds] = cfg
    tfv["buckets"] = buckets
    tfv["repositories"] = {
        s: ({"replicate": True} if rng.random() < 0.4 else {}) | ({"keep_last": 50} if rng.random() < 0.3 else {})
        for s in repos
    }
    tfv["secrets"] = {
        s: {"description": f"{s.replace('-', ' ').capitalize()} for {team}", "replicate": rng.random() < 0.5}
        for s in secrets
    }
    if cluster_enabled:
        ngs = {}
        for ng in _sample(rng, ["general", "memory", "batch", "system", "gpu"], rng.randint(1, 3)):
            lo = rng.randint(1, 3)
            ngs[ng] = {
                "instance_types": rng.choice([["m6i.large", "m6a.large"], ["r6i.xlarge"], ["c6i.2xlarge"],
                                              ["g5.xlarge"], ["t3.large"]]),
                "min_size": lo,
                "max_size": lo + rng.randint(2, 10),
            } | ({"spot": True} if rng.random() < 0.3 else {})
        tfv["cluster"] = {"enabled": True, "version": rng.choice(["1.28", "1.29", "1.30"]), "node_groups": ngs}
    else:
        tfv["cluster"] = {"enabled": False}
    tfv["tags"] = {"Owner": f"{team}@example.com", "DataClassification": rng.choice(["internal", "confidential", "restricted"])}
    files["terraform.tfvars"] = _tfvars(tfv)

    files["locals.tf"] = T(
        """
        locals {
          name_prefix = "${var.team}-${var.environment}"
          is_prod     = var.environment == "prod"
          deploy_role = local.is_prod ? "terraform-deploy" : "terraform-deploy-nonprod"

          retention_by_env = {
            dev     = 7
            staging = 30
            prod    = 365
          }
          log_retention_days = lookup(local.retention_by_env, var.environment, var.log_retention_days)

          common_tags = merge(var.tags, {
            Team        = var.team
            Environment = var.environment
            CostCenter  = var.cost_center
            ManagedBy   = "terraform"
            Stack       = "__TEAM__/__ENV__"
          })

          bucket_names       = { for name, cfg in var.buckets : name => "${local.name_prefix}-${name}-${var.account_id}" }
          replicated_buckets = { for name, cfg in var.buckets : name => cfg if cfg.replicate && var.enable_dr }
          repository_names   = [for name in keys(var.repositories) : "${var.team}/${name}"]
          log_groups         = toset([for svc in var.services : "/${var.team}/${var.environment}/${svc}"])

          secret_replica_regions = var.enable_dr ? [var.dr_region] : []
          dr_summary             = "%{if var.enable_dr}replicating ${length(local.replicated_buckets)} datasets to ${var.dr_region}%{else}no DR%{endif}"

          node_groups = {
            for name, ng in var.cluster.node_groups : name => merge(ng, {
              desired_size = coalesce(ng.desired_size, ng.min_size)
            })
          }
        }
        """,
        team=team, env=env,
    ) + "\n"

    files["main.tf"] = T(
        """
        data "aws_caller_identity" "current" {}

        module "data_platform" {
          source = "__M__/data-platform"

          providers = {
            aws    = aws
            aws.dr = aws.dr
          }

          name_prefix    = local.name_prefix
          buckets        = var.buckets
          enable_dr      = var.enable_dr
          kms_admin_arns = var.kms_admin_arns
          tags           = local.common_tags
        }

        module "logging" {
          source = "__M__/logging"

          name_prefix       = local.name_prefix
          log_groups        = local.log_groups
          retention_in_days = local.log_retention_days
          kms_key_arn       = module.data_platform.kms_key_arn
          archive           = local.is_prod
          tags              = local.common_tags
        }

        module "registry" {
          source   = "__M__/registry"
          for_each = var.repositories

          providers = {
            aws    = aws
            aws.dr = aws.dr
          }

          name                 = "${var.team}/${each.key}"
          scan_on_push         = each.value.scan_on_push
          image_tag_mutability = each.value.image_tag_mutability
          keep_last            = each.value.keep_last
          replicate            = var.enable_dr && each.value.replicate
          kms_key_arn          = module.data_platform.kms_key_arn
          tags                 = local.common_tags
        }

        module "secrets" {
          source = "__M__/secrets"

          name_prefix     = "${var.team}/${var.environment}"
          secrets         = var.secrets
          replica_regions = local.secret_replica_regions
          kms_key_arn     = module.data_platform.kms_key_arn
          tags            = local.common_tags

          replica_kms_key_arns = var.enable_dr ? {
            (var.dr_region) = module.data_platform.dr_kms_key_arn
          } : {}
        }

        module "cluster" {
          source = "__M__/cluster"
          count  = var.cluster.enabled ? 1 : 0

          name               = "${local.name_prefix}-eks"
          kubernetes_version = var.cluster.version
          public_endpoint    = var.cluster.public
          subnet_ids         = var.subnet_ids
          node_groups        = local.node_groups
          kms_key_arn        = module.data_platform.kms_key_arn
          log_retention_days = local.log_retention_days
          tags               = local.common_tags
        }

        resource "aws_iam_role" "ci_deploy" {
          name = "${local.name_prefix}-ci-deploy"

          assume_role_policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect = "Allow"
                Action = "sts:AssumeRoleWithWebIdentity"
                Principal = {
                  Federated = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
                }
                Condition = {
                  StringLike = {
                    "token.actions.githubusercontent.com:sub" = "repo:acme/${var.team}-*:ref:refs/heads/main"
                  }
                }
              },
            ]
          })
        }

        resource "aws_iam_role_policy" "ci_deploy_ecr" {
          name = "ecr-push"
          role = aws_iam_role.ci_deploy.id

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect   = "Allow"
                Action   = ["ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]
                Resource = [for repo in module.registry : repo.arn]
              },
              {
                Effect   = "Allow"
                Action   = "ecr:GetAuthorizationToken"
                Resource = "*"
              },
            ]
          })
        }
        """,
        m=m,
    ) + "\n"

    files["outputs.tf"] = join_blocks(
        _out("bucket_arns", "module.data_platform.bucket_arns", "Primary bucket ARNs by dataset."),
        _out("replica_bucket_arns", "module.data_platform.replica_arns", "DR replica ARNs by dataset."),
        _out("repository_urls", "{ for name, repo in module.registry : name => repo.repository_url }",
             "ECR repository URLs by service."),
        _out("secret_arns", "module.secrets.secret_arns", "Secret ARNs.", sensitive=True),
        _out("cluster_endpoint", "try(module.cluster[0].endpoint, null)", "EKS API endpoint, if a cluster exists."),
        _out("log_group_arns", "module.logging.log_group_arns", "Service log groups."),
        _out("dr_summary", "local.dr_summary", "Human-readable DR status."),
        _out("ci_deploy_role_arn", "aws_iam_role.ci_deploy.arn", "Role assumed by CI."),
    )

    for kind, name in _service_names(rng, AWS_SERVICE_KINDS, n_service):
        files[f"{kind}-{name}.tf"] = service_file(r, AWS_SERVICE_GENERATORS, kind, name)
    return files


def _tfvars(values: dict[str, object]) -> str:
    return attrs(values) + "\n"


def aws_s3_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    replicate = r.enable_dr and rng.random() < 0.6
    parts = [T(
        """
        # Direct (non-module) bucket for the __NAME__ dataset.
        resource "aws_s3_bucket" "__ID__" {
          bucket = "${local.name_prefix}-__NAME__-${var.account_id}"

          tags = merge(local.common_tags, {
            Dataset = "__NAME__"
            Tier    = "__TIER__"
          })
        }

        resource "aws_s3_bucket_versioning" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          versioning_configuration {
            status = "Enabled"
          }
        }

        resource "aws_s3_bucket_server_side_encryption_configuration" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          rule {
            bucket_key_enabled = true

            apply_server_side_encryption_by_default {
              sse_algorithm     = "aws:kms"
              kms_master_key_id = module.data_platform.kms_key_arn
            }
          }
        }

        resource "aws_s3_bucket_public_access_block" "__ID__" {
          bucket                  = aws_s3_bucket.__ID__.id
          block_public_acls       = true
          block_public_policy     = true
          ignore_public_acls      = true
          restrict_public_buckets = true
        }

        resource "aws_s3_bucket_lifecycle_configuration" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          rule {
            id     = "tiering"
            status = "Enabled"

            filter {
              prefix = "__PREFIX__/"
            }

            transition {
              days          = __T_DAYS__
              storage_class = "__CLASS__"
            }

            noncurrent_version_expiration {
              noncurrent_days = __NC_DAYS__
            }
          }

          rule {
            id     = "abort-multipart"
            status = "Enabled"

            filter {}

            abort_incomplete_multipart_upload {
              days_after_initiation = 7
            }
          }
        }

        resource "aws_s3_bucket_policy" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid       = "DenyInsecureTransport"
                Effect    = "Deny"
                Principal = "*"
                Action    = "s3:*"
                Resource  = [aws_s3_bucket.__ID__.arn, "${aws_s3_bucket.__ID__.arn}/*"]
                Condition = {
                  Bool = {
                    "aws:SecureTransport" = "false"
                  }
                }
              },
              {
                Sid       = "DenyOutsideAccount"
                Effect    = "Deny"
                Principal = "*"
                Action    = ["s3:GetObject", "s3:PutObject"]
                Resource  = "${aws_s3_bucket.__ID__.arn}/*"
                Condition = {
                  StringNotEquals = {
                    "aws:PrincipalAccount" = var.account_id
                  }
                }
              },
            ]
          })
        }
        """,
        name=name, id=ident, tier=rng.choice(["hot", "warm", "cold"]),
        prefix=rng.choice(["data", "incoming", "exports", "year=2024"]),
        t_days=rng.choice([30, 60, 90]), nc_days=rng.choice([30, 90, 180]),
        **{"class": rng.choice(["STANDARD_IA", "GLACIER_IR", "INTELLIGENT_TIERING"])},
    )]
    if replicate:
        parts.append(T(
            """
            resource "aws_s3_bucket" "__ID___replica" {
              provider = aws.dr
              bucket   = "${local.name_prefix}-__NAME__-${var.dr_region}"

              tags = merge(local.common_tags, {
                Dataset   = "__NAME__"
                ReplicaOf = aws_s3_bucket.__ID__.bucket
              })
            }

            resource "aws_s3_bucket_versioning" "__ID___replica" {
              provider = aws.dr
              bucket   = aws_s3_bucket.__ID___replica.id

              versioning_configuration {
                status = "Enabled"
              }
            }

            resource "aws_iam_role" "__ID___replication" {
              name = "${local.name_prefix}-__NAME__-replication"

              assume_role_policy = jsonencode({
                Version = "2012-10-17"
                Statement = [
                  {
                    Effect    = "Allow"
                    Action    = "sts:AssumeRole"
                    Principal = { Service = "s3.amazonaws.com" }
                  },
                ]
              })
            }

            resource "aws_s3_bucket_replication_configuration" "__ID__" {
              role   = aws_iam_role.__ID___replication.arn
              bucket = aws_s3_bucket.__ID__.id

              rule {
                id     = "to-dr"
                status = "Enabled"

                filter {
                  prefix = ""
                }

                delete_marker_replication {
                  status = "Disabled"
                }

                destination {
                  bucket        = aws_s3_bucket.__ID___replica.arn
                  storage_class = "STANDARD_IA"
                }
              }

              depends_on = [aws_s3_bucket_versioning.__ID__]
            }
            """,
            name=name, id=ident,
        ))
    return join_blocks(*parts)


def aws_queues_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    queues = _sample(rng, ["created", "updated", "deleted", "retry", "priority", "bulk", "audit"], rng.randint(2, 4))
    return join_blocks(T(
        """
        locals {
          __ID___queues = toset(__QUEUES__)
        }

        resource "aws_kms_key" "__ID___messaging" {
          description             = "${local.name_prefix} __NAME__ messaging"
          deletion_window_in_days = 14
          enable_key_rotation     = true
        }

        resource "aws_sns_topic" "__ID__" {
          name              = "${local.name_prefix}-__NAME__"
          kms_master_key_id = aws_kms_key.__ID___messaging.arn

          tags = local.common_tags
        }

        resource "aws_sqs_queue" "__ID___dlq" {
          for_each = local.__ID___queues

          name                      = "${local.name_prefix}-__NAME__-${each.key}-dlq"
          message_retention_seconds = 1209600
          kms_master_key_id         = aws_kms_key.__ID___messaging.arn

          tags = local.common_tags
        }

        resource "aws_sqs_queue" "__ID__" {
          for_each = local.__ID___queues

          name                       = "${local.name_prefix}-__NAME__-${each.key}"
          visibility_timeout_seconds = __VIS__
          message_retention_seconds  = 345600
          kms_master_key_id          = aws_kms_key.__ID___messaging.arn

          redrive_policy = jsonencode({
            deadLetterTargetArn = aws_sqs_queue.__ID___dlq[each.key].arn
            maxReceiveCount     = __MAX_RECEIVE__
          })

          tags = merge(local.common_tags, {
            Queue = each.key
          })
        }

        resource "aws_sns_topic_subscription" "__ID__" {
          for_each = local.__ID___queues

          topic_arn            = aws_sns_topic.__ID__.arn
          protocol             = "sqs"
          endpoint             = aws_sqs_queue.__ID__[each.key].arn
          raw_message_delivery = true

          filter_policy = jsonencode({
            event_type = [each.key]
          })
        }

        resource "aws_sqs_queue_policy" "__ID__" {
          for_each = local.__ID___queues

          queue_url = aws_sqs_queue.__ID__[each.key].id

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid       = "AllowTopic"
                Effect    = "Allow"
                Principal = { Service = "sns.amazonaws.com" }
                Action    = "sqs:SendMessage"
                Resource  = aws_sqs_queue.__ID__[each.key].arn
                Condition = {
                  ArnEquals = {
                    "aws:SourceArn" = aws_sns_topic.__ID__.arn
                  }
                }
              },
            ]
          })
        }

        resource "aws_cloudwatch_metric_alarm" "__ID___dlq_depth" {
          for_each = local.__ID___queues

          alarm_name          = "${local.name_prefix}-__NAME__-${each.key}-dlq-not-empty"
          comparison_operator = "GreaterThanThreshold"
          evaluation_periods  = 1
          metric_name         = "ApproximateNumberOfMessagesVisible"
          namespace           = "AWS/SQS"
          period              = 300
          statistic           = "Maximum"
          threshold           = 0
          treat_missing_data  = "notBreaching"

          dimensions = {
            QueueName = aws_sqs_queue.__ID___dlq[each.key].name
          }
        }
        """,
        id=ident, name=name, queues=hcl_value(queues), vis=rng.choice([30, 60, 300, 900]),
        max_receive=rng.choice([3, 5, 10]),
    ))


def aws_dynamodb_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "aws_dynamodb_table" "__ID__" {
          name         = "${local.name_prefix}-__NAME__"
          billing_mode = "PAY_PER_REQUEST"
          hash_key     = "pk"
          range_key    = "sk"

          stream_enabled   = var.enable_dr
          stream_view_type = var.enable_dr ? "NEW_AND_OLD_IMAGES" : null

          attribute {
            name = "pk"
            type = "S"
          }

          attribute {
            name = "sk"
            type = "S"
          }

          attribute {
            name = "__GSI__"
            type = "S"
          }

          global_secondary_index {
            name            = "by-__GSI__"
            hash_key        = "__GSI__"
            range_key       = "sk"
            projection_type = "__PROJ__"
          }

          point_in_time_recovery {
            enabled = local.is_prod
          }

          server_side_encryption {
            enabled     = true
            kms_key_arn = module.data_platform.kms_key_arn
          }

          ttl {
            attribute_name = "expires_at"
            enabled        = __TTL__
          }

          dynamic "replica" {
            for_each = var.enable_dr ? [var.dr_region] : []
            content {
              region_name            = replica.value
              kms_key_arn            = module.data_platform.dr_kms_key_arn
              point_in_time_recovery = true
            }
          }

          tags = merge(local.common_tags, {
            Table = "__NAME__"
          })
        }

        resource "aws_appautoscaling_target" "__ID___reads" {
          count = __AUTOSCALE__ ? 1 : 0

          service_namespace  = "dynamodb"
          resource_id        = "table/${aws_dynamodb_table.__ID__.name}"
          scalable_dimension = "dynamodb:table:ReadCapacityUnits"
          min_capacity       = 5
          max_capacity       = __MAXCAP__
        }

        resource "aws_cloudwatch_metric_alarm" "__ID___throttles" {
          alarm_name          = "${local.name_prefix}-__NAME__-throttled-requests"
          comparison_operator = "GreaterThanThreshold"
          evaluation_periods  = 2
          metric_name         = "ThrottledRequests"
          namespace           = "AWS/DynamoDB"
          period              = 60
          statistic           = "Sum"
          threshold           = __THRESH__

          dimensions = {
            TableName = aws_dynamodb_table.__ID__.name
          }

          tags = local.common_tags
        }
        """,
        id=ident, name=name, gsi=rng.choice(["customer_id", "status", "created_at", "tenant_id"]),
        proj=rng.choice(["ALL", "KEYS_ONLY"]), ttl=hcl_value(rng.random() < 0.5),
        autoscale=hcl_value(rng.random() < 0.3), maxcap=rng.choice([100, 500, 1000]),
        thresh=rng.choice([0, 10, 50]),
    ))


def aws_rds_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    engine, version, family, port = rng.choice([
        ("postgres", "15.5", "postgres15", 5432),
        ("postgres", "16.2", "postgres16", 5432),
        ("mysql", "8.0.36", "mysql8.0", 3306),
    ])
    return join_blocks(T(
        """
        resource "aws_db_subnet_group" "__ID__" {
          name       = "${local.name_prefix}-__NAME__"
          subnet_ids = var.subnet_ids

          tags = local.common_tags
        }

        resource "aws_db_parameter_group" "__ID__" {
          name   = "${local.name_prefix}-__NAME__-__FAMILY_ID__"
          family = "__FAMILY__"

          parameter {
            name  = "__PARAM__"
            value = "__PARAM_VALUE__"
          }

          lifecycle {
            create_before_destroy = true
          }
        }

        resource "aws_security_group" "__ID___db" {
          name        = "${local.name_prefix}-__NAME__-db"
          description = "Database access for __NAME__"
          vpc_id      = var.vpc_id

          ingress {
            description = "__ENGINE__ from the VPC"
            from_port   = __PORT__
            to_port     = __PORT__
            protocol    = "tcp"
            cidr_blocks = ["10.0.0.0/8"]
          }

          egress {
            from_port   = 0
            to_port     = 0
            protocol    = "-1"
            cidr_blocks = ["0.0.0.0/0"]
          }

          tags = local.common_tags
        }

        resource "aws_db_instance" "__ID__" {
          identifier     = "${local.name_prefix}-__NAME__"
          engine         = "__ENGINE__"
          engine_version = "__VERSION__"
          instance_class = local.is_prod ? "__PROD_CLASS__" : "db.t4g.medium"

          allocated_storage     = __STORAGE__
          max_allocated_storage = __MAX_STORAGE__
          storage_type          = "gp3"
          storage_encrypted     = true
          kms_key_id            = module.data_platform.kms_key_arn

          db_name                     = "__DB_NAME__"
          username                    = "app_admin"
          manage_master_user_password = true
          port                        = __PORT__

          db_subnet_group_name   = aws_db_subnet_group.__ID__.name
          parameter_group_name   = aws_db_parameter_group.__ID__.name
          vpc_security_group_ids = [aws_security_group.__ID___db.id]

          multi_az                = local.is_prod
          backup_retention_period = local.is_prod ? 35 : 7
          backup_window           = "02:00-03:00"
          maintenance_window      = "sun:04:00-sun:05:00"
          deletion_protection     = local.is_prod
          skip_final_snapshot     = !local.is_prod
          copy_tags_to_snapshot   = true

          performance_insights_enabled    = true
          performance_insights_kms_key_id = module.data_platform.kms_key_arn
          enabled_cloudwatch_logs_exports = __LOGS__

          tags = merge(local.common_tags, {
            Database = "__NAME__"
          })
        }

        # Cross-region automated backups, only when DR is on.
        resource "aws_db_instance_automated_backups_replication" "__ID__" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          source_db_instance_arn = aws_db_instance.__ID__.arn
          kms_key_id             = module.data_platform.dr_kms_key_arn
          retention_period       = 14
        }
        """,
        id=ident, name=name, engine=engine, version=version, family=family,
        family_id=family.replace(".", ""), port=port,
        param="log_min_duration_statement" if engine == "postgres" else "slow_query_log",
        param_value="500" if engine == "postgres" else "1",
        prod_class=rng.choice(["db.r6g.large", "db.r6g.xlarge", "db.m6g.large"]),
        storage=rng.choice([20, 50, 100]), max_storage=rng.choice([200, 500, 1000]),
        db_name=ident.replace("_", ""),
        logs=hcl_value(["postgresql", "upgrade"] if engine == "postgres" else ["error", "slowquery"]),
    ))


def aws_iam_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    actions = _sample(rng, ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage",
                            "sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:GetItem",
                            "dynamodb:PutItem", "dynamodb:Query", "kms:Decrypt", "kms:GenerateDataKey",
                            "secretsmanager:GetSecretValue"], rng.randint(4, 8))
    return join_blocks(T(
        """
        data "aws_iam_policy_document" "__ID___assume" {
          statement {
            effect  = "Allow"
            actions = ["sts:AssumeRoleWithWebIdentity"]

            principals {
              type        = "Federated"
              identifiers = [try(module.cluster[0].oidc_issuer, "arn:aws:iam::${var.account_id}:oidc-provider/example")]
            }

            condition {
              test     = "StringEquals"
              variable = "oidc.eks.${var.region}.amazonaws.com:sub"
              values   = ["system:serviceaccount:__NAMESPACE__:__NAME__"]
            }
          }
        }

        resource "aws_iam_role" "__ID__" {
          name                 = "${local.name_prefix}-__NAME__"
          description          = "Workload role for the __NAME__ service"
          assume_role_policy   = data.aws_iam_policy_document.__ID___assume.json
          max_session_duration = __SESSION__

          tags = merge(local.common_tags, {
            Service = "__NAME__"
          })
        }

        resource "aws_iam_policy" "__ID__" {
          name        = "${local.name_prefix}-__NAME__"
          description = "Data access for __NAME__"

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid      = "DataAccess"
                Effect   = "Allow"
                Action   = __ACTIONS__
                Resource = concat(values(module.data_platform.bucket_arns), [for arn in values(module.data_platform.bucket_arns) : "${arn}/*"])
              },
              {
                Sid      = "RegionLock"
                Effect   = "Deny"
                Action   = "*"
                Resource = "*"
                Condition = {
                  StringNotEquals = {
                    "aws:RequestedRegion" = [var.region]
                  }
                }
              },
            ]
          })
        }

        resource "aws_iam_role_policy_attachment" "__ID__" {
          for_each = {
            data = aws_iam_policy.__ID__.arn
            xray = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
          }

          role       = aws_iam_role.__ID__.name
          policy_arn = each.value
        }
        """,
        id=ident, name=name, namespace=r.team, session=rng.choice([3600, 7200, 14400]),
        actions=hcl_value(actions),
    ))


def aws_logs_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    streams = _sample(rng, ["access", "application", "audit", "error", "slow", "security"], rng.randint(2, 4))
    return join_blocks(T(
        """
        locals {
          __ID___streams = __STREAMS__
        }

        resource "aws_cloudwatch_log_group" "__ID__" {
          count = length(local.__ID___streams)

          name              = "/${var.team}/${var.environment}/__NAME__/${local.__ID___streams[count.index]}"
          retention_in_days = local.log_retention_days
          kms_key_id        = module.data_platform.kms_key_arn

          tags = merge(local.common_tags, {
            Stream = local.__ID___streams[count.index]
          })
        }

        resource "aws_cloudwatch_log_metric_filter" "__ID___5xx" {
          count = length(local.__ID___streams)

          name           = "${local.name_prefix}-__NAME__-${local.__ID___streams[count.index]}-5xx"
          log_group_name = aws_cloudwatch_log_group.__ID__[count.index].name
          pattern        = "[ip, id, user, timestamp, request, status_code=5*, size]"

          metric_transformation {
            name          = "__METRIC__5xx"
            namespace     = "${var.team}/${var.environment}"
            value         = "1"
            default_value = "0"
          }
        }

        resource "aws_cloudwatch_metric_alarm" "__ID___5xx" {
          alarm_name          = "${local.name_prefix}-__NAME__-5xx"
          comparison_operator = "GreaterThanOrEqualToThreshold"
          evaluation_periods  = __EVAL__
          metric_name         = "__METRIC__5xx"
          namespace           = "${var.team}/${var.environment}"
          period              = 60
          statistic           = "Sum"
          threshold           = __THRESH__
          alarm_description   = "5xx responses from __NAME__ above threshold"
          alarm_actions       = [aws_sns_topic.__ID___alerts.arn]

          tags = local.common_tags
        }

        resource "aws_sns_topic" "__ID___alerts" {
          name              = "${local.name_prefix}-__NAME__-alerts"
          kms_master_key_id = "alias/aws/sns"
        }

        resource "aws_cloudwatch_log_data_protection_policy" "__ID__" {
          count = local.is_prod ? length(local.__ID___streams) : 0

          log_group_name = aws_cloudwatch_log_group.__ID__[count.index].name
          policy_document = jsonencode({
            Name    = "mask-pii"
            Version = "2021-06-01"
            Statement = [
              {
                Sid            = "audit"
                DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
                Operation = {
                  Audit = {
                    FindingsDestination = {}
                  }
                }
              },
              {
                Sid            = "redact"
                DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
                Operation = {
                  Deidentify = {
                    MaskConfig = {}
                  }
                }
              },
            ]
          })
        }
        """,
        id=ident, name=name, streams=hcl_value(streams), metric=ident.title().replace("_", ""),
        eval=rng.choice([1, 2, 3]), thresh=rng.choice([5, 10, 25, 100]),
    ))


def aws_kms_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "aws_kms_key" "__ID__" {
          description             = "${local.name_prefix} __NAME__ key"
          deletion_window_in_days = __WINDOW__
          enable_key_rotation     = true
          rotation_period_in_days = __ROTATION__
          multi_region            = var.enable_dr

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid       = "RootAccess"
                Effect    = "Allow"
                Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
                Action    = "kms:*"
                Resource  = "*"
              },
              {
                Sid       = "ServiceUse"
                Effect    = "Allow"
                Principal = { AWS = var.kms_admin_arns }
                Action    = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"]
                Resource  = "*"
                Condition = {
                  StringEquals = {
                    "kms:ViaService" = "__VIA__.${var.region}.amazonaws.com"
                  }
                }
              },
            ]
          })

          tags = merge(local.common_tags, {
            Purpose = "__NAME__"
          })
        }

        resource "aws_kms_alias" "__ID__" {
          name          = "alias/${local.name_prefix}-__NAME__"
          target_key_id = aws_kms_key.__ID__.key_id
        }

        resource "aws_kms_replica_key" "__ID__" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          description             = "${local.name_prefix} __NAME__ key (DR replica)"
          primary_key_arn         = aws_kms_key.__ID__.arn
          deletion_window_in_days = 30

          tags = local.common_tags
        }

        resource "aws_kms_alias" "__ID___dr" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          name          = "alias/${local.name_prefix}-__NAME__"
          target_key_id = aws_kms_replica_key.__ID__[0].key_id
        }

        resource "aws_kms_grant" "__ID__" {
          for_each = toset(var.kms_admin_arns)

          name              = "${local.name_prefix}-__NAME__-grant"
          key_id            = aws_kms_key.__ID__.key_id
          grantee_principal = each.value
          operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]
        }
        """,
        id=ident, name=name, window=rng.choice([7, 14, 30]), rotation=rng.choice([90, 180, 365]),
        via=rng.choice(["s3", "sqs", "secretsmanager", "dynamodb", "rds"]),
    ))


def aws_backup_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "aws_backup_vault" "__ID__" {
          name        = "${local.name_prefix}-__NAME__"
          kms_key_arn = module.data_platform.kms_key_arn

          tags = local.common_tags
        }

        resource "aws_backup_vault" "__ID___dr" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          name        = "${local.name_prefix}-__NAME__-dr"
          kms_key_arn = module.data_platform.dr_kms_key_arn

          tags = local.common_tags
        }

        resource "aws_backup_plan" "__ID__" {
          name = "${local.name_prefix}-__NAME__"

          rule {
            rule_name         = "daily"
            target_vault_name = aws_backup_vault.__ID__.name
            schedule          = "cron(__MIN__ __HOUR__ * * ? *)"
            start_window      = 60
            completion_window = 360

            lifecycle {
              cold_storage_after = __COLD__
              delete_after       = __DELETE__
            }

            dynamic "copy_action" {
              for_each = var.enable_dr ? [aws_backup_vault.__ID___dr[0].arn] : []
              content {
                destination_vault_arn = copy_action.value

                lifecycle {
                  delete_after = __DELETE__
                }
              }
            }
          }

          rule {
            rule_name         = "monthly"
            target_vault_name = aws_backup_vault.__ID__.name
            schedule          = "cron(0 5 1 * ? *)"

            lifecycle {
              delete_after = 365
            }
          }

          tags = local.common_tags
        }

        resource "aws_iam_role" "__ID___backup" {
          name = "${local.name_prefix}-__NAME__-backup"

          assume_role_policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect    = "Allow"
                Action    = "sts:AssumeRole"
                Principal = { Service = "backup.amazonaws.com" }
              },
            ]
          })
        }

        resource "aws_iam_role_policy_attachment" "__ID___backup" {
          role       = aws_iam_role.__ID___backup.name
          policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
        }

        resource "aws_backup_selection" "__ID__" {
          name         = "${local.name_prefix}-__NAME__"
          plan_id      = aws_backup_plan.__ID__.id
          iam_role_arn = aws_iam_role.__ID___backup.arn

          selection_tag {
            type  = "STRINGEQUALS"
            key   = "Backup"
            value = "__NAME__"
          }

          condition {
            string_equals {
              key   = "aws:ResourceTag/Environment"
              value = var.environment
            }
          }
        }
        """,
        id=ident, name=name, min=rng.randrange(0, 60, 5), hour=rng.randint(0, 5),
        cold=rng.choice([30, 60, 90]), delete=rng.choice([180, 365, 730]),
    ))


def aws_ecr_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        module "registry___ID__" {
          source = "__M__/registry"

          providers = {
            aws    = aws
            aws.dr = aws.dr
          }

          name                 = "${var.team}/__NAME__"
          image_tag_mutability = "__MUT__"
          keep_last            = __KEEP__
          replicate            = var.enable_dr && __REPL__
          kms_key_arn          = module.data_platform.kms_key_arn
          tags                 = local.common_tags
        }

        resource "aws_ecr_repository" "__ID___cache" {
          name                 = "${var.team}/__NAME__-build-cache"
          image_tag_mutability = "MUTABLE"

          image_scanning_configuration {
            scan_on_push = false
          }

          encryption_configuration {
            encryption_type = "KMS"
            kms_key         = module.data_platform.kms_key_arn
          }

          tags = local.common_tags
        }

        resource "aws_ecr_lifecycle_policy" "__ID___cache" {
          repository = aws_ecr_repository.__ID___cache.name

          policy = jsonencode({
            rules = [
              {
                rulePriority = 1
                description  = "Drop cache layers after __DAYS__ days"
                selection = {
                  tagStatus   = "any"
                  countType   = "sinceImagePushed"
                  countUnit   = "days"
                  countNumber = __DAYS__
                }
                action = {
                  type = "expire"
                }
              },
            ]
          })
        }

        resource "aws_ecr_repository_policy" "__ID__" {
          repository = "${var.team}/__NAME__"

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid    = "AllowPullFromAccount"
                Effect = "Allow"
                Principal = {
                  AWS = "arn:aws:iam::${var.account_id}:root"
                }
                Action = [
                  "ecr:BatchGetImage",
                  "ecr:GetDownloadUrlForLayer",
                  "ecr:BatchCheckLayerAvailability",
                ]
              },
            ]
          })

          depends_on = [module.registry___ID__]
        }
        """,
        id=ident, name=name, m=r.modules_rel, mut=rng.choice(["IMMUTABLE", "MUTABLE"]),
        keep=rng.choice([10, 20, 50]), repl=hcl_value(rng.random() < 0.5), days=rng.choice([7, 14, 30]),
    ))


AWS_SERVICE_GENERATORS = {
    "s3": aws_s3_file,
    "queues": aws_queues_file,
    "dynamodb": aws_dynamodb_file,
    "rds": aws_rds_file,
    "iam": aws_iam_file,
    "logs": aws_logs_file,
    "kms": aws_kms_file,
    "backup": aws_backup_file,
    "ecr": aws_ecr_file,
}

# ----------------------------------------------------------------------------- GCP


def gcp_root_files(r: Root, n_service: int) -> dict[str, str]:
    rng = r.rng
    r.primary, r.dr = rng.choice(GCP_REGION_PAIRS)
    r.account_id = f"acme-{r.team}-{r.env}"[:24].rstrip("-") + f"-{rng.randint(100, 999)}"
    r.enable_dr = r.is_prod or rng.random() < 0.3
    team, env, m = r.team, r.env, r.modules_rel
    datasets = _sample(rng, DATASETS, rng.randint(3, 6))
    repos = _sample(rng, SERVICES, rng.randint(1, 4))

    files: dict[str, str] = {}
    files["versions.tf"] = T(
        """
        terraform {
          required_version = ">= 1.6.0"

          required_providers {
            google = {
              source  = "hashicorp/google"
              version = "~> 5.25"
            }
          }

          backend "gcs" {
            bucket = "acme-terraform-state"
            prefix = "__TEAM__/__ENV__"
          }
        }
        """,
        team=team, env=env,
    ) + "\n"
    files["providers.tf"] = T(
        """
        provider "google" {
          project = var.project_id
          region  = var.region

          impersonate_service_account = "terraform@${var.project_id}.iam.gserviceaccount.com"

          default_labels = local.common_labels
        }

        provider "google" {
          alias   = "dr"
          project = var.project_id
          region  = var.dr_region

          impersonate_service_account = "terraform@${var.project_id}.iam.gserviceaccount.com"

          default_labels = merge(local.common_labels, {
            disaster_recovery = "true"
          })
        }
        """
    ) + "\n"
    files["variables.tf"] = join_blocks(
        _var("project_id", "string", "GCP project this stack deploys into."),
        _var("region", "string", "Primary GCP region.", r.primary),
        _var("dr_region", "string", "Region for disaster-recovery copies.", r.dr),
        _var("team", "string", "Owning team.", team),
        _var("environment", "string", "Deployment environment.", env),
        _var("enable_dr", "bool", "Create DR copies.", False),
        _var("labels", "map(string)", "Extra labels.", {}),
        _var("datasets", T(
            """
            map(object({
              storage_class = optional(string, "STANDARD")
              retention_age = optional(number, 365)
              readers       = optional(list(string), [])
            }))
            """), "Buckets keyed by dataset.", {}),
        _var("repositories", "list(string)", "Artifact Registry repositories.", []),
        _var("bigquery_location", "string", "BigQuery dataset location.", None, nullable=True),
    )
    tfv: dict[str, object] = {
        "project_id": r.account_id,
        "region": r.primary,
        "dr_region": r.dr,
        "team": team,
        "environment": env,
        "enable_dr": r.enable_dr,
        "datasets": {
            d: ({"storage_class": "NEARLINE"} if rng.random() < 0.3 else {})
            | ({"readers": [f"group:{team}-readers@example.com"]} if rng.random() < 0.5 else {})
            for d in datasets
        },
        "repositories": repos,
        "labels": {"owner": team, "data_classification": rng.choice(["internal", "confidential"])},
    }
    if rng.random() < 0.3:
        tfv["bigquery_location"] = rng.choice(["EU", "US"])
    files["terraform.tfvars"] = _tfvars(tfv)
    files["locals.tf"] = T(
        """
        locals {
          name_prefix = "${var.team}-${var.environment}"
          is_prod     = startswith(var.environment, "prod")

          common_labels = merge(var.labels, {
            team        = var.team
            environment = var.environment
            managed_by  = "terraform"
          })

          bucket_names = { for name, cfg in var.datasets : name => "${local.name_prefix}-${name}-${substr(sha1(var.project_id), 0, 6)}" }
          bq_location  = coalesce(var.bigquery_location, var.region)
          kms_location = lower(var.region)
          lake_zones   = local.is_prod ? ["raw", "curated", "published"] : ["raw", "curated"]
        }
        """
    ) + "\n"
    files["main.tf"] = T(
        """
        resource "google_kms_key_ring" "main" {
          name     = "${local.name_prefix}-keys"
          project  = var.project_id
          location = local.kms_location
        }

        resource "google_kms_crypto_key" "data" {
          name            = "data"
          key_ring        = google_kms_key_ring.main.id
          rotation_period = "7776000s"

          lifecycle {
            prevent_destroy = true
          }
        }

        module "buckets" {
          source   = "__M__/gcs-bucket"
          for_each = var.datasets

          name          = local.bucket_names[each.key]
          project_id    = var.project_id
          location      = var.region
          storage_class = each.value.storage_class
          kms_key_name  = google_kms_crypto_key.data.id
          readers       = each.value.readers

          lifecycle_rules = [
            {
              action = "Delete"
              age    = each.value.retention_age
            },
          ]

          labels = local.common_labels
        }

        module "lake" {
          source = "__M__/gcp-data-lake"

          providers = {
            google    = google
            google.dr = google.dr
          }

          name_prefix  = "${local.name_prefix}-lake"
          project_id   = var.project_id
          location     = var.region
          dr_location  = var.dr_region
          enable_dr    = var.enable_dr
          zones        = local.lake_zones
          kms_key_name = google_kms_crypto_key.data.id
          labels       = local.common_labels
        }

        module "registry" {
          source   = "__M__/artifact-registry"
          for_each = toset(var.repositories)

          project_id    = var.project_id
          location      = var.region
          repository_id = "${var.team}-${each.value}"
          labels        = local.common_labels
        }
        """,
        m=m,
    ) + "\n"
    files["outputs.tf"] = join_blocks(
        _out("bucket_names", "{ for k, b in module.buckets : k => b.name }", "Dataset buckets."),
        _out("lake_buckets", "module.lake.buckets", "Data lake buckets by zone."),
        _out("lake_dr_buckets", "module.lake.dr_buckets", "DR copies of the lake."),
        _out("registries", "{ for k, reg in module.registry : k => reg.id }", "Artifact Registry repositories."),
        _out("kms_key", "google_kms_crypto_key.data.id", "Data key."),
    )
    for kind, name in _service_names(rng, GCP_SERVICE_KINDS, n_service):
        files[f"{kind}-{name}.tf"] = service_file(r, GCP_SERVICE_GENERATORS, kind, name)
    return files


def gcp_gcs_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    location = "var.region" if rng.random() < 0.8 else hcl_value(rng.choice(["EU", "US", "EUR4"]))
    return join_blocks(T(
        """
        resource "google_storage_bucket" "__ID__" {
          name                        = "${local.name_prefix}-__NAME__"
          project                     = var.project_id
          location                    = __LOCATION__
          storage_class               = "__CLASS__"
          uniform_bucket_level_access = true
          public_access_prevention    = "enforced"

          versioning {
            enabled = true
          }

          encryption {
            default_kms_key_name = google_kms_crypto_key.data.id
          }

          lifecycle_rule {
            action {
              type          = "SetStorageClass"
              storage_class = "COLDLINE"
            }
            condition {
              age                   = __AGE__
              matches_storage_class = ["STANDARD", "NEARLINE"]
            }
          }

          lifecycle_rule {
            action {
              type = "Delete"
            }
            condition {
              num_newer_versions = 5
              with_state         = "ARCHIVED"
            }
          }

          retention_policy {
            retention_period = __RETENTION__
          }

          logging {
            log_bucket = "${local.name_prefix}-access-logs"
          }

          labels = merge(local.common_labels, {
            dataset = "__NAME__"
          })
        }

        resource "google_storage_bucket_iam_member" "__ID___writer" {
          bucket = google_storage_bucket.__ID__.name
          role   = "roles/storage.objectCreator"
          member = "serviceAccount:__NAME__-writer@${var.project_id}.iam.gserviceaccount.com"
        }

        resource "google_storage_bucket_iam_member" "__ID___reader" {
          bucket = google_storage_bucket.__ID__.name
          role   = "roles/storage.objectViewer"
          member = "group:${var.team}-analysts@example.com"
        }

        resource "google_storage_notification" "__ID__" {
          bucket         = google_storage_bucket.__ID__.name
          payload_format = "JSON_API_V1"
          topic          = "projects/${var.project_id}/topics/${local.name_prefix}-__NAME__-events"
          event_types    = ["OBJECT_FINALIZE", "OBJECT_DELETE"]
        }
        """,
        id=ident, name=name, location=location, age=rng.choice([30, 90, 180]),
        retention=rng.choice([86400, 604800, 2592000]),
        **{"class": rng.choice(["STANDARD", "NEARLINE"])},
    ))


def gcp_bigquery_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    cols = _sample(rng, ["customer_id", "order_id", "amount", "currency", "country", "status",
                         "created_at", "updated_at", "channel", "sku"], rng.randint(4, 7))
    schema = [{"name": "event_id", "type": "STRING", "mode": "REQUIRED"}] + [
        {"name": c, "type": "TIMESTAMP" if c.endswith("_at") else ("NUMERIC" if c == "amount" else "STRING"),
         "mode": "NULLABLE"} for c in cols]
    return join_blocks(T(
        """
        resource "google_bigquery_dataset" "__ID__" {
          dataset_id                  = replace("${local.name_prefix}___NAME__", "-", "_")
          project                     = var.project_id
          location                    = local.bq_location
          description                 = "__NAME__ data for ${var.team}"
          default_table_expiration_ms = __EXPIRY__
          delete_contents_on_destroy  = false

          default_encryption_configuration {
            kms_key_name = google_kms_crypto_key.data.id
          }

          access {
            role          = "OWNER"
            special_group = "projectOwners"
          }

          access {
            role           = "READER"
            group_by_email = "${var.team}-analysts@example.com"
          }

          labels = local.common_labels
        }

        resource "google_bigquery_table" "__ID___events" {
          dataset_id          = google_bigquery_dataset.__ID__.dataset_id
          project             = var.project_id
          table_id            = "events"
          deletion_protection = local.is_prod

          time_partitioning {
            type          = "DAY"
            field         = "__PART__"
            expiration_ms = __PART_EXPIRY__
          }

          clustering = ["event_id"]

          schema = jsonencode(__SCHEMA__)

          labels = local.common_labels
        }

        resource "google_bigquery_dataset_iam_member" "__ID___viewer" {
          dataset_id = google_bigquery_dataset.__ID__.dataset_id
          project    = var.project_id
          role       = "roles/bigquery.dataViewer"
          member     = "group:${var.team}-bi@example.com"
        }
        """,
        id=ident, name=name, expiry=rng.choice(["null", 7776000000, 31536000000]),
        part=next((c for c in cols if c.endswith("_at")), "event_time") if any(c.endswith("_at") for c in cols) else "_PARTITIONTIME",
        part_expiry=rng.choice([7776000000, 15552000000]),
        schema=indent(hcl_value(schema, 0), 1).lstrip(),
    ))


def gcp_pubsub_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    subs = _sample(rng, SERVICES, rng.randint(1, 3))
    return join_blocks(T(
        """
        resource "google_pubsub_topic" "__ID__" {
          name         = "${local.name_prefix}-__NAME__"
          project      = var.project_id
          kms_key_name = google_kms_crypto_key.data.id

          message_storage_policy {
            allowed_persistence_regions = [var.region]
          }

          message_retention_duration = "__RETENTION__"

          labels = local.common_labels
        }

        resource "google_pubsub_topic" "__ID___dead_letter" {
          name    = "${local.name_prefix}-__NAME__-dead-letter"
          project = var.project_id

          message_storage_policy {
            allowed_persistence_regions = [var.region]
          }
        }

        resource "google_pubsub_subscription" "__ID__" {
          for_each = toset(__SUBS__)

          name    = "${local.name_prefix}-__NAME__-${each.value}"
          project = var.project_id
          topic   = google_pubsub_topic.__ID__.id

          ack_deadline_seconds       = __ACK__
          message_retention_duration = "604800s"
          enable_message_ordering    = __ORDER__

          expiration_policy {
            ttl = ""
          }

          retry_policy {
            minimum_backoff = "10s"
            maximum_backoff = "600s"
          }

          dead_letter_policy {
            dead_letter_topic     = google_pubsub_topic.__ID___dead_letter.id
            max_delivery_attempts = 10
          }

          labels = merge(local.common_labels, {
            consumer = each.value
          })
        }
        """,
        id=ident, name=name, subs=hcl_value(subs), retention=rng.choice(["86400s", "604800s"]),
        ack=rng.choice([20, 60, 120]), order=hcl_value(rng.random() < 0.3),
    ))


def gcp_sql_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "google_sql_database_instance" "__ID__" {
          name                = "${local.name_prefix}-__NAME__"
          project             = var.project_id
          region              = var.region
          database_version    = "__VERSION__"
          encryption_key_name = google_kms_crypto_key.data.id
          deletion_protection = local.is_prod

          settings {
            tier              = local.is_prod ? "db-custom-4-16384" : "db-custom-1-3840"
            availability_type = local.is_prod ? "REGIONAL" : "ZONAL"
            disk_autoresize   = true
            disk_size         = __DISK__

            backup_configuration {
              enabled                        = true
              location                       = var.region
              point_in_time_recovery_enabled = local.is_prod
              start_time                     = "0__HOUR__:00"

              backup_retention_settings {
                retained_backups = __BACKUPS__
              }
            }

            ip_configuration {
              ipv4_enabled    = false
              private_network = "projects/${var.project_id}/global/networks/main"
            }

            database_flags {
              name  = "log_min_duration_statement"
              value = "500"
            }

            insights_config {
              query_insights_enabled = true
            }

            user_labels = local.common_labels
          }
        }

        resource "google_sql_database" "__ID__" {
          name     = "__DB__"
          project  = var.project_id
          instance = google_sql_database_instance.__ID__.name
        }

        resource "google_sql_database_instance" "__ID___replica" {
          count = var.enable_dr ? 1 : 0

          provider             = google.dr
          name                 = "${local.name_prefix}-__NAME__-replica"
          project              = var.project_id
          region               = var.dr_region
          database_version     = "__VERSION__"
          master_instance_name = google_sql_database_instance.__ID__.name

          replica_configuration {
            failover_target = false
          }

          settings {
            tier = "db-custom-2-7680"
          }
        }
        """,
        id=ident, name=name, version=rng.choice(["POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"]),
        disk=rng.choice([20, 50, 100]), hour=rng.randint(1, 5), backups=rng.choice([7, 14, 30]),
        db=ident,
    ))


def gcp_kms_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "google_kms_key_ring" "__ID__" {
          name     = "${local.name_prefix}-__NAME__"
          project  = var.project_id
          location = var.region
        }

        resource "google_kms_crypto_key" "__ID__" {
          name            = "__NAME__"
          key_ring        = google_kms_key_ring.__ID__.id
          rotation_period = "__ROTATION__"
          purpose         = "ENCRYPT_DECRYPT"

          version_template {
            algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
            protection_level = "__LEVEL__"
          }

          labels = local.common_labels
        }

        resource "google_kms_crypto_key_iam_member" "__ID___gcs" {
          crypto_key_id = google_kms_crypto_key.__ID__.id
          role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
          member        = "serviceAccount:service-${var.project_id}@gs-project-accounts.iam.gserviceaccount.com"
        }

        resource "google_kms_crypto_key_iam_member" "__ID___pubsub" {
          crypto_key_id = google_kms_crypto_key.__ID__.id
          role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
          member        = "serviceAccount:service-${var.project_id}@gcp-sa-pubsub.iam.gserviceaccount.com"
        }
        """,
        id=ident, name=name, rotation=rng.choice(["2592000s", "7776000s"]),
        level=rng.choice(["SOFTWARE", "HSM"]),
    ))


def gcp_gar_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "google_artifact_registry_repository" "__ID__" {
          project       = var.project_id
          location      = var.region
          repository_id = "${var.team}-__NAME__"
          description   = "__NAME__ images"
          format        = "__FORMAT__"
          kms_key_name  = google_kms_crypto_key.data.id

          docker_config {
            immutable_tags = __IMMUTABLE__
          }

          cleanup_policies {
            id     = "delete-old"
            action = "DELETE"

            condition {
              older_than = "__AGE__"
            }
          }

          labels = local.common_labels
        }

        resource "google_artifact_registry_repository" "__ID___remote" {
          project       = var.project_id
          location      = var.region
          repository_id = "${var.team}-__NAME__-dockerhub"
          description   = "Pull-through cache of Docker Hub"
          format        = "DOCKER"
          mode          = "REMOTE_REPOSITORY"

          remote_repository_config {
            description = "docker hub"

            docker_repository {
              public_repository = "DOCKER_HUB"
            }
          }
        }

        resource "google_artifact_registry_repository_iam_member" "__ID___writer" {
          project    = var.project_id
          location   = google_artifact_registry_repository.__ID__.location
          repository = google_artifact_registry_repository.__ID__.name
          role       = "roles/artifactregistry.writer"
          member     = "serviceAccount:ci@${var.project_id}.iam.gserviceaccount.com"
        }
        """,
        id=ident, name=name, format="DOCKER", immutable=hcl_value(rng.random() < 0.6),
        age=rng.choice(["2592000s", "7776000s"]),
    ))


GCP_SERVICE_GENERATORS = {
    "gcs": gcp_gcs_file,
    "bigquery": gcp_bigquery_file,
    "pubsub": gcp_pubsub_file,
    "sql": gcp_sql_file,
    "kms": gcp_kms_file,
    "gar": gcp_gar_file,
}

# ----------------------------------------------------------------------------- Azure


def azure_root_files(r: Root, n_service: int) -> dict[str, str]:
    rng = r.rng
    r.primary, r.dr = rng.choice(AZURE_LOCATION_PAIRS)
    r.account_id = "%08x-%04x-%04x-%04x-%012x" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48))
    r.enable_dr = r.is_prod or rng.random() < 0.3
    team, env, m = r.team, r.env, r.modules_rel
    accounts = _sample(rng, DATASETS, rng.randint(2, 4))
    files: dict[str, str] = {}
    files["versions.tf"] = T(
        """
        terraform {
          required_version = ">= 1.6.0"

          required_providers {
            azurerm = {
              source  = "hashicorp/azurerm"
              version = "~> 3.110"
            }
          }

          backend "azurerm" {
            resource_group_name  = "rg-terraform-state"
            storage_account_name = "acmetfstate"
            container_name       = "tfstate"
            key                  = "__TEAM__/__ENV__.tfstate"
          }
        }
        """,
        team=team, env=env,
    ) + "\n"
    files["providers.tf"] = T(
        """
        provider "azurerm" {
          subscription_id = var.subscription_id
          tenant_id       = var.tenant_id

          features {
            key_vault {
              purge_soft_delete_on_destroy = false
            }

            resource_group {
              prevent_deletion_if_contains_resources = true
            }
          }
        }

        provider "azurerm" {
          alias           = "dr"
          subscription_id = coalesce(var.dr_subscription_id, var.subscription_id)
          tenant_id       = var.tenant_id

          features {}
        }
        """
    ) + "\n"
    files["variables.tf"] = join_blocks(
        _var("subscription_id", "string", "Subscription this stack deploys into."),
        _var("dr_subscription_id", "string", "Subscription for DR resources; defaults to the main one.", None),
        _var("tenant_id", "string", "Entra ID tenant.", "00000000-0000-0000-0000-000000000000"),
        _var("location", "string", "Primary Azure region.", r.primary),
        _var("dr_location", "string", "Paired region for DR.", r.dr),
        _var("team", "string", "Owning team.", team),
        _var("environment", "string", "Deployment environment.", env),
        _var("enable_dr", "bool", "Enable geo-redundancy.", False),
        _var("storage_accounts", T(
            """
            map(object({
              containers       = list(string)
              replication_type = optional(string)
              soft_delete_days = optional(number, 14)
            }))
            """), "Storage accounts keyed by purpose.", {}),
        _var("tags", "map(string)", "Extra tags.", {}),
    )
    tfv = {
        "subscription_id": r.account_id,
        "location": r.primary,
        "dr_location": r.dr,
        "team": team,
        "environment": env,
        "enable_dr": r.enable_dr,
        "storage_accounts": {
            a: {"containers": _sample(rng, ["incoming", "processed", "archive", "exports", "tmp"], rng.randint(1, 3))}
            | ({"replication_type": "GRS"} if rng.random() < 0.2 else {})
            for a in accounts
        },
        "tags": {"owner": f"{team}@example.com"},
    }
    files["terraform.tfvars"] = _tfvars(tfv)
    files["locals.tf"] = T(
        """
        locals {
          name_prefix   = "${var.team}-${var.environment}"
          compact_name  = substr(replace("${var.team}${var.environment}", "-", ""), 0, 16)
          is_prod       = var.environment == "prod"
          replication   = var.enable_dr ? "GZRS" : "ZRS"
          location_code = lookup({ westeurope = "weu", northeurope = "neu", germanywestcentral = "gwc", eastus2 = "eus2", uksouth = "uks" }, var.location, "xx")

          common_tags = merge(var.tags, {
            team        = var.team
            environment = var.environment
            managed_by  = "terraform"
          })

          storage_accounts = {
            for key, cfg in var.storage_accounts : key => merge(cfg, {
              name             = substr("st${local.compact_name}${replace(key, "-", "")}", 0, 24)
              replication_type = coalesce(cfg.replication_type, local.replication)
            })
          }
        }
        """
    ) + "\n"
    files["main.tf"] = T(
        """
        resource "azurerm_resource_group" "main" {
          name     = "rg-${local.name_prefix}-${local.location_code}"
          location = var.location

          tags = local.common_tags
        }

        resource "azurerm_resource_group" "dr" {
          count    = var.enable_dr ? 1 : 0
          provider = azurerm.dr

          name     = "rg-${local.name_prefix}-dr"
          location = var.dr_location

          tags = local.common_tags
        }

        module "storage" {
          source   = "__M__/azure-storage"
          for_each = local.storage_accounts

          name                = each.value.name
          resource_group_name = azurerm_resource_group.main.name
          location            = azurerm_resource_group.main.location
          replication_type    = each.value.replication_type
          soft_delete_days    = each.value.soft_delete_days
          containers          = each.value.containers
          tags                = local.common_tags
        }

        resource "azurerm_storage_account" "dr_archive" {
          count    = var.enable_dr ? 1 : 0
          provider = azurerm.dr

          name                     = substr("st${local.compact_name}dr", 0, 24)
          resource_group_name      = azurerm_resource_group.dr[0].name
          location                 = azurerm_resource_group.dr[0].location
          account_tier             = "Standard"
          account_replication_type = "LRS"
          min_tls_version          = "TLS1_2"

          tags = local.common_tags
        }
        """,
        m=m,
    ) + "\n"
    files["outputs.tf"] = join_blocks(
        _out("resource_group", "azurerm_resource_group.main.name", "Main resource group."),
        _out("storage_account_ids", "{ for k, s in module.storage : k => s.id }", "Storage accounts."),
        _out("storage_secondary_locations", "{ for k, s in module.storage : k => s.secondary_location }",
             "Geo-replica location per account."),
        _out("dr_archive_id", "try(azurerm_storage_account.dr_archive[0].id, null)", "DR archive account."),
    )
    for kind, name in _service_names(rng, AZURE_SERVICE_KINDS, n_service):
        files[f"{kind}-{name}.tf"] = service_file(r, AZURE_SERVICE_GENERATORS, kind, name)
    return files


def az_storage_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    containers = _sample(rng, ["raw", "staged", "published", "quarantine", "exports"], rng.randint(2, 4))
    return join_blocks(T(
        """
        resource "azurerm_storage_account" "__ID__" {
          name                     = substr("st${local.compact_name}__SHORT__", 0, 24)
          resource_group_name      = azurerm_resource_group.main.name
          location                 = azurerm_resource_group.main.location
          account_tier             = "Standard"
          account_replication_type = local.is_prod ? "__PROD_REPL__" : "LRS"
          min_tls_version          = "TLS1_2"
          https_traffic_only_enabled = true

          blob_properties {
            versioning_enabled  = true
            change_feed_enabled = __CHANGE_FEED__

            delete_retention_policy {
              days = __DAYS__
            }
          }

          identity {
            type = "SystemAssigned"
          }

          tags = merge(local.common_tags, {
            dataset = "__NAME__"
          })
        }

        resource "azurerm_storage_container" "__ID__" {
          for_each = toset(__CONTAINERS__)

          name                  = each.value
          storage_account_name  = azurerm_storage_account.__ID__.name
          container_access_type = "private"
        }

        resource "azurerm_storage_management_policy" "__ID__" {
          storage_account_id = azurerm_storage_account.__ID__.id

          rule {
            name    = "tiering"
            enabled = true

            filters {
              blob_types   = ["blockBlob"]
              prefix_match = ["__FIRST__/"]
            }

            actions {
              base_blob {
                tier_to_cool_after_days_since_modification_greater_than    = __COOL__
                tier_to_archive_after_days_since_modification_greater_than = __ARCHIVE__
                delete_after_days_since_modification_greater_than          = __DELETE__
              }
            }
          }
        }

        resource "azurerm_private_endpoint" "__ID___blob" {
          name                = "pe-${local.name_prefix}-__NAME__-blob"
          resource_group_name = azurerm_resource_group.main.name
          location            = azurerm_resource_group.main.location
          subnet_id           = "/subscriptions/${var.subscription_id}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-${var.location}/subnets/private-endpoints"

          private_service_connection {
            name                           = "blob"
            private_connection_resource_id = azurerm_storage_account.__ID__.id
            subresource_names              = ["blob"]
            is_manual_connection           = false
          }

          tags = local.common_tags
        }
        """,
        id=ident, name=name, short=ident.replace("_", "")[:8], prod_repl=rng.choice(["ZRS", "GZRS", "RAGRS"]),
        change_feed=hcl_value(rng.random() < 0.5), days=rng.choice([7, 14, 30]),
        containers=hcl_value(containers), first=containers[0],
        cool=rng.choice([30, 60]), archive=rng.choice([90, 180]), delete=rng.choice([365, 730, 2555]),
    ))


def az_keyvault_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        data "azurerm_client_config" "__ID__" {}

        resource "azurerm_key_vault" "__ID__" {
          name                       = substr("kv-${local.compact_name}-__SHORT__", 0, 24)
          resource_group_name        = azurerm_resource_group.main.name
          location                   = azurerm_resource_group.main.location
          tenant_id                  = data.azurerm_client_config.__ID__.tenant_id
          sku_name                   = "__SKU__"
          soft_delete_retention_days = 90
          purge_protection_enabled   = local.is_prod
          enable_rbac_authorization  = true

          network_acls {
            default_action = "Deny"
            bypass         = "AzureServices"
          }

          tags = local.common_tags
        }

        resource "azurerm_key_vault_key" "__ID__" {
          name         = "__NAME__-cmk"
          key_vault_id = azurerm_key_vault.__ID__.id
          key_type     = "RSA"
          key_size     = __KEY_SIZE__
          key_opts     = ["decrypt", "encrypt", "unwrapKey", "wrapKey"]

          rotation_policy {
            expire_after         = "P__EXPIRE__D"
            notify_before_expiry = "P30D"

            automatic {
              time_before_expiry = "P30D"
            }
          }
        }

        resource "azurerm_role_assignment" "__ID___crypto" {
          scope                = azurerm_key_vault.__ID__.id
          role_definition_name = "Key Vault Crypto Service Encryption User"
          principal_id         = data.azurerm_client_config.__ID__.object_id
        }
        """,
        id=ident, name=name, short=ident.replace("_", "")[:6], sku=rng.choice(["standard", "premium"]),
        key_size=rng.choice([2048, 3072, 4096]), expire=rng.choice([90, 180, 365]),
    ))


def az_acr_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "azurerm_container_registry" "__ID__" {
          name                          = substr("acr${local.compact_name}__SHORT__", 0, 50)
          resource_group_name           = azurerm_resource_group.main.name
          location                      = azurerm_resource_group.main.location
          sku                           = "Premium"
          admin_enabled                 = false
          public_network_access_enabled = false
          zone_redundancy_enabled       = local.is_prod

          dynamic "georeplications" {
            for_each = var.enable_dr ? [var.dr_location] : []
            content {
              location                = georeplications.value
              zone_redundancy_enabled = false
              tags                    = local.common_tags
            }
          }

          retention_policy {
            days    = __DAYS__
            enabled = true
          }

          tags = local.common_tags
        }

        resource "azurerm_container_registry_scope_map" "__ID___pull" {
          name                    = "__NAME__-pull"
          container_registry_name = azurerm_container_registry.__ID__.name
          resource_group_name     = azurerm_resource_group.main.name
          actions = [
            "repositories/__NAME__/content/read",
            "repositories/__NAME__/metadata/read",
          ]
        }
        """,
        id=ident, name=name, short=ident.replace("_", "")[:10], days=rng.choice([7, 14, 30]),
    ))


def az_logs_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "azurerm_log_analytics_workspace" "__ID__" {
          name                = "log-${local.name_prefix}-__NAME__"
          resource_group_name = azurerm_resource_group.main.name
          location            = azurerm_resource_group.main.location
          sku                 = "PerGB2018"
          retention_in_days   = __RETENTION__
          daily_quota_gb      = __QUOTA__

          tags = local.common_tags
        }

        resource "azurerm_monitor_diagnostic_setting" "__ID__" {
          for_each = module.storage

          name                       = "diag-__NAME__-${each.key}"
          target_resource_id         = "${each.value.id}/blobServices/default"
          log_analytics_workspace_id = azurerm_log_analytics_workspace.__ID__.id

          enabled_log {
            category = "StorageRead"
          }

          enabled_log {
            category = "StorageWrite"
          }

          metric {
            category = "Transaction"
          }
        }

        resource "azurerm_monitor_action_group" "__ID__" {
          name                = "ag-${local.name_prefix}-__NAME__"
          resource_group_name = azurerm_resource_group.main.name
          short_name          = substr("__SHORT__", 0, 12)

          email_receiver {
            name          = "oncall"
            email_address = "${var.team}-oncall@example.com"
          }
        }
        """,
        id=ident, name=name, short=ident.replace("_", "")[:12], retention=rng.choice([30, 90, 180]),
        quota=rng.choice([1, 5, 10]),
    ))


def az_sql_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = _ident(name)
    return join_blocks(T(
        """
        resource "azurerm_mssql_server" "__ID__" {
          name                          = "sql-${local.name_prefix}-__NAME__"
          resource_group_name           = azurerm_resource_group.main.name
          location                      = azurerm_resource_group.main.location
          version                       = "12.0"
          minimum_tls_version           = "1.2"
          public_network_access_enabled = false

          azuread_administrator {
            login_username              = "${var.team}-dba"
            object_id                   = "00000000-0000-0000-0000-000000000000"
            azuread_authentication_only = true
          }

          tags = local.common_tags
        }

        resource "azurerm_mssql_database" "__ID__" {
          name                 = "__NAME__"
          server_id            = azurerm_mssql_server.__ID__.id
          sku_name             = local.is_prod ? "__PROD_SKU__" : "S0"
          max_size_gb          = __SIZE__
          zone_redundant       = local.is_prod
          storage_account_type = var.enable_dr ? "Geo" : "Local"

          short_term_retention_policy {
            retention_days = __RETENTION__
          }

          long_term_retention_policy {
            weekly_retention  = "P4W"
            monthly_retention = "P12M"
          }

          tags = local.common_tags
        }
        """,
        id=ident, name=name, prod_sku=rng.choice(["GP_Gen5_2", "BC_Gen5_4", "P2"]),
        size=rng.choice([32, 64, 250]), retention=rng.choice([7, 14, 35]),
    ))


AZURE_SERVICE_GENERATORS = {
    "storage": az_storage_file,
    "keyvault": az_keyvault_file,
    "acr": az_acr_file,
    "logs": az_logs_file,
    "sql": az_sql_file,
}

ROOT_GENERATORS = {"aws": aws_root_files, "gcp": gcp_root_files, "azure": azure_root_files}


def iter_roots():
    """Deterministic, endless sequence of (team, env, cloud); base envs first so a
    small estate already has dev/staging/prod of several teams and all clouds."""
    for team, cloud in TEAMS:
        for env in BASE_ENVS:
            yield team, env, cloud
    for env in EXTRA_ENVS:
        for team, cloud in TEAMS:
            yield team, env, cloud
    wave = 2
    while True:
        for team, cloud in TEAMS:
            for env in BASE_ENVS + EXTRA_ENVS:
                yield f"{team}-{wave}", env, cloud
        wave += 1


@dataclass
class EstateStats:
    path: str
    tf_files: int = 0
    tf_lines: int = 0
    tfvars_files: int = 0
    tfvars_lines: int = 0
    roots: int = 0
    roots_by_cloud: dict[str, int] = field(default_factory=dict)
    modules: int = 0
    bytes: int = 0
    seconds: float = 0.0


def generate_estate(dest: Path, n_files: int, seed: int = DEFAULT_SEED) -> EstateStats:
    """Write an estate with exactly ``n_files`` ``.tf`` files under ``dest`` (wiped first)."""
    t0 = time.perf_counter()
    min_root = len(CORE_FILES) + 1
    if n_files < MODULE_FILE_COUNT + min_root:
        raise SystemExit(f"--sizes: need at least {MODULE_FILE_COUNT + min_root} files per estate, got {n_files}")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    stats = EstateStats(path=str(dest))

    def write(rel: str, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        text = align(text)
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        lines = text.count("\n")
        stats.bytes += len(text.encode())
        if rel.endswith(".tf"):
            stats.tf_files += 1
            stats.tf_lines += lines
        elif rel.endswith(".tfvars"):
            stats.tfvars_files += 1
            stats.tfvars_lines += lines

    for mod, files in MODULES.items():
        for fname, text in files.items():
            write(f"modules/{mod}/{fname}", text)
        stats.modules += 1

    write("README.md", f"# Generated estate\n\nGenerated by bench/benchmark.py (generator v{GENERATOR_VERSION}, "
                       f"seed {seed}) with {n_files} .tf files. Do not edit.\n")

    remaining = n_files - MODULE_FILE_COUNT
    roots = iter_roots()
    while remaining > 0:
        team, env, cloud = next(roots)
        rng = random.Random(f"{seed}:{team}:{env}")
        k = rng.randint(9, 15)
        if remaining - k < min_root:
            k = remaining  # last root absorbs the remainder (at most 15 + 6 files)
        rel_root = f"live/{team}/{env}"
        r = Root(team=team, env=env, cloud=cloud, rng=rng,
                 modules_rel=os.path.relpath("modules", rel_root).replace(os.sep, "/"))
        files = ROOT_GENERATORS[cloud](r, k - len(CORE_FILES))
        for fname, text in files.items():
            write(f"{rel_root}/{fname}", text)
        remaining -= k
        stats.roots += 1
        stats.roots_by_cloud[cloud] = stats.roots_by_cloud.get(cloud, 0) + 1

    stats.seconds = time.perf_counter() - t0
    assert stats.tf_files == n_files, (stats.tf_files, n_files)
    return stats


def estate_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".tf", ".tfvars") and p.is_file())


# =============================================================================
# Measurement
# =============================================================================


@dataclass
class Measurement:
    label: str
    cmd: list[str]
    ok: bool = False
    status: str = "not run"  # ok | findings | crash | exit N | signal N | timeout | missing | not run
    returncode: int | None = None
    seconds: float | None = None
    user_seconds: float | None = None
    sys_seconds: float | None = None
    peak_mb: float | None = None
    tree_peak_mb: float | None = None
    error: str | None = None
    stdout_tail: str | None = None
    stderr_tail: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    repeats: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> str:
        if self.seconds is None:
            return f"{self.label}: not run ({self.error})"
        s = f"{self.label}: {self.seconds:.2f} s, peak {self.peak_mb:.0f} MB"
        if self.tree_peak_mb:
            s += f" (tree {self.tree_peak_mb:.0f} MB)"
        if not self.ok:
            s += f"  ** FAILED rc={self.returncode}: {self.error or ''}"
        return s


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _proc_tree_rss(pid: int) -> int | None:
    """Sum of resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    total = 0
    stack = [pid]
    seen = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * _PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                try:
                    with open(f"/proc/{p}/task/{task}/children") as fh:
                        stack.extend(int(c) for c in fh.read().split())
                except OSError:
                    pass
        except (OSError, ValueError, IndexError):
            continue
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.stop_evt = threading.Event()
        self.enabled = os.path.exists(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/children")

    def run(self) -> None:
        if not self.enabled:
            return
        while not self.stop_evt.is_set():
            rss = _proc_tree_rss(self.pid)
            if rss:
                self.peak = max(self.peak, rss)
            self.stop_evt.wait(self.interval)


def _tail(path: Path, n: int = 1500) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace").strip()


def run_measured(label: str, cmd: list[str], *, env: dict[str, str] | None = None,
                 stdout_path: str | None = None, ok_codes: tuple[int, ...] = (0,),
                 timeout: float | None = None, cwd: str | None = None,
                 traceback_is_crash: bool = False) -> Measurement:
    """Run ``cmd`` in a fresh child; wall time via perf_counter, peak RSS via wait4().

    ``ok_codes`` are the exit codes that count as a successful run.  With
    ``traceback_is_crash`` a Python traceback on stderr marks the run as crashed
    even when the exit code is in ``ok_codes`` (an uncaught exception exits 1,
    which a scanner would otherwise pass off as "findings")."""
    m = Measurement(label=label, cmd=[str(c) for c in cmd])
    with tempfile.TemporaryDirectory(prefix="resbench-io-") as io_dir:
        out_p = Path(stdout_path) if stdout_path else Path(io_dir) / "stdout"
        err_p = Path(io_dir) / "stderr"
        try:
            out_fh = open(out_p, "wb")
        except OSError as e:
            m.status, m.error = "cannot start", f"cannot open stdout target: {e}"
            return m
        with out_fh, open(err_p, "wb") as err_fh:
            t0 = time.perf_counter()
            try:
                proc = subprocess.Popen(m.cmd, stdout=out_fh, stderr=err_fh, stdin=subprocess.DEVNULL,
                                        env=env, cwd=cwd, start_new_session=True)
            except OSError as e:
                m.status, m.error = "cannot start", f"cannot start: {e}"
                return m
            sampler = _TreeSampler(proc.pid)
            sampler.start()
            timed_out = threading.Event()

            def _kill() -> None:
                timed_out.set()
                try:
                    os.killpg(proc.pid, 9)
                except OSError:
                    pass

            timer = threading.Timer(timeout, _kill) if timeout else None
            if timer:
                timer.start()
            try:
                try:
                    _, status, ru = os.wait4(proc.pid, 0)
                except KeyboardInterrupt:
                    _kill()  # the child runs in its own session; do not leave it behind
                    raise
            finally:
                elapsed = time.perf_counter() - t0
                if timer:
                    timer.cancel()
                sampler.stop_evt.set()
                sampler.join()
            proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss = ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        m.returncode = proc.returncode
        m.seconds = elapsed
        m.user_seconds = ru.ru_utime
        m.sys_seconds = ru.ru_stime
        m.peak_mb = maxrss / 2**20
        m.tree_peak_mb = (sampler.peak / 2**20) if sampler.peak else None
        m.stderr_tail = _tail(err_p)
        if not stdout_path:
            m.stdout_tail = _tail(out_p, 4000)
        crashed = False
        if traceback_is_crash:
            try:
                with open(err_p, "rb") as fh:
                    crashed = b"Traceback (most recent call last)" in fh.read(16 * 2**20)
            except OSError:
                pass
        last = [ln for ln in (m.stderr_tail or "").splitlines() if ln.strip()][-1:] or ["(no stderr)"]
        if timed_out.is_set():
            m.status, m.error = "timeout", f"timed out after {timeout:.0f} s"
        elif m.returncode < 0:
            m.status, m.error = f"signal {-m.returncode}", f"killed by signal {-m.returncode}"
        elif crashed:
            m.status = "crash"
            m.error = f"crashed with a Python traceback (exit code {m.returncode}): {last[0].strip()[:300]}"
        elif m.returncode not in ok_codes:
            m.status, m.error = f"exit {m.returncode}", f"exit code {m.returncode}: {last[0].strip()[:300]}"
        else:
            m.status = "ok" if m.returncode == 0 else "findings"
        m.ok = m.error is None
    return m


def repeat_measured(n: int, make) -> Measurement:
    """Run ``make()`` n times; report the median wall time and the max peak RSS."""
    runs = [make() for _ in range(max(1, n))]
    return runs[0] if len(runs) == 1 else _merge(runs)


PARSE_FLOOR_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import hcl2
t_import = time.perf_counter() - t0
paths = open(sys.argv[1], encoding="utf-8").read().split("\n")
paths = [p for p in paths if p]
errors = []
t1 = time.perf_counter()
for p in paths:
    try:
        with open(p, encoding="utf-8") as fh:
            hcl2.load(fh)
    except Exception as e:  # report, keep going
        errors.append({"file": p, "error": (type(e).__name__ + ": " + str(e))[:400]})
t_parse = time.perf_counter() - t1
print(json.dumps({"files": len(paths), "import_seconds": t_import, "parse_seconds": t_parse,
                  "errors": len(errors), "first_errors": errors[:10]}))
sys.exit(3 if errors else 0)
"""


def measure_parse_floor(estate: Path, python: str, timeout: float | None) -> Measurement:
    files = estate_files(estate)
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(str(f) for f in files) + "\n")
        lst = fh.name
    try:
        m = run_measured("parse floor (hcl2.load)", [python, "-c", PARSE_FLOOR_CHILD, lst], timeout=timeout)
    finally:
        os.unlink(lst)
    try:
        info = json.loads((m.stdout_tail or "").splitlines()[-1])
        m.extra = info
        if info.get("errors"):
            m.ok, m.status = False, "parse errors"
            m.error = f"{info['errors']} file(s) failed to parse, e.g. {info['first_errors'][0]}"
    except (ValueError, IndexError):
        if m.ok:
            m.ok, m.status, m.error = False, "no result", "parse-floor child printed no result"
    return m


def find_tool(name: str, override: str | None) -> str | None:
    if override:
        return override
    cand = Path(sys.executable).parent / name
    if cand.exists():
        return str(cand)
    return shutil.which(name)


def residency_output_summary(estate: Path, exe: str, cache_dir: Path, timeout: float | None) -> dict:
    """One extra, *unmeasured* scan (same warm cache) written to a temp file, to check
    that the timed runs really analysed the estate: counts of findings, inventory
    items and errors from the JSON report."""
    with tempfile.TemporaryDirectory(prefix="resbench-report-") as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ, RESIDENCY_CACHE_DIR=str(cache_dir))
        try:
            proc = subprocess.run([exe, "scan", str(estate), "--format", "json", "--output", str(report)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            return {"error": str(e)}
        out: dict[str, object] = {"returncode": proc.returncode}
        try:
            doc = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            out["error"] = f"no JSON report: {e}; stderr: {proc.stderr.decode('utf-8', 'replace')[-300:]}"
            return out
        if isinstance(doc, dict):
            for key, val in doc.items():
                if isinstance(val, list):
                    out[key] = len(val)
            if isinstance(doc.get("summary"), dict):
                out["summary"] = doc["summary"]
        return out


def measure_residency(estate: Path, exe: str | None, cache_dir: Path, label: str,
                      timeout: float | None) -> Measurement:
    if not exe:
        m = Measurement(label=label, cmd=["residency"], status="missing")
        m.error = "residency executable not found (next to this python or on PATH)"
        return m
    env = dict(os.environ, RESIDENCY_CACHE_DIR=str(cache_dir))
    # rc 1 = findings; >= 2 = usage/internal error.
    return run_measured(label, [exe, "scan", str(estate), "--format", "json", "--output", os.devnull],
                        env=env, ok_codes=(0, 1), timeout=timeout, traceback_is_crash=True)


BENCH_CHECK = '''\
"""No-op checkov check used by bench/benchmark.py to time checkov's own pipeline."""
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class ResidencyBenchNoop(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="residency benchmark no-op check",
            id="CKV_RES_BENCH",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_s3_bucket"],
        )

    def scan_resource_conf(self, conf):
        return CheckResult.PASSED


check = ResidencyBenchNoop()
'''


def measure_checkov(estate: Path, exe: str | None, rules_dir: Path | None, timeout: float | None) -> Measurement:
    label = "checkov (real rules)" if rules_dir else "checkov (no-op check)"
    if not exe:
        m = Measurement(label=label, cmd=["checkov"], status="missing")
        m.error = "checkov executable not found (next to this python or on PATH)"
        return m
    with tempfile.TemporaryDirectory(prefix="resbench-ckv-") as tmp:
        if rules_dir:
            checks_dir, check_ids = str(rules_dir), ",".join(f"CKV_RES_{i}" for i in range(1, 11))
        else:
            Path(tmp, "__init__.py").write_text("")
            Path(tmp, "residency_bench_check.py").write_text(BENCH_CHECK)
            checks_dir, check_ids = tmp, "CKV_RES_BENCH"
        env = dict(os.environ)
        env.setdefault("LOG_LEVEL", "WARNING")
        env.setdefault("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        cmd = [exe, "-d", str(estate), "--framework", "terraform", "--skip-download",
               "--external-checks-dir", checks_dir, "--check", check_ids,
               "--quiet", "--compact", "-o", "json"]
        # rc 1 = failed checks, which is a successful run for timing purposes.
        return run_measured(label, cmd, env=env, stdout_path=os.devnull, ok_codes=(0, 1), timeout=timeout)


# =============================================================================
# Reporting
# =============================================================================


def _fmt_s(m: dict | None) -> str:
    if not m:
        return "n/a"
    if not m.get("ok"):
        return f"✗ {m.get('status') or 'failed'}"
    return f"{m['seconds']:.2f}"


def _fmt_mb(m: dict | None) -> str:
    if not m or not m.get("ok") or m.get("peak_mb") is None:
        return "n/a"
    tree = m.get("tree_peak_mb")
    if tree and tree > 1.15 * m["peak_mb"]:
        # the tool fans out into worker processes: also show the summed tree peak
        return f"{m['peak_mb']:.0f} (Σ{tree:.0f})"
    return f"{m['peak_mb']:.0f}"


def _ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or not a.get("ok") or not b.get("ok") or not a.get("seconds") or not b.get("seconds"):
        return "n/a"
    return f"{a['seconds'] / b['seconds']:.1f}×"


def markdown_table(runs: list[dict]) -> str:
    """The linearity table, plus one note per failed command under it."""
    head = ("| .tf files | .tf lines | parse floor s | parse MB | residency cold s | residency warm s "
            "| residency peak MB | checkov s | checkov peak MB | checkov / cold | cold / parse | cold / warm |")
    rows = [head, "|" + "---:|" * 12]
    notes: list[str] = []
    for r in runs:
        cold, warm, parse, ckv = (r.get("residency_cold"), r.get("residency_warm"),
                                  r.get("parse_floor"), r.get("checkov"))
        ok_res = [m for m in (cold, warm) if m and m.get("ok") and m.get("peak_mb") is not None]
        peak = None
        if ok_res:
            trees = [m["tree_peak_mb"] for m in ok_res if m.get("tree_peak_mb")]
            peak = {"ok": True, "peak_mb": max(m["peak_mb"] for m in ok_res),
                    "tree_peak_mb": max(trees) if trees else None}
        skipped = "skipped"
        rows.append("| " + " | ".join([
            f"{r['estate']['tf_files']:,}", f"{r['estate']['tf_lines']:,}",
            _fmt_s(parse), _fmt_mb(parse),
            _fmt_s(cold) if cold else skipped, _fmt_s(warm) if warm else skipped,
            _fmt_mb(peak) if cold else skipped,
            _fmt_s(ckv) if ckv else skipped, _fmt_mb(ckv) if ckv else skipped,
            _ratio(ckv, cold), _ratio(cold, parse), _ratio(cold, warm),
        ]) + " |")
        for m in (parse, cold, warm, ckv):
            if m and not m.get("ok"):
                notes.append(f"- ✗ {r['estate']['tf_files']:,} files, {m['label']}: {m.get('error')}")
    return "\n".join(rows + ([""] + notes if notes else []))


def environment_info(residency: str | None, checkov: str | None) -> dict[str, object]:
    info: dict[str, object] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "generator_version": GENERATOR_VERSION,
        "residency": residency,
        "checkov": checkov,
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as fh:
            info["mem_total_mb"] = int(fh.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    for mod in ("hcl2", "checkov"):
        try:
            from importlib.metadata import version
            info[f"{mod}_version"] = version("bc-python-hcl2" if mod == "hcl2" else mod)
        except Exception:
            pass
    return info


# =============================================================================
# CLI
# =============================================================================


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes wants comma-separated integers, got {text!r}")
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("--sizes needs positive integers")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="benchmark.py",
        description=textwrap.dedent(
            """\
            Generate realistic Terraform estates of several sizes and time, each in a
            fresh subprocess: the hcl2 parse floor, `residency scan` cold and warm, and
            stock checkov with one no-op custom check.  Prints a Markdown table and
            writes JSON to OUT/results.json."""),
        epilog=textwrap.dedent(
            """\
            examples:
              python bench/benchmark.py                          # 250,500,1000 files, everything
              python bench/benchmark.py --sizes 1000 --skip-checkov
              python bench/benchmark.py --sizes 250 --checkov-rules rules
              python bench/benchmark.py --generate-only --sizes 1000

            A residency or checkov run that exits with 0 or 1 counts as success (1 means
            findings); any other exit code, a signal, a timeout or (for residency) a
            Python traceback on stderr is reported as a failure in the table and JSON,
            and the benchmark carries on.  The script exits 1 if anything failed.
            Run it with the project's venv python: the parse floor imports hcl2 and
            residency/checkov are looked up next to that interpreter first."""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--sizes", type=parse_sizes, default=[250, 500, 1000], metavar="N[,N...]",
                   help="estate sizes in .tf files, comma-separated (default: 250,500,1000); "
                        f"each must be >= {MODULE_FILE_COUNT + len(CORE_FILES) + 1}")
    p.add_argument("--skip-checkov", action="store_true",
                   help="do not run checkov (the slow part: 30 s or more per 1,000 files)")
    p.add_argument("--checkov-rules", type=Path, metavar="DIR",
                   help="run checkov with this external-checks dir and --check CKV_RES_1..CKV_RES_10 "
                        "(e.g. the repo's rules/ folder) instead of the built-in no-op check")
    p.add_argument("--keep", action="store_true",
                   help="keep the generated estates (OUT/estate-N) after measuring; default deletes them")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="output directory for estates and results.json (default: bench/out next to this script)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default: {DEFAULT_SEED})")
    p.add_argument("--repeat", type=int, default=1, metavar="K",
                   help="run each timed command K times and report the median wall time and max RSS (default: 1)")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="SEC",
                   help="kill any single measured command after SEC seconds (default: 1800)")
    p.add_argument("--generate-only", action="store_true",
                   help="only generate the estates and print their file/line counts (implies --keep)")
    p.add_argument("--skip-residency", action="store_true", help="do not run residency scan")
    p.add_argument("--no-output-check", action="store_true",
                   help="skip the extra, unmeasured residency scan that writes a real JSON report and "
                        "records its finding/inventory/error counts (a sanity check of the timed runs)")
    p.add_argument("--residency", metavar="PATH",
                   help="residency executable (default: next to this python, else on PATH)")
    p.add_argument("--checkov", metavar="PATH",
                   help="checkov executable (default: next to this python, else on PATH)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.checkov_rules:
        args.checkov_rules = args.checkov_rules.resolve()
    if args.checkov_rules and not args.checkov_rules.is_dir():
        print(f"--checkov-rules: {args.checkov_rules} is not a directory", file=sys.stderr)
        return 2

    residency_exe = None if args.skip_residency else find_tool("residency", args.residency)
    checkov_exe = None if (args.skip_checkov or args.generate_only) else find_tool("checkov", args.checkov)
    env_info = environment_info(residency_exe, checkov_exe)
    results: dict[str, object] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": env_info,
        "settings": {"sizes": args.sizes, "seed": args.seed, "repeat": args.repeat,
                     "skip_checkov": args.skip_checkov, "checkov_rules": str(args.checkov_rules or ""),
                     "generate_only": args.generate_only},
        "method": {
            "wall": "time.perf_counter() around each child process (includes interpreter start-up)",
            "peak_mb": "ru_maxrss from os.wait4() on the child: the largest RSS of the child or any "
                       "descendant it waited for (same as GNU time -v 'Maximum resident set size')",
            "tree_peak_mb": "peak of the summed RSS of the child's whole process tree, sampled from "
                            "/proc every 50 ms (Linux only)",
        },
        "runs": [],
    }
    runs: list[dict] = results["runs"]  # type: ignore[assignment]
    failures = 0

    for n in args.sizes:
        estate = out / f"estate-{n}"
        print(f"\n=== {n} files: generating {estate} ...", flush=True)
        st = generate_estate(estate, n, args.seed)
        print(f"    {st.tf_files:,} .tf files, {st.tf_lines:,} .tf lines "
              f"(+{st.tfvars_files} .tfvars, {st.tfvars_lines:,} lines); {st.roots} roots "
              f"{st.roots_by_cloud}, {st.modules} shared modules, {st.bytes / 2**20:.1f} MiB, "
              f"generated in {st.seconds:.2f} s", flush=True)
        run: dict[str, object] = {"size": n, "estate": st.__dict__.copy()}
        runs.append(run)
        if args.generate_only:
            continue

        pm = repeat_measured(args.repeat, lambda: measure_parse_floor(estate, sys.executable, args.timeout))
        run["parse_floor"] = pm.__dict__
        print("    " + pm.summary(), flush=True)
        if pm.extra:
            print(f"      (in-process: import {pm.extra.get('import_seconds', 0):.2f} s, "
                  f"parse {pm.extra.get('parse_seconds', 0):.2f} s)", flush=True)
        failures += not pm.ok

        if not args.skip_residency:
            with tempfile.TemporaryDirectory(prefix="resbench-cache-") as cache_root:
                counter = iter(range(10**6))

                def cold_then_warm() -> tuple[Measurement, Measurement]:
                    cache = Path(cache_root) / f"c{next(counter)}"
                    cache.mkdir()
                    c = measure_residency(estate, residency_exe, cache, "residency scan (cold)", args.timeout)
                    w = measure_residency(estate, residency_exe, cache, "residency scan (warm)", args.timeout)
                    return c, w

                pairs = [cold_then_warm() for _ in range(max(1, args.repeat))]
                cold = _merge([p[0] for p in pairs])
                warm = _merge([p[1] for p in pairs])
                if residency_exe and warm.ok and not args.no_output_check:
                    run["residency_output"] = residency_output_summary(
                        estate, residency_exe, Path(cache_root) / "c0", args.timeout)
            run["residency_cold"], run["residency_warm"] = cold.__dict__, warm.__dict__
            for mm in (cold, warm):
                print("    " + mm.summary(), flush=True)
                failures += not mm.ok
            if "residency_output" in run:
                ro = run["residency_output"]
                shown = {k: v for k, v in ro.items() if k not in ("summary",)}
                print(f"    residency report (unmeasured check run): {shown}", flush=True)

        if not args.skip_checkov:
            cm = repeat_measured(args.repeat, lambda: measure_checkov(estate, checkov_exe, args.checkov_rules,
                                                                       args.timeout))
            run["checkov"] = cm.__dict__
            print("    " + cm.summary(), flush=True)
            failures += not cm.ok

        if not args.keep:
            shutil.rmtree(estate, ignore_errors=True)

    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    table = markdown_table(runs) if not args.generate_only else None
    results["markdown"] = table
    # --generate-only must not clobber the timings of an earlier full run
    res_path = out / ("estates.json" if args.generate_only else "results.json")
    res_path.write_text(json.dumps(results, indent=2, default=str) + "\n")

    print()
    if table:
        e = env_info
        print(f"Environment: Python {e['python']}, {e.get('cpu', e['machine'])}, {e['cpus']} CPUs, "
              f"checkov {e.get('checkov_version', '?')}, bc-python-hcl2 {e.get('hcl2_version', '?')}\n")
        print(table)
        print()
    else:
        print("| .tf files | .tf lines | .tfvars files | roots (aws/gcp/azure) |")
        print("|---:|---:|---:|---|")
        for r in runs:
            s = r["estate"]
            c = s["roots_by_cloud"]
            print(f"| {s['tf_files']:,} | {s['tf_lines']:,} | {s['tfvars_files']} | "
                  f"{s['roots']} ({c.get('aws', 0)}/{c.get('gcp', 0)}/{c.get('azure', 0)}) |")
        print()
    print(f"results written to {res_path}")
    if failures:
        print(f"{failures} measured command(s) failed; see the ✗ cells above and 'error' / 'stderr_tail' "
              f"in {res_path}", file=sys.stderr)
    return 1 if failures else 0


def _merge(ms: list[Measurement]) -> Measurement:
    """Median wall time / max RSS over repeated runs of the same command."""
    if len(ms) == 1:
        return ms[0]
    base = ms[-1]
    good = [m for m in ms if m.seconds is not None]
    if good:
        base.seconds = statistics.median(m.seconds for m in good)
        base.peak_mb = max(m.peak_mb or 0 for m in good)
        tp = [m.tree_peak_mb for m in good if m.tree_peak_mb]
        base.tree_peak_mb = max(tp) if tp else None
    base.ok = all(m.ok for m in ms)
    base.repeats = [{"seconds": m.seconds, "peak_mb": m.peak_mb, "ok": m.ok, "returncode": m.returncode}
                    for m in ms]
    return base


if __name__ == "__main__":
    sys.exit(main())
