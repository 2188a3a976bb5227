"""The vocabulary of kinds (analyzer/data/kinds.yaml): every layer reads a kind's flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from analyzer.rules.base import RuleContext

from analyzer.catalog import catalog
from analyzer.crosscheck import cross_check
from analyzer.data import load_data
from analyzer.kinds import kind_of, kinds
from analyzer.models import Inventory, InventoryRow, Placement, ProviderPlacement, is_reference
from analyzer.policy import Policy
from analyzer.review.classify import classify
from analyzer.scan import ScanOptions, run_scan
from analyzer.verdicts import build_context, evaluate_rules, infer_region


def _row(address: str, kind: str, region: str | None, *, type_: str = "aws_s3_bucket", origin: str = "terraform",
         name: str | None = None, account: str | None = "111122223333", cloud: str = "aws") -> InventoryRow:
    where = (Placement(value=region, status="resolved") if region
             else Placement(status="unknown", reason="var.region has no value"))
    owner = Placement(value=account, status="resolved") if account else Placement(status="unknown", reason="unset")
    return InventoryRow(address=address, type=type_, kind=kind, cloud=cloud, region=where,  # type: ignore[arg-type]
                        account=owner, file="main.tf", line=1, name=name, origin=origin)  # type: ignore[arg-type]


def test_every_kind_the_data_files_produce_is_in_the_vocabulary() -> None:
    produced = {entry.kind for entry in catalog().values()}
    refs = load_data("config_references.yaml")
    produced |= {p["kind"] for p in refs["patterns"] if p["kind"] != "arn"}
    produced |= {s["kind"] for s in refs["arn_services"].values()}
    produced |= set(refs["aws_endpoint_services"].values())
    produced |= {"workload", "config", "identity", "setting"}  # Kubernetes object rows and region settings
    assert produced - set(kinds()) == set()


def test_flags_of_some_kinds() -> None:
    assert kind_of("bucket").located and kind_of("bucket").matched_by_name and kind_of("bucket").infers_region
    assert kind_of("database").located and not kind_of("database").matched_by_name
    assert not kind_of("policy").located and kind_of("policy").review == "flows"
    assert kind_of("setting").region_judged and kind_of("setting").account_judged and not kind_of("setting").located
    assert kind_of("identity").account_judged and not kind_of("identity").region_judged
    assert kind_of("a_kind_nobody_wrote") == kind_of("a_kind_nobody_wrote")  # lenient: no flag set
    assert not kind_of("a_kind_nobody_wrote").located


def test_a_kind_not_used_for_region_inference_does_not_decide_the_region() -> None:
    # three databases in us-east-1, one bucket in eu-west-1, no default provider region:
    # only buckets and clusters infer the data plane's region
    rows = [_row(f"aws_db_instance.db{i}", "database", "us-east-1", type_="aws_db_instance") for i in range(3)]
    rows.append(_row("aws_s3_bucket.data", "bucket", "eu-west-1"))
    assert infer_region(Inventory(rows=rows)) == "eu-west-1"
    # without any inferring kind, every resolved region counts
    assert infer_region(Inventory(rows=rows[:3])) == "us-east-1"


def test_a_default_provider_region_wins_over_the_kinds() -> None:
    provider = ProviderPlacement(address="provider.aws", cloud="aws", region=Placement(value="eu-central-1", status="resolved"),
                                 account=Placement(status="none"), pinned=True, file="main.tf", line=1)
    rows = [_row("aws_s3_bucket.data", "bucket", "eu-west-1")]
    assert infer_region(Inventory(rows=rows, providers=[provider])) == "eu-central-1"


@pytest.mark.parametrize(("kind", "group"), [
    ("bucket", "bulk"), ("registry", "bulk"), ("database", "bulk"), ("backup", "bulk"),
    ("secret_store", "inline"), ("log_group", "inline"), ("queue", "inline"),
    ("cluster", "compute"), ("node_pool", "compute"), ("kms_key", "keys"),
    ("policy", "flows"), ("replication", "flows"), ("log_subscription", "flows"),
])
def test_review_groups_terraform_rows_by_kind(kind: str, group: str) -> None:
    assert classify(_row("x.y", kind, "eu-west-1")) == group


def test_review_groups_kubernetes_rows_by_origin_and_kind() -> None:
    workload = _row("Deployment/union/operator", "workload", None, type_="Deployment", origin="kubernetes")
    bucket = _row("ConfigMap/union/storage", "bucket", "eu-west-1", type_="ConfigMap", origin="kubernetes", name="b")
    identity = _row("ServiceAccount/union/op", "identity", None, type_="ServiceAccount", origin="kubernetes")
    assert (classify(workload), classify(bucket), classify(identity)) == ("compute", "references", "flows")
    assert not is_reference(workload) and is_reference(bucket) and not is_reference(identity)
    # the origin decides, not the address shape: a plan row is never a reference
    assert not is_reference(_row("ConfigMap/union/storage", "bucket", "eu-west-1", type_="ConfigMap", origin="plan"))


def _unknown_region_rules(row: InventoryRow) -> list[str]:
    context = RuleContext(regions=("eu-west-1",), accounts=("111122223333",))
    findings = evaluate_rules(Inventory(rows=[row]), Policy(region="eu-west-1", accounts=["111122223333"]), context)
    return sorted(f.rule_id for f in findings if f.suppressed is None)


def test_an_unknown_region_is_a_finding_for_located_kinds_only() -> None:
    assert _unknown_region_rules(_row("aws_sqs_queue.q", "queue", None, type_="aws_sqs_queue")) == ["CKV_RES_2"]
    assert _unknown_region_rules(_row("aws_s3_bucket_policy.p", "policy", None, type_="aws_s3_bucket_policy")) == []


def test_matched_by_name_links_a_helm_reference_to_the_terraform_creating_it() -> None:
    created = _row("aws_sqs_queue.jobs", "queue", "eu-west-1", type_="aws_sqs_queue", name="jobs")
    named = _row("ConfigMap/union/cfg", "queue", None, type_="ConfigMap", origin="kubernetes", name="jobs", account=None)
    # a kind not matched by name is never linked, even with the same name
    db = _row("aws_db_instance.jobs", "database", "eu-west-1", type_="aws_db_instance", name="jobs")
    named_db = _row("ConfigMap/union/db", "database", None, type_="ConfigMap", origin="kubernetes", name="jobs")
    inventory = Inventory(rows=[created, named, db, named_db])
    cross_check(inventory)
    assert named.refers_to == "aws_sqs_queue.jobs" and named.region.value == "eu-west-1"
    assert named_db.refers_to is None and named_db.region.status == "unknown"


def test_a_plan_row_creates_what_helm_names() -> None:
    # the creator is found by origin (a plan row's type is a Terraform type, its origin `plan`)
    created = _row("aws_s3_bucket.data", "bucket", "eu-west-1", name="acme-data", origin="plan")
    named = _row("ConfigMap/union/storage", "bucket", None, type_="ConfigMap", origin="kubernetes", name="acme-data")
    cross_check(Inventory(rows=[created, named]))
    assert named.refers_to == "aws_s3_bucket.data"


def test_registry_hosts_come_from_the_catalog() -> None:
    acr = _row("azurerm_container_registry.acr", "registry", "westeurope", type_="azurerm_container_registry",
               name="acmedp", cloud="azure")
    ecr = _row("aws_ecr_repository.op", "registry", "eu-west-1", type_="aws_ecr_repository", name="union/operator")
    assert catalog()["azurerm_container_registry"].registry_host and not catalog()["aws_ecr_repository"].registry_host
    context = build_context(Policy(region="westeurope"), Inventory(rows=[acr, ecr]))
    assert context.known_registries == ("acmedp",)


def test_an_image_from_a_created_acr_is_the_customers(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""\
provider "azurerm" {
  features {}
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

resource "azurerm_container_registry" "acr" {
  name                = "acmedp"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
}

resource "kubernetes_deployment" "job" {
  metadata {
    name = "job"
  }
  spec {
    template {
      metadata {}
      spec {
        container {
          name  = "job"
          image = "acmedp.azurecr.io/union/job:1.0"
        }
        container {
          name  = "other"
          image = "otherco.azurecr.io/tools/sidecar:2.0"
        }
      }
    }
  }
}
""")
    report = run_scan([tmp_path], Policy(region="westeurope", accounts=["00000000-0000-0000-0000-000000000001"]),
                      ScanOptions(use_cache=False))
    res7 = [f.message for f in report.findings if f.rule_id == "CKV_RES_7"]
    assert len(res7) == 1 and "otherco" in res7[0] and "acmedp" not in res7[0]
