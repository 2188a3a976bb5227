"""Destinations, members and parents named by interpolation link to the resource that creates
the name (issue 14): a log sink's `storage.googleapis.com/${google_storage_bucket.x.name}`, an
IAM member `serviceAccount:${google_service_account.sa.email}`, a container whose account is
`"st${random_string.s.result}"`, a replication destination `arn:aws:s3:::replica-${random_pet.this.id}`
are judged by that resource's placement, in the root or in a child module."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.hcl.parse import parse_expression
from analyzer.models import Flow, InventoryRow, ScanReport
from analyzer.scan import ScanOptions, build_inventory
from analyzer.terraform.evaluate import Scope, evaluate
from analyzer.terraform.name_templates import key_of, match, render, strip_prefix, template_of
from analyzer.values import Unknown
from tests.conftest import FIXTURES
from tests.rules.helpers import scan

GCP = FIXTURES / "terraform" / "gcp_sink_interpolated"
AZURE = FIXTURES / "terraform" / "azure_random_suffix"
AWS = FIXTURES / "terraform" / "aws_replication_random_pet"
AWS_MODULES = FIXTURES / "terraform" / "aws_replication_module_locals"


def findings(report: ScanReport) -> set[tuple[str, str, str, int, str]]:
    return {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings}


def rows(fixture: Path) -> dict[str, InventoryRow]:
    inventory, _, _ = build_inventory([fixture], ScanOptions(env={}, use_cache=False))
    return {row.address: row for row in inventory.rows}


def chain(flow_or_row: Flow | InventoryRow, field: str = "region") -> list[str]:
    return [step.render() for step in getattr(flow_or_row, field).evidence]


# --- the evaluator keeps the template of an interpolated unknown -------------------------------

class _Resolver:
    def resolve(self, root: str, attr: str | None, trace: object) -> object:
        if root == "random_pet":
            return Unknown("random_pet.this.id is computed at apply time", origin="random_pet.this")
        return "acme" if (root, attr) == ("var", "p") else None


def _value(text: str) -> object:
    return evaluate(parse_expression(text), Scope(_Resolver()))


def test_an_interpolated_unknown_keeps_its_literal_parts_and_holes() -> None:
    value = _value('"arn:aws:s3:::replica-${random_pet.this}-${var.p}"')
    assert isinstance(value, Unknown)
    # the reason and origin are the first unknown part's, as before
    assert (value.reason, value.origin) == ("random_pet.this.id is computed at apply time", "random_pet.this")
    assert value.template is not None
    assert render(value.template) == "arn:aws:s3:::replica-${random_pet.this.id}-acme"
    stripped = strip_prefix(value.template, "arn:aws:s3:::")
    assert key_of(stripped) == key_of(template_of(_value('"replica-${random_pet.this}-acme"')))
    assert key_of(stripped) != key_of(template_of(_value('"replica-${random_pet.this}-other"')))


def test_a_template_is_bounded() -> None:
    """Locals doubling an unknown string (a hostile input) keep no template past 32 parts."""
    text = '"' + "-${random_pet.this}" * 40 + '"'
    value = _value(text)
    assert isinstance(value, Unknown) and value.template is None
    short = _value('"' + "-${random_pet.this}" * 10 + '"')
    assert isinstance(short, Unknown) and short.template is not None


def test_a_function_of_a_template_keeps_no_template() -> None:
    """substr/replace/lower make another string from the same parts: it is one hole, not the template."""
    value = _value('substr("replica-${random_pet.this}", 0, 3)')
    assert isinstance(value, Unknown) and value.template is None and value.origin == "random_pet.this"


def test_a_hole_without_a_resource_behind_it_matches_nothing() -> None:
    unset = Unknown("var.suffix has no default and is not set")
    assert key_of(template_of(unset)) is None
    assert key_of(("st", unset)) is None


def test_a_destination_form_splits_a_template_into_its_parts() -> None:
    import re

    hole = Unknown("google_logging_project_bucket_config.b.bucket_id is computed at apply time", origin="x")
    groups = match(re.compile(r"^logging\.googleapis\.com/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/buckets/(?P<name>[^/]+)$"),
                   ("logging.googleapis.com/projects/acme/locations/eu/buckets/central-", hole))
    assert groups == {"project": ("acme",), "location": ("eu",), "name": ("central-", hole)}


# --- GCP: log sinks and IAM members -------------------------------------------------------------

GCP_FINDINGS = {
    ("CKV_RES_1", "google_storage_bucket.archive", "main.tf", 5,
     "google_storage_bucket.archive is in us-central1, outside the allowed region europe-west1"),
    ("CKV_RES_1", "google_pubsub_topic.events", "main.tf", 16,
     "google_pubsub_topic.events is in us-east1, outside the allowed region europe-west1"),
    ("CKV_RES_1", "module.central_logs.google_logging_project_bucket_config.this", "modules/log-bucket/main.tf", 13,
     "module.central_logs.google_logging_project_bucket_config.this is in us-east4, outside the allowed region europe-west1"),
    ("CKV_RES_4", "google_logging_project_sink.archive", "main.tf", 32,
     "google_logging_project_sink.archive routes logs to google_storage_bucket.archive "
     "(storage.googleapis.com/audit-archive-${random_id.suffix.hex}): us-central1 is outside europe-west1"),
    ("CKV_RES_4", "google_logging_project_sink.pubsub", "main.tf", 47,
     "google_logging_project_sink.pubsub routes logs to google_pubsub_topic.events "
     "(pubsub.googleapis.com/projects/acme-dataplane-eu/topics/log-events-${random_id.suffix.hex}): us-east1 is "
     "outside europe-west1"),
    ("CKV_RES_4", "google_logging_project_sink.central", "main.tf", 53,
     "google_logging_project_sink.central routes logs to module.central_logs.google_logging_project_bucket_config.this "
     "(logging.googleapis.com/projects/acme-dataplane-eu/locations/us-east4/buckets/central-${random_id.suffix.hex}): "
     "us-east4 is outside europe-west1"),
    ("CKV_RES_6", "google_storage_bucket_iam_member.exporter", "main.tf", 66,
     "google_storage_bucket_iam_member.exporter grants access to google_service_account.exporter "
     "(serviceAccount:${google_service_account.exporter.email}): account acme-analytics-shared is not in the allowed "
     "acme-dataplane-eu"),
}


def test_gcp_sinks_and_members_are_judged_by_the_resource_they_name() -> None:
    # before: no CKV_RES_4 for any sink (the bucket's region was never read; the log bucket's
    # destination was wholly unknown) and no CKV_RES_6 for the service account of another project
    assert findings(scan(GCP)) == GCP_FINDINGS


def test_a_sink_to_a_dataset_in_the_data_plane_region_is_clean_and_says_why() -> None:
    sink = rows(GCP)["google_logging_project_sink.bigquery"].flows[0]
    assert (sink.region.status, sink.region.value, sink.account.value) == ("resolved", "europe-west1", "acme-dataplane-eu")
    assert chain(sink) == [
        "main.tf:38 destination bigquery.googleapis.com/projects/acme-dataplane-eu/datasets/audit_${random_id.suffix.hex} "
        "is google_bigquery_dataset.audit (main.tf:11), located in europe-west1",
        "main.tf:13 google_bigquery_dataset.audit location",
    ]


def test_the_sink_chain_names_the_bucket_and_its_location() -> None:
    sink = rows(GCP)["google_logging_project_sink.archive"].flows[0]
    assert chain(sink) == [
        "main.tf:32 destination storage.googleapis.com/audit-archive-${random_id.suffix.hex} is "
        "google_storage_bucket.archive (main.tf:5), located in us-central1",
        "main.tf:7 google_storage_bucket.archive location",
    ]


def test_a_sink_to_a_log_bucket_in_a_child_module_names_it_in_the_chain() -> None:
    sink = rows(GCP)["google_logging_project_sink.central"].flows[0]
    assert chain(sink)[-1] == (
        "main.tf:53 destination logging.googleapis.com/projects/acme-dataplane-eu/locations/us-east4/buckets/"
        "central-${random_id.suffix.hex} is module.central_logs.google_logging_project_bucket_config.this "
        "(modules/log-bucket/main.tf:13), located in us-east4")


def test_a_member_created_here_is_in_its_service_accounts_project() -> None:
    member = rows(GCP)["google_storage_bucket_iam_member.exporter"]
    assert chain(member.flows[0], "account") == [
        "main.tf:66 google_storage_bucket_iam_member.exporter member is google_service_account.exporter (main.tf:57), "
        "in project acme-analytics-shared",
        "main.tf:58 google_service_account.exporter project",
        "variables.tf:8 var.analytics_project default = acme-analytics-shared",
    ]
    # its parent bucket is named by `google_storage_bucket.archive.name`, built from random_id
    assert (member.parent, member.region.value) == ("google_storage_bucket.archive", "us-central1")


# --- Azure: a parent named through a random suffix ---------------------------------------------

def test_azure_children_find_the_account_their_random_suffixed_name_names() -> None:
    # before: three CKV_RES_2 "its parent random_string.storage_account_suffix is not in the scanned configuration"
    assert findings(scan(AZURE)) == {
        ("CKV_RES_1", "azurerm_storage_account.backup", "main.tf", 20,
         "azurerm_storage_account.backup is in northeurope, outside the allowed region westeurope"),
        ("CKV_RES_1", "module.logs.azurerm_storage_account.this", "modules/storage/main.tf", 13,
         "module.logs.azurerm_storage_account.this is in eastus, outside the allowed region westeurope"),
    }


@pytest.mark.parametrize(("child", "parent", "region", "first_steps"), [
    # by reference to the account, whose name is built from the suffix
    ("azurerm_storage_container.artifacts", "azurerm_storage_account.data", "westeurope",
     ["main.tf:29 azurerm_storage_container.artifacts is inside azurerm_storage_account.data (main.tf:12), named "
      "stdata${random_string.storage_account_suffix.result}", "main.tf:15 azurerm_storage_account.data location",
      "main.tf:9 azurerm_resource_group.data.location"]),
    # a string built the same way as the account's name
    ("azurerm_storage_container.snapshots", "azurerm_storage_account.backup", "northeurope",
     ["main.tf:36 azurerm_storage_container.snapshots is inside azurerm_storage_account.backup (main.tf:20), named "
      "stbackup${random_string.storage_account_suffix.result}", "main.tf:23 azurerm_storage_account.backup location"]),
    # through a module output, the suffix passed in as a module input
    ("azurerm_storage_share.exports", "module.logs.azurerm_storage_account.this", "eastus",
     ["main.tf:49 azurerm_storage_share.exports is inside module.logs.azurerm_storage_account.this "
      "(modules/storage/main.tf:13), named stlogs${random_string.storage_account_suffix.result}",
      "modules/storage/main.tf:16 module.logs.azurerm_storage_account.this location", "main.tf:45 module.logs input location"]),
])
def test_the_child_inherits_the_accounts_location_with_the_parent_in_the_chain(
        child: str, parent: str, region: str, first_steps: list[str]) -> None:
    row = rows(AZURE)[child]
    assert (row.parent, row.region.status, row.region.value) == (parent, "resolved", region)
    assert chain(row)[:len(first_steps)] == first_steps


# --- AWS: a replication destination written with a random_pet ---------------------------------

def test_replication_to_a_bucket_named_with_random_pet_names_that_bucket() -> None:
    # before: one merged "replicates to bucket random_pet.this: destination region unknown" for two
    # rules and "replicates to bucket module.vault.random_id.suffix: destination region unknown"
    assert findings(scan(AWS)) == {
        ("CKV_RES_1", "aws_s3_bucket.replica", "main.tf", 9,
         "aws_s3_bucket.replica is in us-west-2, outside the allowed region eu-west-1"),
        ("CKV_RES_1", "module.archive.aws_s3_bucket.this", "modules/regional-bucket/main.tf", 9,
         "module.archive.aws_s3_bucket.this is in us-east-2, outside the allowed region eu-west-1"),
        ("CKV_RES_4", "aws_s3_bucket_replication_configuration.orders", "main.tf", 54,
         "aws_s3_bucket_replication_configuration.orders replicates to bucket aws_s3_bucket.replica "
         "(arn:aws:s3:::replica-${random_pet.this.id}): us-west-2 is outside eu-west-1"),
        ("CKV_RES_4", "aws_s3_bucket_replication_configuration.orders", "main.tf", 70,
         "aws_s3_bucket_replication_configuration.orders replicates to bucket module.archive.aws_s3_bucket.this "
         "(arn:aws:s3:::archive-${random_pet.this.id}): us-east-2 is outside eu-west-1"),
    }


def test_replication_between_module_buckets_named_through_locals() -> None:
    """terraform-aws-modules/s3-bucket's example shape: locals, module inputs, count, dynamic rules.
    Before: "replicates to bucket random_pet.this: destination region unknown"."""
    assert findings(scan(AWS_MODULES)) == {
        ("CKV_RES_1", "module.replica_bucket.aws_s3_bucket.this[0]", "modules/bucket/main.tf", 15,
         "module.replica_bucket.aws_s3_bucket.this[0] is in eu-central-1, outside the allowed region eu-west-1"),
        ("CKV_RES_4", "module.s3_bucket.aws_s3_bucket_replication_configuration.this[0]", "modules/bucket/main.tf", 31,
         "module.s3_bucket.aws_s3_bucket_replication_configuration.this[0] replicates to bucket "
         "module.replica_bucket.aws_s3_bucket.this[0] (arn:aws:s3:::replica-s3-bucket-${random_pet.this.id}): "
         "eu-central-1 is outside eu-west-1 (2 flows to this destination)"),
    }


def test_the_replica_region_comes_from_its_provider_alias_through_the_module() -> None:
    flows = rows(AWS)["aws_s3_bucket_replication_configuration.orders"].flows
    assert chain(flows[0]) == [
        "main.tf:54 destination arn:aws:s3:::replica-${random_pet.this.id} is aws_s3_bucket.replica (main.tf:9), "
        "located in us-west-2",
        "main.tf:10 aws_s3_bucket.replica provider = aws.replica", "providers.tf:15 provider.aws.replica region"]
    assert chain(flows[1])[1:] == ["main.tf:18 module.archive providers { aws = aws.archive }",
                                   "providers.tf:21 provider.aws.archive region"]
    # the bucket named in a module with the module's own random_id, reached through an output
    assert (flows[2].description, flows[2].region.value) == (
        "replicates to bucket module.vault.aws_s3_bucket.this (arn:aws:s3:::ledger-vault-${module.vault.random_id.suffix.hex})",
        "eu-west-1")


def test_two_buckets_named_the_same_way_link_neither(tmp_path: Path) -> None:
    """An ambiguous name template is no proof of the destination: the flow stays unknown."""
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "random_pet" "this" {}\n'
        'resource "aws_s3_bucket" "a" {\n  bucket = "dup-${random_pet.this.id}"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "dup-${random_pet.this.id}"\n}\n'
        'resource "aws_s3_bucket_replication_configuration" "r" {\n  role   = "arn:aws:iam::111122223333:role/r"\n'
        '  bucket = aws_s3_bucket.a.id\n  rule {\n    status = "Enabled"\n    destination {\n'
        '      bucket = "arn:aws:s3:::dup-${random_pet.this.id}"\n    }\n  }\n}\n')
    flow = rows(tmp_path)["aws_s3_bucket_replication_configuration.r"].flows[0]
    assert flow.region.status == "unknown"
    assert flow.description == "replicates to bucket arn:aws:s3:::dup-${random_pet.this.id}"


def test_a_member_from_a_child_modules_output_is_in_that_service_accounts_project(tmp_path: Path) -> None:
    (tmp_path / "modules" / "sa").mkdir(parents=True)
    (tmp_path / "main.tf").write_text(
        'provider "google" {\n  project = "acme-dataplane-eu"\n  region  = "europe-west1"\n}\n'
        'module "reader" {\n  source  = "./modules/sa"\n  project = "acme-partner"\n}\n'
        'resource "google_storage_bucket" "data" {\n  name     = "acme-data"\n  location = "europe-west1"\n}\n'
        'resource "google_storage_bucket_iam_binding" "readers" {\n  bucket  = google_storage_bucket.data.name\n'
        '  role    = "roles/storage.objectViewer"\n  members = ["serviceAccount:${module.reader.email}"]\n}\n')
    (tmp_path / "modules" / "sa" / "main.tf").write_text(
        'variable "project" {}\nresource "google_service_account" "this" {\n  project    = var.project\n'
        '  account_id = "reader"\n}\noutput "email" {\n  value = google_service_account.this.email\n}\n')
    flow = rows(tmp_path)["google_storage_bucket_iam_binding.readers"].flows[0]
    assert (flow.description, flow.account.status, flow.account.value, flow.line) == (
        "grants access to module.reader.google_service_account.this "
        "(serviceAccount:${module.reader.google_service_account.this.email})", "resolved", "acme-partner", 16)
    assert chain(flow, "account")[0] == (
        "main.tf:16 google_storage_bucket_iam_binding.readers member is module.reader.google_service_account.this "
        "(modules/sa/main.tf:2), in project acme-partner")


def test_a_parent_named_by_a_function_of_the_suffix_is_the_one_of_the_parent_type(tmp_path: Path) -> None:
    """`lower("st${random_string.s.result}")` and a key vault's `format("kv%s", ...)` are both one hole:
    the container's `storage_account_name` names the storage account, the type its attribute names."""
    (tmp_path / "main.tf").write_text(
        'provider "azurerm" {\n  features {}\n  subscription_id = "00000000-1111-2222-3333-444444444444"\n}\n'
        'resource "random_string" "s" {\n  length = 6\n}\n'
        'resource "azurerm_storage_account" "a" {\n  name = lower("st${random_string.s.result}")\n'
        '  resource_group_name = "rg"\n  location = "northeurope"\n  account_tier = "Standard"\n'
        '  account_replication_type = "LRS"\n}\n'
        'resource "azurerm_key_vault" "kv" {\n  name = format("kv%s", random_string.s.result)\n'
        '  resource_group_name = "rg"\n  location = "westeurope"\n'
        '  tenant_id = "00000000-1111-2222-3333-444444444444"\n  sku_name = "standard"\n}\n'
        'resource "azurerm_storage_container" "c" {\n  name = "c"\n'
        '  storage_account_name = azurerm_storage_account.a.name\n}\n')
    container = rows(tmp_path)["azurerm_storage_container.c"]
    assert (container.parent, container.region.value) == ("azurerm_storage_account.a", "northeurope")
