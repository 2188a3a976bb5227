"""A plan alone states every fact its Terraform proves: paired fixtures (main.tf and the plan.json
`terraform show -json` prints for it, fixtures/plan_parity/<case>) read through the one
extraction layer, compared fact by fact and finding by finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from analyzer.models import Evidence, InventoryRow, Placement
from analyzer.plan import scan_plan
from analyzer.policy import load_policy
from analyzer.rows import Pending, link
from analyzer.scan import ScanOptions, build_inventory, run_scan
from tests.conftest import FIXTURES

PARITY = FIXTURES / "plan_parity"
CASES = sorted(p.name for p in PARITY.iterdir() if (p / "plan.json").is_file())


def _alone(case: str, name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name.split(".")[0]
    folder.mkdir()
    for file in (name, "residency.yaml"):
        shutil.copy(PARITY / case / file, folder / file)
    return folder


def _hcl_rows(case: str, tmp_path: Path) -> dict[str, InventoryRow]:
    inventory, _, _ = build_inventory([_alone(case, "main.tf", tmp_path)], ScanOptions(env={}))
    assert inventory.errors == []
    return {row.address: row for row in inventory.rows}


def _plan_rows(case: str) -> dict[str, InventoryRow]:
    inventory = scan_plan(PARITY / case / "plan.json", "plan.json")
    assert inventory.errors == []
    return {row.address: row for row in inventory.rows}


def _placement(placement: Placement) -> tuple[str, str | None] | None:
    """What a placement proves; None when it proves nothing (unknown)."""
    return None if placement.status == "unknown" else (placement.status, placement.value)


def _facts(row: InventoryRow) -> dict[str, Any]:
    return {
        "region": _placement(row.region), "account": _placement(row.account), "multi_region": row.multi_region,
        "name": row.name, "parent": row.parent, "images": set(row.images), "endpoints": set(row.endpoints),
        "flows": {(f.kind, _placement(f.region), _placement(f.account)) for f in row.flows},
    }


@pytest.mark.parametrize("case", CASES)
def test_the_plan_alone_resolves_every_fact_the_hcl_resolves(case: str, tmp_path: Path) -> None:
    hcl, plan = _hcl_rows(case, tmp_path), _plan_rows(case)
    assert sorted(plan) == sorted(hcl)
    for address, row in hcl.items():
        want, got = _facts(row), _facts(plan[address])
        for fact in ("region", "account", "multi_region", "name", "parent"):
            if want[fact] is not None:  # the plan may know more, never less or otherwise
                assert got[fact] == want[fact], f"{address} {fact}"
        for fact in ("images", "endpoints", "flows"):
            assert want[fact] <= got[fact], f"{address} {fact}"


def _findings(folder: Path, policy: Path) -> set[tuple[str, str]]:
    report = run_scan([folder], load_policy(policy), ScanOptions(env={}))
    return {(f.rule_id, f.address) for f in report.active_findings()}


@pytest.mark.parametrize("case", CASES)
def test_alone_or_beside_its_hcl_the_plan_gives_at_least_the_hcl_findings(case: str, tmp_path: Path) -> None:
    policy = PARITY / case / "residency.yaml"
    hcl = _findings(_alone(case, "main.tf", tmp_path), policy)
    assert hcl, "each case proves at least one finding"
    assert _findings(_alone(case, "plan.json", tmp_path), policy) >= hcl
    assert _findings(PARITY / case, policy) >= hcl


def test_aws_plan_alone_states_images_endpoints_grants_replicas_and_the_chained_role() -> None:
    rows = _plan_rows("aws_dataplane")
    assert rows["aws_ecs_task_definition.worker"].images == ["docker.io/library/python:3.12-slim"]
    helm = rows["helm_release.operator"]
    assert (helm.images, helm.endpoints) == (["ghcr.io/acme/operator:1.4.0"], ["dns:///acme.us-east-2.union.ai"])
    [grant] = rows["aws_s3_bucket_policy.data"].flows
    assert (grant.kind, grant.account.value, grant.description) == (
        "grant", "444455556666", "policy grants access to arn:aws:iam::444455556666:root")
    [kms] = rows["aws_kms_grant.partner"].flows
    assert (kms.kind, kms.account.value) == ("grant", "444455556666")
    replica = rows["aws_dynamodb_table_replica.orders"]
    assert [(f.region.value, f.account.value) for f in replica.flows] == [
        ("eu-west-1", "111122223333"), ("us-east-1", "111122223333")]
    # two chained assume_role blocks: the provider acts as the last role, from HCL and from a plan
    audit = rows["aws_cloudwatch_log_group.audit"]
    assert (audit.account.value, audit.account.evidence[-1].note) == (
        "777788889999", 'configuration.provider_config["aws.audit"].expressions.assume_role[1].role_arn')
    [typo] = rows["aws_secretsmanager_secret.token"].flows
    assert (typo.region.status, typo.region.value) == ("resolved", "eu-wset-1")  # a flow out of the region: CKV_RES_4


def test_gcp_plan_alone_states_the_sink_member_and_storage_policies() -> None:
    rows = _plan_rows("gcp_sink_member")
    [sink] = rows["google_logging_project_sink.audit"].flows
    assert (sink.region.value, sink.account.value) == ("us-central1", "partner-proj")
    [member] = rows["google_storage_bucket_iam_member.reader"].flows
    assert (member.kind, member.account.value) == ("grant", "partner-proj")
    assert rows["google_pubsub_topic.events"].region.value == "europe-west1"
    assert rows["google_pubsub_topic.loose"].region.status == "global"
    spanner = rows["google_spanner_instance.main"]
    assert (spanner.region.status, spanner.multi_region) == (
        "multi", "config nam-eur-asia1 is a multi-region instance configuration")
    # an unknown region name is unknown (CKV_RES_2) in both formats, never "resolved"
    typo = rows["google_storage_bucket.typo"]
    assert (typo.region.status, typo.region.reason) == ("unknown", '"EUROPE-WSET1" is not a known gcp region')


def test_azure_plan_follows_the_computed_destination_id_to_its_account_row() -> None:
    [flow] = _plan_rows("azure_object_replication")["azurerm_storage_object_replication.copy"].flows
    assert (flow.region.value, flow.account.value) == ("eastus", "11111111-2222-3333-4444-555555555555")
    assert flow.region.evidence[0].note == "destination is azurerm_storage_account.dst"


def _row(address: str, cloud: str, region: Placement, account: Placement) -> InventoryRow:
    return InventoryRow(address=address, type="t", kind="bucket", cloud=cloud,  # type: ignore[arg-type]
                        region=region, account=account, file="plan.json", line=1, root="plan.json")


@pytest.mark.parametrize(("cloud", "inherits"), [("gcp", True), ("aws", False), ("azure", False)])
def test_only_a_gcp_child_takes_its_parents_account(cloud: str, inherits: bool) -> None:
    # one linking step for every format: a GCP child without a project lives in its parent's;
    # an AWS or Azure child keeps its own provider's account (unknown stays a finding)
    parent = _row("p", cloud, Placement(status="resolved", value="r1"),
                  Placement(status="resolved", value="acct", evidence=[Evidence(file="plan.json", line=1, note="p")]))
    child = _row("c", cloud, Placement(status="unknown", reason="inherits its parent's location"),
                 Placement(status="unknown", reason="no account"))
    link([Pending(parent, None), Pending(child, ("address", "p"))])
    assert (child.parent, child.region.value) == ("p", "r1")
    assert child.account.value == ("acct" if inherits else None)


def test_an_extractor_failing_on_one_plan_resource_loses_only_that_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.terraform import flows_extra

    def broken(inst: Any) -> Any:
        raise ValueError("extractor bug")

    monkeypatch.setitem(flows_extra.FLOW_EXTRACTORS, "kms_grant", broken)
    inventory = scan_plan(PARITY / "aws_dataplane" / "plan.json", "plan.json")
    [error] = inventory.errors
    assert (error.address, error.line, error.message) == (
        "aws_kms_grant.partner", 275,
        "internal error while analyzing this resource (ValueError: extractor bug); not analyzed")
    assert "aws_kms_grant.partner" not in {r.address for r in inventory.rows}
    assert "aws_ecs_task_definition.worker" in {r.address for r in inventory.rows}


def test_a_parent_named_by_a_known_id_is_found_through_the_configuration_reference(tmp_path: Path) -> None:
    # the key ring exists already (no-op): the crypto key's key_ring is its known ID, not a name
    # any row has; the configuration's reference (google_kms_key_ring.ring.id) names the parent
    doc = json.loads((FIXTURES / "plan" / "gcp" / "plan.json").read_text())
    for change in doc["resource_changes"]:
        if change["address"] == "google_kms_crypto_key.key":
            change["change"]["after"]["key_ring"] = "projects/acme-prod/locations/europe-west1/keyRings/ring"
            change["change"]["after_unknown"].pop("key_ring")
    (tmp_path / "plan.json").write_text(json.dumps(doc, indent=2))
    rows = {r.address: r for r in scan_plan(tmp_path / "plan.json", "plan.json").rows}
    key, ring = rows["google_kms_crypto_key.key"], rows["google_kms_key_ring.ring"]
    assert (key.parent, key.region.value, key.region.status) == ("google_kms_key_ring.ring", ring.region.value, "resolved")
    assert key.region.evidence[0].note == "google_kms_crypto_key.key is inside google_kms_key_ring.ring"


def test_every_row_says_which_format_it_was_read_from(tmp_path: Path) -> None:
    def origins(folder: Path) -> set[str | None]:
        inventory, _, _ = build_inventory([folder], ScanOptions(env={}, use_cache=False))
        return {row.origin for row in inventory.rows}

    assert origins(_alone("aws_dataplane", "main.tf", tmp_path)) == {"terraform"}
    assert origins(_alone("aws_dataplane", "plan.json", tmp_path)) == {"plan"}
    assert origins(PARITY / "aws_dataplane") == {"plan"}  # joined: the plan's row, placed at the declaration
    assert origins(FIXTURES / "helm" / "rendered") == {"kubernetes"}


def test_a_reference_inside_a_counted_module_names_the_same_module_instance(tmp_path: Path) -> None:
    # module "dr" (count = 1) replicates its source bucket to its own replica bucket in us-east-1:
    # `aws_s3_bucket.replica.arn` inside it is module.dr[0].aws_s3_bucket.replica
    def change(name: str, after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
        return {"address": f"module.dr[0].{name}", "module_address": "module.dr[0]", "mode": "managed",
                "type": name.split(".")[0], "name": name.split(".")[1],
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown}}

    doc = {
        "format_version": "1.2",
        "resource_changes": [
            change("aws_s3_bucket.replica", {"bucket": "acme-dr-replica"}, {"arn": True, "id": True}),
            change("aws_s3_bucket_replication_configuration.r", {"rule": [{"destination": [{"bucket": None}]}]},
                   {"id": True, "rule": [{"destination": [{"bucket": True}]}]}),
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}}},
                                "aws.us": {"name": "aws", "alias": "us",
                                           "expressions": {"region": {"constant_value": "us-east-1"}}}},
            "root_module": {"module_calls": {"dr": {"source": "./dr", "count_expression": {"constant_value": 1},
                                                    "module": {"resources": [
                {"address": "aws_s3_bucket.replica", "mode": "managed", "type": "aws_s3_bucket", "name": "replica",
                 "provider_config_key": "aws.us", "expressions": {"bucket": {"constant_value": "acme-dr-replica"}}},
                {"address": "aws_s3_bucket_replication_configuration.r", "mode": "managed",
                 "type": "aws_s3_bucket_replication_configuration", "name": "r", "provider_config_key": "aws",
                 "expressions": {"rule": [{"destination": [{"bucket": {"references": [
                     "aws_s3_bucket.replica.arn", "aws_s3_bucket.replica"]}}]}]}},
            ]}}}},
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(doc, indent=2))
    inventory = scan_plan(tmp_path / "plan.json", "plan.json")
    assert inventory.errors == []
    [flow] = {r.address: r for r in inventory.rows}["module.dr[0].aws_s3_bucket_replication_configuration.r"].flows
    assert (flow.region.status, flow.region.value) == ("resolved", "us-east-1")
    assert flow.region.evidence[0].note == "destination is module.dr[0].aws_s3_bucket.replica"
