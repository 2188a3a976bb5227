"""Configuration text (YAML, JSON, fluent-bit classic, INI, TOML, single values) -> references.

Each case is a configuration shape a data plane really mounts; the assertions name the exact
kind, cloud, cloud-side name, line and region/account (with the key the value came from)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.helm.config_tree import parse_config
from analyzer.helm.references import extract

FLYTE = """\
storage:
  type: s3
  container: acme-dp-data
  metadataPrefix: s3://acme-dp-data/metadata
  connection:
    auth-type: iam
    region: eu-west-1
logger:
  level: 4
"""

FLUENT_BIT = """\
[SERVICE]
    Flush        5
    Parsers_File parsers.conf
[INPUT]
    Name tail
    Path /var/log/containers/*.log
[OUTPUT]
    Name              cloudwatch_logs
    Match             kube.*
    region            eu-west-1
    log_group_name    /acme/dataplane
    log_stream_prefix fb-
[OUTPUT]
    Name   s3
    Match  audit.*
    bucket acme-audit
    region us-east-1
"""

VECTOR = """\
[sources.k8s]
type = "kubernetes_logs"

[sinks.archive]
type = "aws_s3"
inputs = ["k8s"]
bucket = "acme-archive"
region = "eu-west-1"

[sinks.gcs]
type = "gcp_cloud_storage"
inputs = ["k8s"]
bucket = "acme-gcs"
"""

SECRETS = ('{"backend": "aws-secretsmanager", "region": "eu-west-1", "prefix": "acme/",\n'
           ' "kmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}')

STOW_GCP = """\
storage:
  type: stow
  stow:
    kind: google
    config:
      project_id: acme-dp-prod
      scopes: https://www.googleapis.com/auth/cloud-platform
  container: acme-dp-gcs
"""


def _refs(text: str, name: str) -> list[tuple]:
    parsed = parse_config(text, name)
    assert parsed.error is None
    return [(r.kind, r.cloud, r.name, r.line, r.region[:2] if r.region else None,
             r.account[:2] if r.account else None) for r in extract(parsed.tree)]


def test_flyte_storage_region_beside_the_bucket_in_a_child_section() -> None:
    assert _refs(FLYTE, "storage.yaml") == [
        ("bucket", "aws", "acme-dp-data", 3, ("eu-west-1", 7), None),
        ("bucket", "aws", "acme-dp-data", 4, ("eu-west-1", 7), None),
    ]


def test_fluent_bit_outputs_are_sections_of_their_own() -> None:
    # the cloudwatch output's region is its own (no region key is left over as a setting);
    # the s3 output's us-east-1 does not leak into the cloudwatch section
    assert _refs(FLUENT_BIT, "fluent-bit.conf") == [
        ("log_group", "aws", "/acme/dataplane", 11, ("eu-west-1", 10), None),
        ("bucket", "aws", "acme-audit", 16, ("us-east-1", 17), None),
    ]


def test_vector_toml_sinks() -> None:
    assert _refs(VECTOR, "vector.toml") == [
        ("bucket", "aws", "acme-archive", 7, ("eu-west-1", 8), None),
        ("bucket", "gcp", "acme-gcs", 13, None, None),
    ]


def test_json_secret_backend_arn_gives_region_and_account_and_leaves_a_setting() -> None:
    assert _refs(SECRETS, "secrets.json") == [
        ("setting", "aws", None, 1, ("eu-west-1", 1), None),
        ("kms_key", "aws", None, 2, ("eu-west-1", 2), ("111122223333", 2)),
    ]


def test_stow_google_project_from_a_nested_config() -> None:
    # kind: google sits under stow:, project_id two levels down: both qualify container:
    parsed = parse_config(STOW_GCP, "storage.yaml")
    [bucket] = extract(parsed.tree)
    assert (bucket.kind, bucket.cloud, bucket.name, bucket.line, bucket.region, bucket.account) == (
        "bucket", "gcp", "acme-dp-gcs", 8, None, ("acme-dp-prod", 6, "storage.stow.config.project_id = acme-dp-prod"))


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("AWS_REGION", "us-west-2", [("setting", "aws", None, 1, ("us-west-2", 1), None)]),
    ("GOOGLE_CLOUD_REGION", "europe-west4", []),  # not a region key: ignored, not guessed
    ("GOOGLE_CLOUD_PROJECT", "acme-dp-prod", [("setting", "gcp", None, 1, None, ("acme-dp-prod", 1))]),
    ("region", "not-a-region", []),
    ("DATA", "abfss://raw@acmedpprod.dfs.core.windows.net/landing",
     [("bucket", "azure", "acmedpprod", 1, None, None), ("bucket", "azure", "acmedpprod", 1, None, None)]),
    ("VAULT_URI", "https://acme-dp-kv.vault.azure.net/", [("secret_store", "azure", "acme-dp-kv", 1, None, None)]),
    ("LOGS", "https://logs.eu-central-1.amazonaws.com", [("log_group", "aws", None, 1, ("eu-central-1", 1), None)]),
    ("BUCKET_URL", "https://acme-data.s3.us-east-2.amazonaws.com/x",
     [("bucket", "aws", "acme-data", 1, ("us-east-2", 1), None)]),
    ("ROLE", "arn:aws:iam::999988887777:role/reader", [("identity", "aws", None, 1, None, ("999988887777", 1))]),
    ("LOG_GROUP_ARN", "arn:aws:logs:eu-west-1:111122223333:log-group:/acme/dp:*",
     [("log_group", "aws", "/acme/dp", 1, ("eu-west-1", 1), ("111122223333", 1))]),
    ("SECRET", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:acme/db-AbCdEf",
     [("secret_store", "aws", "acme/db", 1, ("eu-west-1", 1), ("111122223333", 1))]),
    ("KMS_ALIAS", "arn:aws:kms:eu-west-1:111122223333:alias/acme-dp",
     [("kms_key", "aws", "alias/acme-dp", 1, ("eu-west-1", 1), ("111122223333", 1))]),
    ("BUCKET_ARN", "arn:aws:s3:::acme-data/prefix/*", [("bucket", "aws", "acme-data", 1, None, None)]),
    ("DCE", "https://acme-dce-a1b2.westeurope-1.ingest.monitor.azure.com",
     [("log_group", "azure", "acme-dce", 1, ("westeurope", 1), None)]),
    ("GCS", "gs://acme-dp-gcs/runs", [("bucket", "gcp", "acme-dp-gcs", 1, None, None)]),
    ("ENDPOINT", "https://secretmanager.europe-west4.rep.googleapis.com",
     [("endpoint", "gcp", None, 1, ("europe-west4", 1), None)]),
])
def test_single_values(name: str, value: str, expected: list[tuple]) -> None:
    assert _refs(value, name) == expected


def test_declared_format_that_does_not_parse_is_an_error_and_raw_lines_are_still_read() -> None:
    parsed = parse_config("storage: [unclosed\n  bucket: s3://acme-raw\n", "storage.yaml")
    assert parsed.format == "text"
    assert parsed.error is not None and parsed.error.startswith("not valid YAML:")
    assert [(r.kind, r.name, r.line) for r in extract(parsed.tree)] == [("bucket", "acme-raw", 2)]


def test_alias_bomb_in_embedded_yaml_is_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7))
    parsed = parse_config(bomb, "config.yaml")
    assert parsed.error is not None and "alias bomb" in parsed.error


def test_plain_text_is_scanned_line_by_line() -> None:
    text = "upload results to s3://acme-results\nthen notify\n"
    assert _refs(text, "README") == [("bucket", "aws", "acme-results", 1, None, None)]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("[]{}:=,#;@-&*!|>'\" \n\tabs3/.eu-wst1")), max_size=200),
       name=st.sampled_from(["storage.yaml", "fluent-bit.conf", "vector.toml", "secrets.json", "AWS_REGION", "x"]))
def test_any_text_parses_without_raising(text: str, name: str) -> None:
    parsed = parse_config(text, name)
    for reference in extract(parsed.tree):
        assert reference.line >= 1


def test_a_region_one_section_states_does_not_leak_into_its_siblings() -> None:
    # review finding: the second output has no region and must stay unknown (CKV_RES_2), not borrow eu-west-1
    fluent_bit = "[OUTPUT]\n    Name s3\n    bucket app-logs\n    region eu-west-1\n[OUTPUT]\n    Name s3\n    bucket audit-logs\n"
    assert _refs(fluent_bit, "fluent-bit.conf") == [
        ("bucket", "aws", "app-logs", 3, ("eu-west-1", 4), None), ("bucket", "aws", "audit-logs", 7, None, None)]
    # nor does a storage type hint make a sidecar's `container:` a bucket
    config = FLYTE + "tasks:\n  sidecar:\n    container: log-shipper\n"
    assert [name for _, _, name, *_ in _refs(config, "config.yaml")] == ["acme-dp-data", "acme-dp-data"]


@pytest.mark.parametrize("text", ["a-" * 160000, "[a" + " " * 160000, "1" * 40000])
def test_long_values_are_linear(text: str) -> None:
    import time
    started = time.perf_counter()
    extract(parse_config(text, "x").tree)
    assert time.perf_counter() - started < 5  # minutes before the review fixes


def test_generic_project_and_subscription_keys_of_other_tools_are_not_accounts() -> None:
    config = "sentry:\n  project: storefront\nharbor:\n  project: library\nstripe:\n  subscription_id: sub_1Mow\n"
    assert _refs(config, "config.yaml") == []
    assert _refs("web-storefront", "PROJECT_ID") == []
    # beside that cloud's storage they count (stow's project_id, two levels under `kind: google`)
    assert _refs(STOW_GCP, "storage.yaml")[0][5] == ("acme-dp-prod", 6)


def test_in_cluster_minio_is_not_an_aws_bucket_and_ini_that_looks_like_toml_is_read() -> None:
    minio = "store:\n  type: minio\n  bucket: artifacts\n  region: us-east-1\n  endpoint: http://minio:9000\n"
    assert _refs(minio, "config.yaml") == [("bucket", "kubernetes", "artifacts", 3, None, None)]
    assert _refs("[s3]\nbucket = acme-data\nregion = us-east-1\n", "CONFIG") == [
        ("bucket", "aws", "acme-data", 2, ("us-east-1", 3), None)]


def test_a_region_key_whose_value_is_no_region_is_kept_beside_the_bucket() -> None:
    text = FLYTE.replace("region: eu-west-1", "region: test-region")
    buckets = [r for r in extract(parse_config(text, "storage.yaml").tree) if r.kind == "bucket"]
    assert [(r.name, r.cloud, r.line, r.region, r.bad_region) for r in buckets] == [
        ("acme-dp-data", "aws", line, None, ("test-region", 7, "storage.connection.region = test-region"))
        for line in (3, 4)]
    # a real region beside it wins; nothing is remembered as bad
    good = [r for r in extract(parse_config(FLYTE, "storage.yaml").tree) if r.kind == "bucket"]
    assert [(r.region[0] if r.region else None, r.bad_region) for r in good] == [("eu-west-1", None)] * 2
