"""Hostile values in the catalog's later families (flows_extra.py): wrong types, nulls, dynamic
blocks over unset variables. Nothing crashes or is lost; what cannot be read is unknown
(CKV_RES_2 for placement, CKV_RES_4 for a destination), never a pass."""

from __future__ import annotations

from pathlib import Path

from analyzer.models import ScanReport
from tests.rules.helpers import scan

CONFIG = """provider "google" {
  project = "acme-dp-prod"
  region  = "europe-west4"
}
provider "aws" {
  region = "eu-west-1"
}
provider "azurerm" {
  features {}
  subscription_id = "11111111-2222-3333-4444-555555555555"
}
variable "partners" {
  type = list(string)
}
variable "config" {
  type = string
}
variable "zones" {
  type = list(string)
}
resource "google_pubsub_topic" "odd" {
  name = "odd"
  message_storage_policy {
    allowed_persistence_regions = 42
  }
}
resource "google_spanner_instance" "unset" {
  name         = "unset"
  config       = var.config
  display_name = "unset"
}
resource "google_spanner_instance" "numeric" {
  name         = "numeric"
  config       = 7
  display_name = "numeric"
}
resource "google_compute_snapshot" "stringy" {
  name              = "stringy"
  source_disk       = "d"
  storage_locations = "eu"
}
resource "google_bigtable_instance" "dynamic" {
  name = "dynamic"
  dynamic "cluster" {
    for_each = var.zones
    content {
      cluster_id = "c-${cluster.key}"
      zone       = cluster.value
    }
  }
}
resource "azurerm_mssql_failover_group" "dynamic" {
  name      = "fog"
  server_id = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Sql/servers/a"
  dynamic "partner_server" {
    for_each = var.partners
    content {
      id = partner_server.value
    }
  }
}
resource "aws_msk_replicator" "odd" {
  replicator_name            = "odd"
  service_execution_role_arn = "arn:aws:iam::111122223333:role/r"
  replication_info_list {
    source_kafka_cluster_arn = 12
    target_kafka_cluster_arn = ["not", "an", "arn"]
  }
}
resource "aws_athena_workgroup" "odd" {
  name = "odd"
  configuration {
    result_configuration {
      output_location = 5
    }
  }
}
resource "aws_cloudtrail" "stringly" {
  name                  = "t"
  s3_bucket_name        = null
  is_multi_region_trail = "true"
}
resource "aws_db_instance" "null_source" {
  identifier          = "n"
  instance_class      = "db.t4g.micro"
  replicate_source_db = null
}
resource "aws_glue_catalog_database" "odd" {
  name            = "odd"
  target_database = "not a block"
}
resource "azurerm_redis_linked_server" "odd" {
  target_redis_cache_name     = "a"
  resource_group_name         = "rg"
  linked_redis_cache_id       = 3
  linked_redis_cache_location = "Atlantis"
  server_role                 = "Secondary"
}
"""


def _report(tmp_path: Path) -> ScanReport:
    (tmp_path / "main.tf").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "residency.yaml").write_text("region: eu-west-1\n", encoding="utf-8")
    return scan(tmp_path)


def test_no_internal_error_and_every_resource_kept(tmp_path: Path) -> None:
    report = _report(tmp_path)
    assert report.errors == []
    assert len(report.inventory) == 12


def test_unreadable_placement_is_unknown(tmp_path: Path) -> None:
    report = _report(tmp_path)
    assert {(f.address, f.line) for f in report.findings if f.rule_id == "CKV_RES_2"} == {
        ("google_pubsub_topic.odd", 21),  # allowed_persistence_regions = 42
        ("google_spanner_instance.unset", 27),  # config from an unset variable
        ("google_spanner_instance.numeric", 32),  # config = 7
        ("google_compute_snapshot.stringy", 37),  # storage_locations = "eu", not a list
        ("google_bigtable_instance.dynamic", 42),  # clusters from a dynamic block over an unset variable
    }


def test_unreadable_destinations_fail_closed(tmp_path: Path) -> None:
    report = _report(tmp_path)
    assert {(f.address, f.line) for f in report.findings if f.rule_id == "CKV_RES_4"} == {
        ("azurerm_mssql_failover_group.dynamic", 57),  # partners from a dynamic block over an unset variable: its content line
        ("aws_msk_replicator.odd", 66),  # 12 is no cluster ARN
        ("aws_msk_replicator.odd", 67),  # a list is no cluster ARN
        ("aws_athena_workgroup.odd", 74),  # output_location = 5
        ("azurerm_redis_linked_server.odd", 96),  # "Atlantis" is no Azure region
    }


def test_string_true_is_true_and_null_is_absent(tmp_path: Path) -> None:
    report = _report(tmp_path)
    trail = next(r for r in report.inventory if r.address == "aws_cloudtrail.stringly")
    assert trail.multi_region is not None and trail.flows == []  # s3_bucket_name = null names no bucket
    source = next(r for r in report.inventory if r.address == "aws_db_instance.null_source")
    assert source.flows == []
