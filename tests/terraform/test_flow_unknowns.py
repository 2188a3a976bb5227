"""Every flow, multi-region and image extractor meets Unknown values anywhere in a resource's
arguments without raising: an unknown stays an unknown fact (issue 12: a KMS key policy naming
`data.aws_caller_identity.current.account_id` lost the whole root with a TypeError)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.hcl import ast
from analyzer.models import Evidence, Placement
from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from analyzer.terraform import flows, flows_extra
from analyzer.terraform.evaluate import Scope
from analyzer.terraform.providers import Setting
from analyzer.values import Unknown

UNKNOWN = Unknown("var.x has no default and is not set")
COMPUTED = Unknown("aws_iam_role.r.arn is computed at apply time", origin="aws_iam_role.r")

# every key an extractor reads, so generated documents reach every branch
KEYS = ["rule", "destination", "bucket", "account", "replication_configuration", "region", "registry_id", "replica",
        "region_name", "primary_key_arn", "destination_arn", "policy", "Statement", "Effect", "Principal", "AWS",
        "grantee_principal", "copy_action", "destination_vault_arn", "member", "members",
        "destination_storage_account_id", "georeplications", "location", "geo_location", "multi_region",
        "custom_placement_config", "data_locations", "replication", "automatic", "auto", "user_managed", "replicas",
        "account_replication_type", "image", "name", "value", "repository", "registry", "values", "set", "env",
        "container_definitions", "template"]
STRINGS = ["*", "Allow", "Deny", "us-east-1", "eu-west-1", "europe-west4", "US", "GRS", "arn:aws:iam::111122223333:root",
           "arn:aws:s3:::acme-replica", "arn:aws:logs:us-east-1:222233334444:destination:d",
           "arn:aws:kms:eu-central-1:111122223333:key/k", "projects/acme-prod/locations/eu/buckets/b",
           "serviceAccount:x@acme-prod.iam.gserviceaccount.com", "allUsers", "docker.io/library/nginx:1",
           "/subscriptions/9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59/resourceGroups/rg", "{\"a\": 1}", "[1", "a: b", ""]

leaves = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(STRINGS),
                   st.just(UNKNOWN), st.just(COMPUTED))
documents = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)), max_leaves=25)


class _Instance:
    """The part of a ResourceInstance the extractors read, with arguments given as plain values."""

    def __init__(self, type_: str, attrs: dict[str, Any], provider_region: Any = "eu-west-1") -> None:
        self.type = type_
        self.address = f"{type_}.this"
        self._attrs = attrs
        self.declared = SimpleNamespace(
            file="main.tf",
            block=ast.Block(type="resource", labels=[type_, "this"], blocks=[], line=1, end_line=9,
                            attrs={name: ast.Attribute(name=name, expr=ast.Literal(value), line=2) for name, value in attrs.items()}))
        self.scope = Scope(None)  # type: ignore[arg-type]  # literals need no resolver, only a budget
        self.module = SimpleNamespace(data={})
        config = SimpleNamespace(key="aws", setting=lambda name: Setting(provider_region, []))
        self._ref = SimpleNamespace(config=config, via=[Evidence(file="main.tf", line=1, note="provider")])

    def get(self, name: str, trace: Any) -> Any:
        return self._attrs.get(name, Unknown(f"{self.address}.{name} is computed at apply time", origin=self.address))

    def attr_line(self, name: str) -> int:
        return 2 if name in self._attrs else 1

    def provider(self) -> Any:
        return self._ref


def _extractors() -> dict[str, Callable[[Any], Any]]:
    everything: dict[str, Callable[[Any], Any]] = dict(flows_extra.FLOW_EXTRACTORS)  # flows.py's and the extra ones
    for name, test in flows_extra.MULTI_TESTS.items():
        everything[f"multi:{name}"] = lambda inst, test=test: test(inst, Placement(status="unknown", reason="x"))
    everything["images"] = lambda inst: flows.images_and_unknowns(inst, ["values", "set", "container_definitions", "image"])
    everything["endpoints"] = lambda inst: flows.endpoints(inst, ["values", "env", "set"])
    return everything


EXTRACTORS = _extractors()
TYPE_OF = {"kms_replica": "aws_kms_replica_key", "images": "helm_release"}


def _run(name: str, attrs: dict[str, Any]) -> Any:
    return EXTRACTORS[name](_Instance(TYPE_OF.get(name, "aws_s3_bucket"), attrs))


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attrs=st.dictionaries(st.sampled_from(KEYS), documents, max_size=6))
def test_no_extractor_raises_on_unknowns_anywhere(name: str, attrs: dict[str, Any]) -> None:
    _run(name, attrs)


# A document each extractor fully reads; every position of it is then replaced by an Unknown in turn.
FULL: dict[str, Any] = {
    "rule": [{"destination": [{"bucket": "arn:aws:s3:::acme-replica", "account": "222233334444"}],
              "copy_action": [{"destination_vault_arn": "arn:aws:backup:us-east-1:111122223333:backup-vault:v"}]}],
    "replication_configuration": [{"rule": [{"destination": [{"region": "us-east-1", "registry_id": "222233334444"}]}]}],
    "replica": [{"region": "us-east-1", "region_name": "us-west-2"}],
    "destination": [{"region": "us-east-1"}],
    "primary_key_arn": "arn:aws:kms:eu-central-1:111122223333:key/k",
    "destination_arn": "arn:aws:logs:us-east-1:222233334444:destination:d",
    "policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222233334444:root", "*"]}},
                             {"Effect": "Allow", "Principal": "*"}]},
    "grantee_principal": "arn:aws:iam::222233334444:role/r",
    "member": "serviceAccount:x@other-project.iam.gserviceaccount.com",
    "members": ["allUsers", "user:a@acme.example", "serviceAccount:x@other-project.iam.gserviceaccount.com"],
    "destination_storage_account_id": "/subscriptions/9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59/x",
    "georeplications": [{"location": "eastus2"}],
    "geo_location": [{"location": "westeurope"}, {"location": "northeurope"}],
    "multi_region": True,
    "custom_placement_config": [{"data_locations": ["EUROPE-WEST1", "EUROPE-WEST4"]}],
    "replication": [{"user_managed": [{"replicas": [{"location": "europe-west4"}, {"location": "us-east1"}]}]}],
    "account_replication_type": "GRS",
    "values": [{"image": {"repository": "docker.io/acme/app", "registry": "docker.io"}}],
    "set": [{"name": "image.repository", "value": "quay.io/acme/app"}],
    "container_definitions": [{"image": "ghcr.io/acme/app:1"}],
    "env": {"ENDPOINT": "dns:///acme.us-east-2.union.ai"},
}


def _positions(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_positions(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_positions(item, (*path, index)))
    return out


def _replaced(value: Any, path: tuple[Any, ...], by: Any) -> Any:
    if not path:
        return by
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replaced(v, rest, by) if k == head else v) for k, v in value.items()}
    return [(_replaced(v, rest, by) if i == head else v) for i, v in enumerate(value)]


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_an_unknown_at_every_position_of_a_full_document_is_survived(name: str) -> None:
    positions = [p for p in _positions(FULL) if p]
    assert len(positions) > 60  # the document reaches every extractor's nested blocks
    for path in positions:
        for unknown in (UNKNOWN, COMPUTED):
            _run(name, _replaced(FULL, path, unknown))


def test_the_full_document_is_actually_read() -> None:
    # guards the test above: the document must produce the facts it is meant to perturb
    grants = _run("policy_principals", FULL)[0]
    assert [(f.account.value, f.account.status) for f in grants] == [
        ("222233334444", "resolved"), ("*", "resolved"), ("*", "resolved")]
    assert len(_run("s3_replication", FULL)[0]) == 1 and len(_run("backup_copy", FULL)[0]) == 1


def test_an_unknown_principal_is_kept_as_an_unknown_grant() -> None:
    attrs = _replaced(FULL, ("policy", "Statement", 0, "Principal", "AWS"), UNKNOWN)
    grants = _run("policy_principals", attrs)[0]
    assert [(f.account.status, f.account.reason) for f in grants] == [
        ("unknown", UNKNOWN.reason), ("resolved", ""), ]


KMS = '''
provider "aws" {
  region = "eu-west-1"%s
}

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "data" {
  description = "data key"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "root"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
  region = "us-east-1"
}
'''


def _scan(folder: Path) -> Any:
    return run_scan([folder], Policy(region="eu-west-1"), ScanOptions(env={}, use_cache=False))


def test_a_caller_identity_key_policy_under_an_unpinned_provider_keeps_the_root(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(KMS % "")
    report = _scan(tmp_path)
    assert report.errors == []
    assert sorted((f.rule_id, f.address, f.file, f.line) for f in report.findings) == [
        ("CKV_RES_1", "aws_s3_bucket.logs", "main.tf", 22), ("CKV_RES_8", "provider.aws", "main.tf", 2)]
    [key] = [r for r in report.inventory if r.address == "aws_kms_key.data"]
    [grant] = key.flows
    # the account of aws_caller_identity is the provider's: as unknown as the provider's own
    assert (grant.kind, grant.account.status) == ("grant", "unknown")
    assert grant.account.reason.startswith("provider.aws sets no account; it comes from the environment at apply time")


def test_a_caller_identity_key_policy_under_a_pinned_provider_grants_the_pinned_account(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(KMS % '\n  allowed_account_ids = ["111122223333"]')
    report = _scan(tmp_path)
    [key] = [r for r in report.inventory if r.address == "aws_kms_key.data"]
    assert [(g.account.value, g.account.status) for g in key.flows] == [("111122223333", "resolved")]
    assert [(f.rule_id, f.address) for f in report.findings] == [("CKV_RES_1", "aws_s3_bucket.logs")]


def test_an_internal_error_in_one_resource_keeps_the_rest_of_the_root(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(KMS % "")

    def broken(inst: Any) -> Any:
        raise TypeError("boom")

    monkeypatch.setitem(flows_extra.FLOW_EXTRACTORS, "policy_principals", broken)
    report = _scan(tmp_path)
    assert [(e.file, e.line, e.address, e.message) for e in report.errors] == [
        ("main.tf", 8, "aws_kms_key.data",
         "internal error while analyzing this resource (TypeError: boom); not analyzed")]
    assert sorted((f.rule_id, f.address, f.file, f.line) for f in report.findings) == [
        ("CKV_RES_1", "aws_s3_bucket.logs", "main.tf", 22), ("CKV_RES_8", "provider.aws", "main.tf", 2),
        ("CKV_RES_9", "aws_kms_key.data", "main.tf", 8)]
