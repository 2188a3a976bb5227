"""Forms of large GCP estates (YAML factories, override files, children inside parents known
only through an unknown for_each), each reproduced by a small fixture of fabric_like_*."""

from __future__ import annotations

from analyzer.policy import Policy
from analyzer.scan import ScanOptions, build_inventory, run_scan
from tests.conftest import FIXTURES

FACTORY = FIXTURES / "terraform" / "fabric_like_factory"
UNKNOWN_PARENT = FIXTURES / "terraform" / "fabric_like_unknown_parent"


def _rows(folder):  # type: ignore[no-untyped-def]
    inventory, _, _ = build_inventory([folder], ScanOptions(env={}))
    return inventory


def test_override_of_an_undeclared_default_provider_is_the_configuration() -> None:
    # Terraform merges it into the implied empty configuration; only an aliased one needs a base
    report = run_scan([FACTORY], Policy(region="europe-west4", accounts=["acme-data-prod"]), ScanOptions(env={}))
    assert report.errors == []
    assert [(p.address, p.file, p.line, p.implicit, p.account.value, p.region.value)
            for p in report.providers] == [
        ("provider.google", "providers_override.tf", 3, False, "acme-data-prod", "europe-west4")]
    assert [(f.rule_id, f.address, f.file, f.line) for f in report.findings] == [
        ("CKV_RES_1", 'module.bucket["logs"].google_storage_bucket.this', "modules/bucket/main.tf", 14)]


def test_factory_rows_and_the_yaml_files_their_values_came_from() -> None:
    inventory = _rows(FACTORY)
    assert [(r.address, r.region.status, r.region.value, r.account.value, r.file, r.line) for r in inventory.rows] == [
        ('module.bucket["exports"].google_storage_bucket.this', "resolved", "europe-west4", "acme-data-prod",
         "modules/bucket/main.tf", 14),
        ('module.bucket["logs"].google_storage_bucket.this', "resolved", "europe-west1", "acme-data-prod",
         "modules/bucket/main.tf", 14),
        ('module.bucket["exports"].google_storage_bucket_iam_binding.readers[0]', "resolved", "europe-west4",
         "acme-data-prod", "modules/bucket/main.tf", 20),
    ]
    assert [e.render() for e in inventory.rows[0].region.evidence] == [
        'modules/bucket/main.tf:16 module.bucket["exports"].google_storage_bucket.this location',
        'main.tf:19 module.bucket["exports"] input location',
        "main.tf:17 module.bucket for_each",
        "main.tf:6 local.buckets",
        "main.tf:5 local.defaults",
        "data/defaults.yaml:1 read by file()",
        "data/buckets/exports.yaml:1 read by file()",
        "data/buckets/logs.yaml:1 read by file()",
    ]


def test_a_gcp_child_with_no_location_of_its_own_is_where_its_parent_is() -> None:
    binding = _rows(FACTORY).rows[2]
    assert binding.parent == 'module.bucket["exports"].google_storage_bucket.this'
    assert binding.region.evidence[0].render() == (
        'modules/bucket/main.tf:20 module.bucket["exports"].google_storage_bucket_iam_binding.readers[0] is inside '
        'module.bucket["exports"].google_storage_bucket.this')


def test_children_link_to_parents_whose_instances_are_unknown() -> None:
    # dataset_id is var.id of an unknown for_each: still google_bigquery_dataset.this's attribute
    inventory = _rows(UNKNOWN_PARENT)
    assert [(r.address, r.parent, r.region.status, r.region.value, r.account.value) for r in inventory.rows][3:] == [
        ("module.dataset[*].google_bigquery_dataset.this", None, "resolved", "europe-west3", "acme-analytics"),
        ("module.dataset[*].google_bigquery_table.this[*]", "module.dataset[*].google_bigquery_dataset.this",
         "resolved", "europe-west3", "acme-analytics"),
        ("module.dataset[*].google_secret_manager_secret.key", None, "resolved", "europe-west3", "acme-analytics"),
        ("module.dataset[*].google_secret_manager_secret_version.key", "module.dataset[*].google_secret_manager_secret.key",
         "resolved", "europe-west3", "acme-analytics"),
    ]


