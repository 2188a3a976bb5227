"""The platform-dataplane fixture chart rendered with each cloud's values and scanned with the
Terraform estate that creates what those values name (fixtures/helm/estates/<cloud>)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.helm import ChartOptions
from analyzer.models import Finding, InventoryRow, ScanReport
from analyzer.policy import load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

CHART = FIXTURES / "helm" / "charts" / "platform-dataplane"
ESTATES = FIXTURES / "helm" / "estates"
FN = "dp-platform-dataplane"
MISSING = ("CKV_RES_9", "charts/platform-dataplane/Chart.yaml", 22,  # its `- name:` under dependencies
           "subchart prometheus-node-exporter is not vendored; not analyzed")


def _scan(cloud: str, *extra_values: Path, sets: tuple[str, ...] = (), set_strings: tuple[str, ...] = ()
          ) -> ScanReport:
    policy = load_policy(ESTATES / cloud / "residency.yaml")
    helm = ChartOptions(values_files=(CHART / f"values-{cloud}.yaml", *extra_values), sets=sets,
                        set_strings=set_strings, release="dp", namespace="union")  # the embedded SDK
    return run_scan([ESTATES / cloud, CHART], policy, ScanOptions(use_cache=False, helm=helm))


def _active(report: ScanReport) -> list[Finding]:
    return [f for f in report.findings if f.suppressed is None]


def _references(report: ScanReport) -> set[tuple[str, str, str | None, str | None]]:
    return {(r.address, r.kind, r.name, r.refers_to) for r in report.inventory if r.refers_to}


def _rows(report: ScanReport, address: str, kind: str) -> list[InventoryRow]:
    return [r for r in report.inventory if r.address == address and r.kind == kind]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_each_cloud_is_clean_but_for_the_subchart_that_is_not_vendored(cloud: str) -> None:
    report = _scan(cloud)
    assert [(f.rule_id, f.file, f.line, f.message[:len(MISSING[3])]) for f in _active(report)] == [MISSING]


def test_aws_references_are_matched_to_the_terraform_creating_them() -> None:
    report = _scan("aws")
    assert _references(report) == {
        (f"ConfigMap/union/{FN}-storage", "bucket", "acme-dp-prod-euw1-metadata", "aws_s3_bucket.metadata"),
        (f"ConfigMap/union/{FN}-vector", "bucket", "acme-dp-prod-euw1-log-archive", "aws_s3_bucket.log_archive"),
        (f"ConfigMap/union/{FN}-vector", "kms_key", "alias/acme-dp-prod-dataplane", "aws_kms_alias.dataplane"),
        (f"ConfigMap/union/{FN}-fluent-bit", "log_group", "/acme-dp-prod/eks/workloads",
         "aws_cloudwatch_log_group.workloads"),
        (f"ConfigMap/union/{FN}-secrets-backend", "secret_store", "acme-dp-prod/union/client-secret",
         "aws_secretsmanager_secret.client_secret"),
        (f"ConfigMap/union/{FN}-secrets-backend", "kms_key", "alias/acme-dp-prod-dataplane", "aws_kms_alias.dataplane"),
        (f"Deployment/union/{FN}-operator", "registry", "union/operator", 'aws_ecr_repository.images["union/operator"]'),
        (f"StatefulSet/union/{FN}-executor", "registry", "union/executor", 'aws_ecr_repository.images["union/executor"]'),
        (f"CronJob/union/{FN}-cleanup", "registry", "union/cleanup", 'aws_ecr_repository.images["union/cleanup"]'),
        (f"DaemonSet/union/{FN}-fluent-bit", "registry", "mirror/fluent/fluent-bit",
         'aws_ecr_repository.images["mirror/fluent/fluent-bit"]'),
        (f"Deployment/union/{FN}-vector", "registry", "mirror/timberio/vector",
         'aws_ecr_repository.images["mirror/timberio/vector"]'),
        ("Deployment/union/dp-kube-state-metrics", "registry", "mirror/kube-state-metrics/kube-state-metrics",
         'aws_ecr_repository.images["mirror/kube-state-metrics/kube-state-metrics"]'),
    }
    # the bucket's region is the one its config names (tpl of .Values.region), account from Terraform
    [bucket] = [r for r in _rows(report, f"ConfigMap/union/{FN}-storage", "bucket") if r.name]
    assert (bucket.region.value, bucket.account.value) == ("eu-west-1", "111122223333")
    assert bucket.file == "charts/platform-dataplane/templates/storage-configmap.yaml"
    assert bucket.region.evidence[0].note == (f"ConfigMap/union/{FN}-storage storage.yaml: "
                                              "storage.connection.region = eu-west-1")
    assert [e.file for e in bucket.account.evidence[:2]] == [
        "charts/platform-dataplane/templates/storage-configmap.yaml", "estates/aws/storage.tf"]
    # lines: computed text (the tpl'd storage document) points at the literal line holding it;
    # a templated `key {{ value }}` line of fluent-bit.conf at itself
    assert (bucket.line, bucket.region.evidence[0].line) == (12, 12)  # `storage:` under `storage.yaml: |`
    [log_group] = [r for r in _rows(report, f"ConfigMap/union/{FN}-fluent-bit", "log_group") if r.name]
    fluent_bit = "charts/platform-dataplane/templates/fluent-bit-configmap.yaml"
    assert (log_group.file, log_group.line) == (fluent_bit, 60)  # log_group_name {{ ... }}
    assert [(e.file, e.line, e.note) for e in log_group.region.evidence] == [
        (fluent_bit, 59, f"ConfigMap/union/{FN}-fluent-bit fluent-bit.conf: OUTPUT[0].region = eu-west-1")]


def test_gcp_references() -> None:
    report = _scan("gcp")
    registry = 'google_artifact_registry_repository.images["{}"]'
    assert _references(report) == {
        (f"ConfigMap/union/{FN}-storage", "bucket", "acme-dp-prod-euw4-metadata",
         'google_storage_bucket.this["metadata"]'),
        (f"ConfigMap/union/{FN}-vector", "bucket", "acme-dp-prod-euw4-log-archive",
         'google_storage_bucket.this["log-archive"]'),
        (f"Deployment/union/{FN}-operator", "registry", "union", registry.format("union")),
        (f"StatefulSet/union/{FN}-executor", "registry", "union", registry.format("union")),
        (f"CronJob/union/{FN}-cleanup", "registry", "union", registry.format("union")),
        (f"DaemonSet/union/{FN}-fluent-bit", "registry", "mirror", registry.format("mirror")),
        (f"Deployment/union/{FN}-vector", "registry", "mirror", registry.format("mirror")),
        ("Deployment/union/dp-kube-state-metrics", "registry", "mirror", registry.format("mirror")),
    }
    # Vector's gcp_cloud_storage sink names no region: it comes from the bucket's Terraform location
    [archive] = _rows(report, f"ConfigMap/union/{FN}-vector", "bucket")
    assert (archive.region.value, archive.region.status) == ("europe-west4", "resolved")
    assert [e.note for e in archive.region.evidence[:2]] == [
        f"ConfigMap/union/{FN}-vector names bucket acme-dp-prod-euw4-log-archive",
        'google_storage_bucket.this["log-archive"] creates bucket acme-dp-prod-euw4-log-archive']
    identities = {(r.address, r.account.value) for r in report.inventory if r.kind == "identity"}
    assert identities == {("ServiceAccount/union/union-operator", "acme-dp-prod"),
                          ("ServiceAccount/union/fluent-bit", "acme-dp-prod"),
                          ("ServiceAccount/union/vector", "acme-dp-prod")}


def test_azure_references() -> None:
    report = _scan("azure")
    acr = "azurerm_container_registry.main"
    assert _references(report) == {
        (f"ConfigMap/union/{FN}-storage", "bucket", "stacmedpprodweu", "azurerm_storage_account.data"),
        (f"ConfigMap/union/{FN}-storage", "bucket", "metadata", 'azurerm_storage_container.this["metadata"]'),
        (f"ConfigMap/union/{FN}-vector", "bucket", "stacmedpprodweu", "azurerm_storage_account.data"),
        (f"ConfigMap/union/{FN}-fluent-bit", "log_group", "dce-acme-dp-prod-weu",
         "azurerm_monitor_data_collection_endpoint.logs"),
        (f"ConfigMap/union/{FN}-secrets-backend", "secret_store", "kv-acme-dp-prod-weu", "azurerm_key_vault.main"),
        (f"Deployment/union/{FN}-operator", "registry", "acmedpprod", acr),
        (f"StatefulSet/union/{FN}-executor", "registry", "acmedpprod", acr),
        (f"CronJob/union/{FN}-cleanup", "registry", "acmedpprod", acr),
        (f"DaemonSet/union/{FN}-fluent-bit", "registry", "acmedpprod", acr),
        (f"Deployment/union/{FN}-vector", "registry", "acmedpprod", acr),
        ("Deployment/union/dp-kube-state-metrics", "registry", "acmedpprod", acr),
    }
    # the DCE URL names its own region; the vault takes the Terraform's
    [dce] = _rows(report, f"ConfigMap/union/{FN}-fluent-bit", "log_group")
    assert dce.region.value == "westeurope" and "dce_url" in dce.region.evidence[0].note
    client_ids = sorted(r.name or "" for r in report.inventory if r.kind == "identity")
    assert client_ids == ["3b8e5f2a-6c1d-4e7f-a9b0-2c4d6e8f0a1b", "5d0a7c4e-8f2b-4a9c-b1d3-4e6f8a0b2c3d",
                          "7f2c9e1a-0b4d-4c6e-9f8a-3b5d7f9e1c2a"]


def test_set_overrides_the_values_files_and_reaches_tpl_strings() -> None:
    """`--set region=us-east-1` after values-aws.yaml: every tpl'd storage string and env value
    moves, the bucket Terraform creates does not: a region conflict plus the settings."""
    report = _scan("aws", sets=("region=us-east-1",))
    got = sorted((f.rule_id, f.address, f.message) for f in _active(report) if f.rule_id != "CKV_RES_9")
    conflict = (f"ConfigMap/union/{FN}-storage names bucket acme-dp-prod-euw1-metadata in region us-east-1, "
                "but aws_s3_bucket.metadata creates it in eu-west-1")
    assert ("CKV_RES_1", f"ConfigMap/union/{FN}-storage", conflict) in got
    assert {address for rule, address, _ in got if rule == "CKV_RES_1"} == {
        f"ConfigMap/union/{FN}-storage", f"ConfigMap/union/{FN}-fluent-bit", f"ConfigMap/union/{FN}-vector",
        f"ConfigMap/union/{FN}-secrets-backend", f"Deployment/union/{FN}-operator",
        f"StatefulSet/union/{FN}-executor", f"CronJob/union/{FN}-cleanup", f"Deployment/union/{FN}-vector"}
    assert all("us-east-1" in message for _, _, message in got)


def test_a_later_values_file_wins_and_the_control_plane_is_rendered_through_tpl(tmp_path: Path) -> None:
    override = tmp_path / "values-us-control-plane.yaml"
    override.write_text("controlPlane:\n  region: us-east-2\nstorage:\n  bucket: acme-scratch\n")
    report = _scan("aws", override)
    tens = sorted((f.address, f.message) for f in _active(report) if f.rule_id == "CKV_RES_10")
    assert [address for address, _ in tens] == [f"Deployment/union/{FN}-operator", f"Secret/union/{FN}-client"]
    assert all("acme.us-east-2.union.ai" in message for _, message in tens)
    # the renamed bucket is created by nothing scanned: its region is the config's, no match
    [scratch] = [r for r in _rows(report, f"ConfigMap/union/{FN}-storage", "bucket") if r.name]
    assert (scratch.name, scratch.refers_to, scratch.region.value) == ("acme-scratch", None, "eu-west-1")
