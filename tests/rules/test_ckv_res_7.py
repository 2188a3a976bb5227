"""CKV_RES_7: a container image comes from a registry outside the customer's infrastructure."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.models import ScanReport
from analyzer.policy import Policy, load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_7"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def found(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int, str]]:
    """(rule, address, file, line, message): every image of a workload is reported at its line."""
    return {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings if f.rule_id == rule}


def uses(address: str, image: str, why: str) -> str:
    return f"{address} uses image {image}: {why}"


ECS = "aws_ecs_task_definition.worker"
FAILING = {
    "aws_ecs_task_definition": ("aws_ecs_fail", {
        ("CKV_RES_7", ECS, "main.tf", 5, uses(ECS, "nginx:1.27", "docker.io is a public registry")),
        ("CKV_RES_7", ECS, "main.tf", 5, uses(ECS, "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
                                              "public.ecr.aws is a public registry")),
        ("CKV_RES_7", ECS, "main.tf", 5, uses(ECS, "999988887777.dkr.ecr.eu-west-1.amazonaws.com/vendor/agent:3.1",
                                              "Amazon ECR in account/project 999988887777, not the customer's")),
    }),
    "kubernetes_deployment": ("kubernetes_quay_fail", {
        ("CKV_RES_7", "kubernetes_deployment.exporter", "main.tf", 1,
         uses("kubernetes_deployment.exporter", "quay.io/prometheus/node-exporter:v1.8.2", "quay.io is a public registry")),
    }),
    "helm_release_set": ("helm_ghcr_fail", {
        ("CKV_RES_7", "helm_release.operator", "main.tf", 1,
         uses("helm_release.operator", "ghcr.io/acme-oss/operator", "ghcr.io is a public registry")),
    }),
    # `deployment.image.registry` + `deployment.image.repository` set apart: the registry is named, not docker.io
    "helm_release_split_registry": ("helm_split_registry_fail", {
        ("CKV_RES_7", "helm_release.flyte", "main.tf", 2,
         uses("helm_release.flyte", "public.ecr.aws/unionai/flyte-binary", "public.ecr.aws is a public registry")),
    }),
    "gcp_artifact_registry": ("gcp_fail", {
        ("CKV_RES_7", "kubernetes_deployment.api", "main.tf", 1,
         uses("kubernetes_deployment.api", "europe-west4-docker.pkg.dev/vendor-tools/agents/sidecar:1.2",
              "Google Artifact Registry in account/project vendor-tools, not the customer's")),
    }),
    "azure_acr_and_mcr": ("azure_fail", {
        ("CKV_RES_7", "helm_release.agent", "main.tf", 14,
         uses("helm_release.agent", "vendorshared.azurecr.io/agents/agent",
              "ACR vendorshared is not created by the scanned infrastructure")),
        ("CKV_RES_7", "helm_release.agent", "main.tf", 14,
         uses("helm_release.agent", "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.1",
              "mcr.microsoft.com is a public registry")),
    }),
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_external_images_fail(name: str) -> None:
    case, expected = FAILING[name]
    report = scan(CASES / case)
    assert found(report) == expected
    assert {f.severity for f in report.findings if f.rule_id == RULE} == {"HIGH"}


def test_the_own_ecr_image_next_to_external_ones_is_not_reported() -> None:
    report = scan(CASES / "aws_ecs_fail")
    assert not any("acme/worker" in f.message for f in report.findings)
    row = next(r for r in report.inventory if r.address == ECS)
    assert "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/worker:2.3.1" in row.images


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "aws_allowed_registry_pass"])
def test_images_from_the_data_planes_own_registry_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert any(r.images for r in report.inventory)  # images were found, then judged


def test_helm_values_written_with_yamlencode_are_read() -> None:
    report = scan(CASES / "aws_pass")
    images = {r.address: r.images for r in report.inventory if r.images}
    assert images["helm_release.operator"] == ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/operator"]
    assert images["kubernetes_deployment.api"] == ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/api:5.0.0"]


def test_allowed_registries_is_a_prefix_match() -> None:
    policy = load_policy(CASES / "aws_allowed_registry_pass" / "residency.yaml")
    assert hits(run_scan([CASES / "aws_allowed_registry_pass"], policy, ScanOptions(env={}))) == set()
    narrower = policy.model_copy(update={"allowed_registries": ["quay.io/prometheus/"]})
    report = run_scan([CASES / "aws_allowed_registry_pass"], narrower, ScanOptions(env={}))
    assert hits(report) == {("CKV_RES_7", "helm_release.cert_manager", "main.tf", 1)}


def test_images_from_the_acr_the_configuration_creates_pass() -> None:
    assert hits(scan(CASES / "azure_pass")) == set()


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_7(cloud: str) -> None:
    assert hits(scan(CLEAN / cloud)) == set()


def test_the_clean_aws_task_definition_uses_the_same_accounts_ecr() -> None:
    row = next(r for r in scan(CLEAN / "aws").inventory if r.type == "aws_ecs_task_definition")
    assert row.images == ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-dp-prod/app:1.4.2"]


def test_an_image_not_known_statically_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

variable "image" {
  type = string
}

resource "aws_ecs_task_definition" "worker" {
  family = "worker"
  container_definitions = jsonencode([{
    name  = "worker"
    image = var.image
  }])
}
''')
    report = run_scan([tmp_path], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(env={}))
    (finding,) = [f for f in report.findings if f.rule_id == "CKV_RES_7"]
    assert (finding.address, finding.file, finding.line) == ("aws_ecs_task_definition.worker", "main.tf", 10)
    assert finding.message == ("aws_ecs_task_definition.worker uses an image that cannot be resolved statically: "
                               "var.image has no default and is not set (set it with --var, a .tfvars file or TF_VAR_image)")


# the customer's own registry in another region is a placement finding, not an external registry
OWN_REGISTRY_ELSEWHERE = {
    "aws_ecs_fail": {
        ("CKV_RES_1", ECS, "main.tf", 5,
         f"{ECS} uses image 111122223333.dkr.ecr.us-east-1.amazonaws.com/acme/legacy:0.9 from Amazon ECR in us-east-1, "
         "outside the allowed region eu-west-1"),
    },
    "gcp_fail": {
        ("CKV_RES_1", "kubernetes_deployment.api", "main.tf", 1,
         "kubernetes_deployment.api uses image us-docker.pkg.dev/acme-data-prod/images/api:5.0.0 from Google Artifact "
         "Registry in US, outside the allowed region europe-west4"),
    },
}


@pytest.mark.parametrize("case", sorted(OWN_REGISTRY_ELSEWHERE))
def test_own_registry_in_another_region_is_a_placement_finding(case: str) -> None:
    report = scan(CASES / case)
    assert found(report, "CKV_RES_1") == OWN_REGISTRY_ELSEWHERE[case]
    assert not any(f.rule_id == RULE and ("us-east-1" in f.message or "acme-data-prod" in f.message)
                   for f in report.findings)