def test_unknown_instances_stay_visible_once_per_block_and_an_unknown_parent_says_why() -> None:
    report = run_scan([UNKNOWN_PARENT], Policy(region="europe-west3", accounts=["acme-analytics"]), ScanOptions(env={}))
    assert [(f.rule_id, f.address, f.file, f.line) for f in report.findings if f.rule_id != "CKV_RES_3"] == [
        ("CKV_RES_9", "module.dataset[*]", "main.tf", 12),
        ("CKV_RES_2", "google_secret_manager_secret_version.pinned[*]", "main.tf", 30),
        ("CKV_RES_9", "google_secret_manager_secret_version.pinned[*]", "main.tf", 31),
        ("CKV_RES_9", "module.dataset[*].google_bigquery_table.this[*]", "modules/dataset/main.tf", 15),
    ]
    messages = {(f.rule_id, f.address): f.message for f in report.findings}
    assert messages[("CKV_RES_9", "module.dataset[*]")].startswith(
        "for_each of module.dataset is not known statically: var.datasets has no default and is not set")
    # which of the two secrets a version goes in depends on each.value: the parent is unknown, and says so
    assert messages[("CKV_RES_2", "google_secret_manager_secret_version.pinned[*]")] == (
        "region of google_secret_manager_secret_version.pinned[*] cannot be resolved statically: inherits its "
        "parent's location, and which one it is (secret) is not known statically: for_each of "
        "google_secret_manager_secret_version.pinned is not known statically: var.versions has no default and is "
        "not set (set it with --var, a .tfvars file or TF_VAR_versions)")


def test_data_storing_types_of_large_gcp_estates_are_placed() -> None:
    report = run_scan([FIXTURES / "terraform" / "fabric_like_catalog"], Policy(region="europe-west4",
                      accounts=["acme-dp-prod"]), ScanOptions(env={}))
    assert [(r.address, r.kind, r.region.status, r.region.value, r.account.value, r.line, r.parent)
            for r in report.inventory] == [
        ("google_managed_kafka_cluster.events", "queue", "resolved", "europe-west4", "acme-dp-prod", 6, None),
        ("google_managed_kafka_topic.orders", "queue", "resolved", "europe-west4", "acme-dp-prod", 22, None),
        ("google_secret_manager_regional_secret.api", "secret_store", "resolved", "europe-west4", "acme-dp-prod", 30, None),
        ("google_secret_manager_regional_secret_version.api", "secret_store", "resolved", "europe-west4",
         "acme-dp-prod", 35, "google_secret_manager_regional_secret.api"),
        ("google_looker_instance.bi", "database", "resolved", "europe-west4", "acme-dp-prod", 40, None),
        ("google_data_fusion_instance.etl", "cluster", "resolved", "europe-west4", "acme-dp-prod", 46, None),
        ("google_vertex_ai_reasoning_engine.agent", "cluster", "resolved", "europe-west4", "acme-dp-prod", 52, None),
        ("google_bigquery_analytics_hub_data_exchange.shared", "database", "multi", "EU", "acme-dp-prod", 58, None),
        ("google_biglake_catalog.lake", "database", "resolved", "europe-west4", "acme-dp-prod", 64, None),
        ("google_dataplex_lake.governed", "database", "resolved", "europe-west4", "acme-dp-prod", 69, None),
        ("google_workstations_workstation_cluster.dev", "cluster", "resolved", "europe-west4", "acme-dp-prod", 74, None),
    ]
    assert [(f.rule_id, f.address, f.line, f.message) for f in report.findings] == [
        ("CKV_RES_3", "google_bigquery_analytics_hub_data_exchange.shared", 58,
         "google_bigquery_analytics_hub_data_exchange.shared is not pinned to one region: location EU is a "
         "multi-region or dual-region")]


def test_templatestring_renders_a_template_held_in_yaml_with_its_vars() -> None:
    report = run_scan([FIXTURES / "terraform" / "fabric_like_templatestring"],
                      Policy(region="europe-west3", accounts=["acme-data-prod"]), ScanOptions(env={}))
    assert [(r.address, r.region.status, r.region.value, r.line) for r in report.inventory] == [
        ('google_storage_bucket.factory["archive"]', "resolved", "europe-west3", 15),
        ('google_storage_bucket.factory["exports"]', "resolved", "europe-west4", 15),
        ("google_storage_bucket.inline", "unknown", None, 22),
        ("google_storage_bucket.no_vars", "unknown", None, 28),
    ]
    assert [e.render() for e in report.inventory[0].region.evidence] == [
        'main.tf:18 google_storage_bucket.factory["archive"] location',
        "main.tf:16 google_storage_bucket.factory for_each",
        "main.tf:12 local.buckets",
        "data/buckets.yaml:1 read by file()",
        "main.tf:6 local.context",
    ]
    assert [(f.rule_id, f.address, f.line, f.message) for f in report.findings] == [
        ("CKV_RES_1", 'google_storage_bucket.factory["exports"]', 15,
         'google_storage_bucket.factory["exports"] is in europe-west4, outside the allowed region europe-west3'),
        ("CKV_RES_2", "google_storage_bucket.inline", 22,
         "region of google_storage_bucket.inline cannot be resolved statically: Invalid function argument: "
         "templatestring: Invalid value for \"template\" parameter: templatestring is only for rendering templates "
         "retrieved dynamically from elsewhere"),
        ("CKV_RES_2", "google_storage_bucket.no_vars", 28,
         "region of google_storage_bucket.no_vars cannot be resolved statically: Invalid function argument: "
         "templatestring: Invalid value for \"vars\" parameter: vars map does not contain key \"locations\""),
    ]
