"""CKV_RES_9: an input could not be analyzed (fail closed): parse errors, module sources not on disk."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from analyzer.models import ScanReport
from analyzer.policy import PolicyException, load_policy
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits
from tests.rules.helpers import messages as _messages

RULE = "CKV_RES_9"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def messages(report: ScanReport, rule: str = RULE) -> dict[str, str]:
    return _messages(report, rule)


def copy_case(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(CASES / name, target)
    return target


def test_malformed_tf_json_is_not_analyzed_and_the_rest_is() -> None:
    # fixtures must pass `terraform fmt`, which does not read .tf.json: the committed malformed file is JSON
    report = scan(CASES / "parse_error_fail")
    assert hits(report) == {("CKV_RES_9", "replicas.tf.json", "replicas.tf.json", 7)}
    assert messages(report)["replicas.tf.json"] == \
        "syntax error: invalid JSON: Expecting property name enclosed in double quotes; not analyzed"
    assert [r.address for r in report.inventory] == ["aws_s3_bucket.data"]
    assert report.summary.errors == 1


def test_malformed_tf_is_not_analyzed_and_the_rest_is(tmp_path: Path) -> None:
    folder = copy_case("parse_error_fail", tmp_path)
    (folder / "replicas.tf.json").unlink()
    (folder / "replicas.tf").write_text(
        'resource "aws_s3_bucket" "replica" {\n  provider = aws.dr\n  bucket   = "acme-dp-replica"\n\n'
        '  tags = {\n    team = "data"\n}\n')
    report = scan(folder)
    assert hits(report) == {("CKV_RES_9", "replicas.tf", "replicas.tf", 7)}
    assert messages(report)["replicas.tf"] == \
        "syntax error: unexpected end of input (unclosed block, string or bracket?); not analyzed"
    assert [r.address for r in report.inventory] == ["aws_s3_bucket.data"]


def test_module_sources_not_on_disk_are_not_analyzed() -> None:
    report = scan(CASES / "module_missing_fail")
    assert hits(report) == {
        ("CKV_RES_9", "module.network", "main.tf", 7),
        ("CKV_RES_9", "module.logs_bucket", "main.tf", 14),
    }
    found = messages(report)
    assert found["module.network"] == ('module source "./modules/network" not found '
                                       "(modules/network is not a folder); not analyzed")
    assert found["module.logs_bucket"].startswith(
        'module source "terraform-aws-modules/s3-bucket/aws" is not on disk (no .terraform/modules entry; '
        "run `terraform init -backend=false` before scanning")
    assert {f.severity for f in report.findings} == {"HIGH"}
    assert [r.address for r in report.inventory] == ["aws_s3_bucket.data"]


def test_local_and_initialised_registry_modules_pass() -> None:
    report = scan(CASES / "pass")
    assert report.findings == []
    assert report.errors == []
    assert {r.address: r.file for r in report.inventory} == {
        "aws_s3_bucket.data": "main.tf",
        "module.app_logs.aws_cloudwatch_log_group.this": "modules/log-group/main.tf",
        "module.archive.aws_s3_bucket.this": ".terraform/modules/archive/main.tf",
    }


def test_a_policy_exception_naming_the_module_suppresses_and_expires() -> None:
    policy = load_policy(CASES / "module_missing_fail" / "residency.yaml")
    policy.exceptions = [
        PolicyException(rule=RULE, address="module.logs_bucket", reason="scanned from the plan JSON in CI",
                         expires=dt.date(2099, 6, 30)),
        PolicyException(rule=RULE, address="module.network", reason="network module vendored last quarter",
                        expires=dt.date(2020, 1, 31)),
    ]
    report = scan(CASES / "module_missing_fail", policy=policy)
    by_address = {f.address: f for f in report.findings if f.rule_id == RULE}
    assert by_address["module.logs_bucket"].suppressed == \
        "residency.yaml exception until 2099-06-30: scanned from the plan JSON in CI"
    assert by_address["module.network"].suppressed is None
    assert by_address["module.network"].message.endswith("(the residency.yaml exception expired on 2020-01-31)")


def test_a_policy_exception_naming_the_file_suppresses_a_parse_error() -> None:
    policy = load_policy(CASES / "parse_error_fail" / "residency.yaml")
    policy.exceptions = [PolicyException(rule=RULE, address="replicas.tf.json", reason="generated, fixed upstream",
                                         expires=dt.date(2099, 1, 1))]
    (finding,) = [f for f in scan(CASES / "parse_error_fail", policy=policy).findings if f.rule_id == RULE]
    assert finding.suppressed is not None


def test_a_resource_block_without_a_name_is_not_analyzed(tmp_path: Path) -> None:
    folder = copy_case("parse_error_fail", tmp_path)
    (folder / "replicas.tf.json").unlink()
    (folder / "replicas.tf").write_text('resource "aws_s3_bucket" {\n  bucket = "acme-dp-replica"\n}\n')
    assert hits(scan(folder)) == {("CKV_RES_9", "replicas.tf", "replicas.tf", 1)}


def test_a_duplicate_resource_is_not_analyzed(tmp_path: Path) -> None:
    folder = copy_case("parse_error_fail", tmp_path)
    (folder / "replicas.tf.json").unlink()
    (folder / "replicas.tf").write_text('resource "aws_s3_bucket" "data" {\n  bucket = "acme-dp-data-2"\n}\n')
    assert RULE in {f.rule_id for f in scan(folder).findings}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_9(cloud: str) -> None:
    report = scan(CLEAN / cloud)
    assert hits(report) == set()
    assert report.errors == []


def test_empty_yaml_documents_in_a_configmap_are_valid() -> None:
    # `{}`, `groups: []` and a comment-only file are what the Prometheus chart renders for its
    # empty rule files; bare words under a `.yaml` key are still not YAML
    report = scan(CASES / "helm_empty_yaml")
    assert {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings} == {
        ("CKV_RES_1", "ConfigMap/monitoring/prometheus-server", "prometheus.yaml", 25,
         "ConfigMap/monitoring/prometheus-server names region us-east-1, outside the allowed region eu-west-1"),
        ("CKV_RES_9", "ConfigMap/monitoring/prometheus-notes", "prometheus.yaml", 40,
         "ConfigMap/monitoring/prometheus-notes motd.yaml: not valid YAML: no mapping or list in it; only its raw "
         "lines were analyzed; not analyzed"),
    }
