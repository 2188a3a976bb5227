"""The residency inventory of `terraform show -json` plans (fixtures/plan/*/plan.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.models import Inventory, InventoryRow
from analyzer.plan import scan_plan
from analyzer.plan.inventory import exists_after_apply, merge_unknown, module_path
from analyzer.values import Unknown

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "plan"


def _scan(name: str) -> Inventory:
    return scan_plan(FIXTURES / name / "plan.json", f"{name}/plan.json")


def _rows(inventory: Inventory) -> dict[str, InventoryRow]:
    return {r.address: r for r in inventory.rows}


def _placements(inventory: Inventory) -> dict[str, tuple]:
    return {r.address: (r.region.value, r.region.status, r.account.value, r.account.status) for r in inventory.rows}


# --- AWS (provider 5: region from the provider configuration) ---------------------------

def test_aws_rows_regions_and_accounts() -> None:
    inventory = _scan("aws")
    assert inventory.errors == []
    assert _placements(inventory) == {
        'aws_s3_bucket.b["data"]': ("eu-central-1", "resolved", "111111111111", "resolved"),
        'aws_s3_bucket.b["logs"]': ("eu-central-1", "resolved", "111111111111", "resolved"),
        "aws_s3_bucket.replica": ("eu-west-1", "resolved", "222222222222", "resolved"),
        "aws_s3_bucket_replication_configuration.r": ("eu-central-1", "resolved", "111111111111", "resolved"),
        "aws_secretsmanager_secret.s": ("eu-central-1", "resolved", "111111111111", "resolved"),
        "aws_ecr_replication_configuration.e": ("eu-central-1", "resolved", "111111111111", "resolved"),
        "aws_kms_key.k": ("eu-central-1", "resolved", "111111111111", "resolved"),
        "aws_sqs_queue.q": ("us-east-1", "resolved", None, "unknown"),  # replaced: exists after apply
        "aws_eks_cluster.c": ("eu-central-1", "resolved", "111111111111", "resolved"),
        "module.dr[0].aws_s3_bucket.x": ("eu-west-1", "resolved", "222222222222", "resolved"),
        "module.regional.aws_cloudwatch_log_group.lg": ("eu-west-1", "resolved", "555555555555", "resolved"),
        "module.regional.module.inner.aws_sqs_queue.q": ("eu-west-1", "resolved", "555555555555", "resolved"),
    }


def test_aws_deleted_and_data_sources_are_not_rows() -> None:
    rows = _rows(_scan("aws"))
    assert "aws_sqs_queue.old" not in rows  # delete only
    assert not any(a.startswith("data.") for a in rows)


def test_aws_kinds_providers_names_and_files() -> None:
    rows = _rows(_scan("aws"))
    data = rows['aws_s3_bucket.b["data"]']
    assert (data.type, data.kind, data.cloud, data.name, data.provider) == ("aws_s3_bucket", "bucket", "aws", "acme-data", "provider.aws")
    assert (data.file, data.root) == ("aws/plan.json", "aws/plan.json")
    assert data.line > 0
    assert rows["module.dr[0].aws_s3_bucket.x"].provider == "provider.aws.dr"
    assert rows["module.regional.aws_cloudwatch_log_group.lg"].provider == "module.regional.provider.aws"
    assert rows["aws_s3_bucket_replication_configuration.r"].kind == "replication"


def test_aws_evidence_root_variable() -> None:
    row = _rows(_scan("aws"))['aws_s3_bucket.b["logs"]']
    assert [e.note for e in row.region.evidence] == [
        'aws_s3_bucket.b["logs"] uses provider_config["aws"]',
        'configuration.provider_config["aws"].expressions.region \u2190 var.region',
        'variables.region = "eu-central-1"',
    ]
    assert all(e.file == "aws/plan.json" for e in row.region.evidence)
    assert [e.note for e in row.account.evidence][1] == 'configuration.provider_config["aws"].expressions.allowed_account_ids'


def test_aws_evidence_module_variable_chain() -> None:
    row = _rows(_scan("aws"))["module.regional.aws_cloudwatch_log_group.lg"]
    assert [e.note for e in row.region.evidence] == [
        'module.regional.aws_cloudwatch_log_group.lg uses provider_config["module.regional:aws"]',
        'configuration.provider_config["module.regional:aws"].expressions.region \u2190 var.region',
        'configuration.root_module.module_calls["regional"].expressions.region \u2190 var.dr_region',
        'variables.dr_region = "eu-west-1"',
    ]
    assert [e.note for e in row.account.evidence][-1] == (
        'configuration.root_module.module_calls["regional"].module.variables.account_ids.default = ["555555555555"]')


def test_aws_own_region_value_and_assume_role_account() -> None:
    row = _rows(_scan("aws"))["aws_s3_bucket.replica"]
    # the same placement code as HCL: the resource's own argument, read from change.after
    assert [(e.file, e.note) for e in row.region.evidence] == [("aws/plan.json", "aws_s3_bucket.replica region")]
    assert [e.note for e in row.account.evidence][-1] == 'configuration.provider_config["aws.dr"].expressions.assume_role[0].role_arn'


def test_aws_account_from_a_known_arn() -> None:
    row = _rows(_scan("aws"))["aws_eks_cluster.c"]
    assert [e.note for e in row.account.evidence] == ['aws_eks_cluster.c uses provider_config["aws"]', "aws_eks_cluster.c.arn"]


def test_aws_unpinned_provider_account_reason() -> None:
    row = _rows(_scan("aws"))["aws_sqs_queue.q"]
    assert row.account.reason == ("provider aws.us sets no account; it comes from the environment at apply time "
                                  "(set allowed_account_ids or assume_role.role_arn on the provider)")


def test_aws_multi_region_kms_key() -> None:
    rows = _rows(_scan("aws"))
    assert rows["aws_kms_key.k"].multi_region == "multi_region = true (a multi-Region primary key that can be replicated to other regions)"
    assert rows['aws_s3_bucket.b["data"]'].multi_region is None


def test_aws_flows() -> None:
    rows = _rows(_scan("aws"))
    (s3,) = rows["aws_s3_bucket_replication_configuration.r"].flows
    assert (s3.kind, s3.description) == ("replication", "replicates to bucket arn:aws:s3:::acme-replica")
    # the destination bucket is in the plan: its placement is the flow's
    assert (s3.region.value, s3.region.status, s3.account.value) == ("eu-west-1", "resolved", "222222222222")
    assert s3.region.evidence[0].note == "destination is aws_s3_bucket.replica"
    (secret,) = rows["aws_secretsmanager_secret.s"].flows
    assert (secret.kind, secret.region.value, secret.region.status) == ("replica", "us-east-1", "resolved")
    assert secret.region.evidence[0].note == "aws_secretsmanager_secret.s replica.region"
    (ecr,) = rows["aws_ecr_replication_configuration.e"].flows
    assert (ecr.kind, ecr.region.value, ecr.account.value, ecr.account.status) == ("replication", "eu-west-1", "333333333333", "resolved")


def test_aws_provider_placements() -> None:
    providers = {p.address: p for p in _scan("aws").providers}
    assert {a: (p.region.value, p.account.value, p.account.status, p.pinned, p.allowed_accounts) for a, p in providers.items()} == {
        "provider.aws": ("eu-central-1", "111111111111", "resolved", True, ["111111111111"]),
        "provider.aws.dr": ("eu-west-1", "222222222222", "resolved", True, []),
        "provider.aws.us": ("us-east-1", None, "unknown", False, []),
        "module.regional.provider.aws": ("eu-west-1", "555555555555", "resolved", True, ["555555555555"]),
    }
    assert all(p.cloud == "aws" and p.file == "aws/plan.json" and p.line > 0 and not p.implicit for p in providers.values())


# --- AWS provider 6: per-resource region --------------------------------------------------

def test_aws_v6_resource_region_and_unknowns() -> None:
    inventory = _scan("aws_v6")
    assert inventory.errors == []
    assert {a: (v, s) for a, (v, s, _, _) in _placements(inventory).items()} == {
        "aws_s3_bucket.eu": ("eu-north-1", "resolved"),  # the resource's own region wins
        "aws_s3_bucket.plain": ("eu-central-1", "resolved"),
        "aws_cloudwatch_log_group.computed": (None, "unknown"),  # configured, known after apply
        "aws_sqs_queue.fallback": ("eu-central-1", "resolved"),  # unknown but not configured: the provider's
        "aws_sqs_queue.n[0]": ("eu-central-1", "resolved"),
        "aws_sqs_queue.n[1]": ("eu-central-1", "resolved"),  # create-before-destroy replace
        "aws_sqs_queue.w": (None, "unknown"),
    }
    rows = _rows(inventory)
    assert rows["aws_cloudwatch_log_group.computed"].region.reason == "aws_cloudwatch_log_group.computed.region is known only after apply"
    assert rows["aws_sqs_queue.w"].region.reason == (
        'configuration.provider_config["aws.weird"].expressions.region is local.region, which the plan JSON does not evaluate')
    assert rows["aws_sqs_queue.fallback"].region.evidence[-1].note == 'variables.region = "eu-central-1"'
    assert "aws_s3_bucket.gone" not in rows


# --- GCP ------------------------------------------------------------------------------------

def test_gcp_rows() -> None:
    inventory = _scan("gcp")
    assert inventory.errors == []
    assert _placements(inventory) == {
        "google_storage_bucket.eu": ("EU", "multi", "acme-eu", "resolved"),
        "google_storage_bucket.regional": ("europe-west3", "resolved", "acme-eu", "resolved"),
        "google_container_cluster.gke": ("europe-west1", "resolved", "acme-eu", "resolved"),  # zone folded
        "google_sql_database_instance.db": ("europe-west1", "resolved", "acme-eu", "resolved"),  # provider region
        "google_artifact_registry_repository.other": ("europe-west1", "resolved", "other-project", "resolved"),
        "google_kms_key_ring.ring": ("europe-west4", "resolved", "acme-eu", "resolved"),
        "google_kms_crypto_key.key": ("europe-west4", "resolved", "acme-eu", "resolved"),  # its key ring's
    }
    rows = _rows(inventory)
    assert rows["google_storage_bucket.eu"].multi_region == "location EU is a multi-region or dual-region"
    assert rows["google_kms_crypto_key.key"].parent == "google_kms_key_ring.ring"
    assert rows["google_kms_crypto_key.key"].region.evidence[0].note == "google_kms_crypto_key.key is inside google_kms_key_ring.ring"
    assert rows["google_sql_database_instance.db"].region.evidence[-1].note == (
        'configuration.provider_config["google"].expressions.region')
    (provider,) = inventory.providers
    assert (provider.address, provider.cloud, provider.region.value, provider.account.value, provider.pinned) == (
        "provider.google", "gcp", "europe-west1", "acme-eu", True)


# --- Azure ------------------------------------------------------------------------------------

SUB = "00000000-0000-0000-0000-000000000001"


def test_azure_rows() -> None:
    inventory = _scan("azure")
    assert inventory.errors == []
    assert _placements(inventory) == {
        "azurerm_storage_account.sa": ("westeurope", "resolved", SUB, "resolved"),
        "azurerm_storage_container.c": ("westeurope", "resolved", SUB, "resolved"),
        "azurerm_key_vault.kv": ("northeurope", "resolved", "00000000-0000-0000-0000-000000000002", "resolved"),
        "azurerm_container_registry.acr": ("westeurope", "resolved", SUB, "resolved"),  # "West Europe" normalised
    }
    rows = _rows(inventory)
    assert rows["azurerm_storage_account.sa"].multi_region == "account_replication_type = GRS: data is copied to the paired region"
    assert rows["azurerm_storage_container.c"].parent == "azurerm_storage_account.sa"
    (geo,) = rows["azurerm_container_registry.acr"].flows
    assert (geo.kind, geo.region.value, geo.description) == ("replica", "eastus", "georeplications in East US")
    assert [e.note for e in rows["azurerm_storage_account.sa"].account.evidence][-1] == (
        f'variables.subscription_id = "{SUB}"')
    (provider,) = inventory.providers
    assert (provider.address, provider.region.status, provider.account.value, provider.pinned) == ("provider.azurerm", "none", SUB, True)


# --- edge cases on small plans -----------------------------------------------------------------

def _plan(tmp_path: Path, changes: list, provider_config: dict, root_module: dict, variables: dict | None = None) -> Inventory:
    doc = {"format_version": "1.2", "terraform_version": "1.9.8", "variables": variables or {},
           "planned_values": {"root_module": {}}, "resource_changes": changes,
           "configuration": {"provider_config": provider_config, "root_module": root_module}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    return scan_plan(path, "plan.json")


def _change(address: str, type_: str, name: str, after: dict, unknown: dict | None = None, module_address: str | None = None,
            actions: list | None = None) -> dict:
    out = {"address": address, "mode": "managed", "type": type_, "name": name,
           "provider_name": "registry.terraform.io/hashicorp/aws",
           "change": {"actions": actions or ["create"], "before": None, "after": after, "after_unknown": unknown or {}}}
    if module_address:
        out["module_address"] = module_address
    return out


AWS = {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}


def test_legacy_module_provider_key(tmp_path: Path) -> None:
    """Terraform 0.12-era plans key module providers by call name ("m:aws")."""
    inventory = _plan(
        tmp_path,
        [_change("module.m.aws_sqs_queue.q", "aws_sqs_queue", "q", {"name": "q"}, module_address="module.m")],
        {"aws": {**AWS, "expressions": {"region": {"constant_value": "us-east-1"}}},
         "module.m:aws": {**AWS, "module_address": "module.m", "expressions": {"region": {"constant_value": "eu-west-3"}}}},
        {"module_calls": {"m": {"source": "./m", "module": {"resources": [
            {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider_config_key": "m:aws"}]}}}},
    )
    (row,) = inventory.rows
    assert (row.region.value, row.provider) == ("eu-west-3", "module.m.provider.aws")


def test_provider_key_missing_from_map_is_inherited(tmp_path: Path) -> None:
    inventory = _plan(
        tmp_path,
        [_change('module.a["x"].module.b[2].aws_sqs_queue.q', "aws_sqs_queue", "q", {"name": "q"}, module_address='module.a["x"].module.b[2]')],
        {"aws": {**AWS, "expressions": {"region": {"constant_value": "eu-south-1"}}}},
        {"module_calls": {"a": {"module": {"module_calls": {"b": {"module": {"resources": [
            {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q",
             "provider_config_key": "module.a.module.b:aws"}]}}}}}}},
    )
    (row,) = inventory.rows
    assert (row.address, row.region.value, row.region.status) == ('module.a["x"].module.b[2].aws_sqs_queue.q', "eu-south-1", "resolved")


def test_unset_variable_and_unknown_account(tmp_path: Path) -> None:
    inventory = _plan(
        tmp_path,
        [_change("aws_sqs_queue.q", "aws_sqs_queue", "q", {"name": "q"})],
        {"aws": {**AWS, "expressions": {"region": {"references": ["var.region"]},
                                         "assume_role": [{"role_arn": {"references": ["aws_iam_role.r.arn", "aws_iam_role.r"]}}]}}},
        {"resources": [{"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider_config_key": "aws"}]},
    )
    (row,) = inventory.rows
    assert (row.region.status, row.region.reason) == ("unknown", "variables.region has no value in the plan")
    # the one provider rule (analyzer/placements.py), as for HCL: the role ARN's reason, wrapped
    assert (row.account.status, row.account.reason) == (
        "unknown", 'cannot read an account from assume_role.role_arn ((unknown: configuration.provider_config["aws"].expressions'
                   '.assume_role[0].role_arn is aws_iam_role.r.arn, aws_iam_role.r, which the plan JSON does not evaluate))')
    (provider,) = inventory.providers
    assert provider.pinned  # pinned by configuration even though the plan cannot show the account


def test_multi_region_gcs_custom_placement_and_unknown_location(tmp_path: Path) -> None:
    google = {"name": "google", "full_name": "registry.terraform.io/hashicorp/google",
              "expressions": {"project": {"constant_value": "p-eu"}, "region": {"constant_value": "europe-west1"}}}
    res = [{"address": f"google_storage_bucket.{n}", "mode": "managed", "type": "google_storage_bucket", "name": n,
            "provider_config_key": "google", "expressions": {"location": {"references": ["var.loc"]}}} for n in ("dual", "unk")]
    inventory = _plan(
        tmp_path,
        [_change("google_storage_bucket.dual", "google_storage_bucket", "dual",
                 {"name": "d", "location": "EU", "custom_placement_config": [{"data_locations": ["EUROPE-WEST1", "EUROPE-WEST4"]}]}),
         _change("google_storage_bucket.unk", "google_storage_bucket", "unk", {"name": "u"}, {"location": True})],
        {"google": google}, {"resources": res},
    )
    rows = _rows(inventory)
    assert rows["google_storage_bucket.dual"].multi_region == "custom dual-region placement across EUROPE-WEST1, EUROPE-WEST4"
    assert (rows["google_storage_bucket.unk"].region.status, rows["google_storage_bucket.unk"].region.reason) == (
        "unknown", "google_storage_bucket.unk.location is known only after apply")


def test_unknown_replication_destination(tmp_path: Path) -> None:
    inventory = _plan(
        tmp_path,
        [_change("aws_s3_bucket_replication_configuration.r", "aws_s3_bucket_replication_configuration", "r",
                 {"rule": [{"destination": [{"account": None}]}]}, {"rule": [{"destination": [{"bucket": True}]}]})],
        {"aws": {**AWS, "expressions": {"region": {"constant_value": "eu-west-1"}}}},
        {"resources": [{"address": "aws_s3_bucket_replication_configuration.r", "mode": "managed",
                        "type": "aws_s3_bucket_replication_configuration", "name": "r", "provider_config_key": "aws"}]},
    )
    (flow,) = inventory.rows[0].flows
    assert (flow.region.status, flow.region.reason) == (
        "unknown", "aws_s3_bucket_replication_configuration.r.rule[0].destination[0].bucket is known only after apply")


def test_state_json_rows(tmp_path: Path) -> None:
    doc = {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {
        "resources": [{"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
                       "values": {"bucket": "b", "region": "eu-west-1", "arn": "arn:aws:s3:::b"}}],
        "child_modules": [{"address": "module.m", "resources": [
            {"address": "module.m.aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q",
             "values": {"name": "q", "arn": "arn:aws:sqs:eu-west-1:111111111111:q"}}]}]}}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(doc))
    assert _placements(scan_plan(path, "state.json")) == {
        "aws_s3_bucket.b": ("eu-west-1", "resolved", None, "unknown"),
        "module.m.aws_sqs_queue.q": ("eu-west-1", "resolved", "111111111111", "resolved"),  # from its ARN
    }


@pytest.mark.parametrize(("actions", "exists"), [
    (["create"], True), (["update"], True), (["no-op"], True), (["delete", "create"], True), (["create", "delete"], True),
    (["delete"], False), (["read"], False), (["forget"], False), (None, False),
])
def test_exists_after_apply(actions: list | None, exists: bool) -> None:
    assert exists_after_apply(actions) is exists


def test_module_path_and_merge_unknown() -> None:
    assert module_path('module.a["x.y]"].module.b[0]') == ("a", "b")
    assert module_path("") == ()
    merged = merge_unknown({"a": 1, "l": [{"x": 1}]}, {"b": True, "l": [{"y": True}, True]}, "r")
    assert merged["a"] == 1 and isinstance(merged["b"], Unknown)
    assert merged["l"][0]["x"] == 1 and isinstance(merged["l"][0]["y"], Unknown) and isinstance(merged["l"][1], Unknown)


def test_implicit_provider(tmp_path: Path) -> None:
    """No provider block anywhere: the resource's key names nothing in provider_config."""
    inventory = _plan(
        tmp_path,
        [_change("aws_sqs_queue.q", "aws_sqs_queue", "q", {"name": "q"}),
         _change("module.m.aws_sqs_queue.q", "aws_sqs_queue", "q", {"name": "q"}, module_address="module.m")],
        {},
        {"resources": [{"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider_config_key": "aws"}],
         "module_calls": {"m": {"module": {"resources": [
             {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider_config_key": "module.m:aws"}]}}}},
    )
    assert {r.address: (r.region.status, r.region.reason, r.provider) for r in inventory.rows} == {
        "aws_sqs_queue.q": ("unknown", "implicit provider aws (no provider block) sets no region; it comes from the environment at apply time",
                            "provider.aws"),
        "module.m.aws_sqs_queue.q": ("unknown", "implicit provider aws (no provider block) sets no region; it comes from the environment at apply time",
                                     "provider.aws"),
    }
    (provider,) = inventory.providers
    assert (provider.address, provider.implicit, provider.pinned, provider.account.status) == ("provider.aws", True, False, "unknown")
