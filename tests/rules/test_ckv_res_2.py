"""CKV_RES_2: a located resource's region cannot be resolved statically (fail closed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.models import ScanReport
from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from analyzer.terraform.variables import CliVar
from tests.conftest import FIXTURES
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits
from tests.rules.helpers import messages as _messages

RULE = "CKV_RES_2"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def messages(report: ScanReport, rule: str = RULE) -> dict[str, str]:
    return _messages(report, rule)


UNSET = "has no default and is not set"
PLAN_TIME = "is read from the cloud at plan time"

FAILING = {
    "aws_fail": {
        ("CKV_RES_2", "aws_s3_bucket.data", "main.tf", 1): f"var.region {UNSET}",
        ("CKV_RES_2", "aws_s3_bucket.dr", "main.tf", 5): f"data.aws_ssm_parameter.dr_region.value {PLAN_TIME}",
    },
    "gcp_fail": {
        ("CKV_RES_2", "google_storage_bucket.archive", "main.tf", 1): f"var.archive_location {UNSET}",
    },
    "azure_fail": {
        ("CKV_RES_2", "azurerm_key_vault.main", "main.tf", 6): f"data.azurerm_resource_group.shared.location {PLAN_TIME}",
        # the secret inherits the vault's unknown location
        ("CKV_RES_2", "azurerm_key_vault_secret.api", "main.tf", 14): f"data.azurerm_resource_group.shared.location {PLAN_TIME}",
    },
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_unresolvable_regions_fail_closed(case: str) -> None:
    report = scan(CASES / case)
    assert hits(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id != RULE:
            continue
        why = FAILING[case][(finding.rule_id, finding.address, finding.file, finding.line)]
        assert finding.message.startswith(f"region of {finding.address} cannot be resolved statically: {why}")
        assert finding.region is None
        assert finding.suppressed is None
    # an unknown region is never reported as a region violation
    assert not hits(report, "CKV_RES_1")


def test_the_message_says_how_to_set_the_variable() -> None:
    text = messages(scan(CASES / "aws_fail"))["aws_s3_bucket.data"]
    assert text.endswith("(set it with --var, a .tfvars file or TF_VAR_region)")


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_static_regions_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert all(r.region.status == "resolved" for r in report.inventory)


def test_a_cli_var_resolves_the_region() -> None:
    report = scan(CASES / "gcp_fail", ScanOptions(env={}, cli_vars=[CliVar("var", "archive_location=europe-west4")]))
    assert hits(report) == set()
    assert report.findings == []


def test_tf_var_environment_resolves_the_region_and_a_wrong_one_fails_ckv_res_1() -> None:
    report = scan(CASES / "gcp_fail", ScanOptions(env={"TF_VAR_archive_location": "US-EAST1"}))
    assert hits(report) == set()
    assert hits(report, "CKV_RES_1") == {("CKV_RES_1", "google_storage_bucket.archive", "main.tf", 1)}
    assert messages(report, "CKV_RES_1")["google_storage_bucket.archive"] == \
        "google_storage_bucket.archive is in us-east1, outside the allowed region europe-west4"


def test_fail_on_unknown_false_reports_no_finding_but_keeps_the_unknown_in_the_inventory() -> None:
    report = scan(CASES / "aws_unknown_allowed")
    assert hits(report) == set()
    assert report.findings == []
    assert {r.address: r.region.status for r in report.inventory} == {
        "aws_s3_bucket.data": "unknown", "aws_s3_bucket.dr": "unknown"}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_2(cloud: str) -> None:
    assert hits(scan(CLEAN / cloud)) == set()


# --- accounts, projects and subscriptions ---------------------------------------------------

E_NOTATION = ("its account 9.99999999999e+11 is a number Helm printed in e-notation (Helm reads a bare number in a "
              "values file as a float64; quote the account in the values file, or pass it with --set or --set-string)")
ROLE_UNSET = ("cannot read an account from assume_role.role_arn ((unknown: var.deploy_account_id has no default and is "
              "not set (set it with --var, a .tfvars file or TF_VAR_deploy_account_id)))")
ACCOUNT_FAILING = {
    "aws_account_fail": {
        ("CKV_RES_2", "aws_s3_bucket.data", "main.tf", 1): f"account of aws_s3_bucket.data cannot be resolved "
                                                            f"statically: {ROLE_UNSET}",
        ("CKV_RES_2", "aws_sqs_queue.events", "main.tf", 5): f"account of aws_sqs_queue.events cannot be resolved "
                                                             f"statically: {ROLE_UNSET}",
    },
    "gcp_project_fail": {
        ("CKV_RES_2", "google_storage_bucket.archive", "main.tf", 7):
            "project of google_storage_bucket.archive cannot be resolved statically: var.archive_project has no "
            "default and is not set (set it with --var, a .tfvars file or TF_VAR_archive_project)",
    },
    "plan_account_fail": {
        ("CKV_RES_2", "aws_s3_bucket.data", "plan.json", 25):
            "account of aws_s3_bucket.data cannot be resolved statically: cannot read an account from "
            "assume_role.role_arn ((unknown: data.aws_ssm_parameter.deploy_role is not read during the plan (not in prior_state)))",
    },
    # `--set account=999999999999` rendered as a float: the IRSA role names no account
    "helm_account_fail": {
        ("CKV_RES_2", "ServiceAccount/jobs/runner", "runner.yaml", 2):
            "account of ServiceAccount/jobs/runner cannot be resolved statically: eks.amazonaws.com/role-arn "
            f"'arn:aws:iam::9.99999999999e+11:role/runner' names no account: {E_NOTATION}",
    },
}


@pytest.mark.parametrize("case", sorted(ACCOUNT_FAILING))
def test_unresolvable_accounts_fail_closed(case: str) -> None:
    report = scan(CASES / case)
    found = {(f.rule_id, f.address, f.file, f.line): f for f in report.findings if f.rule_id == RULE}
    assert {key: f.message for key, f in found.items()} == ACCOUNT_FAILING[case]
    assert all(f.account is None and f.suppressed is None for f in found.values())


def test_an_unknown_account_keeps_its_evidence_chain() -> None:
    report = scan(CASES / "aws_account_fail")
    [finding] = [f for f in report.findings if f.rule_id == RULE and f.address == "aws_s3_bucket.data"]
    assert [(e.file, e.line) for e in finding.evidence] == [("main.tf", 1), ("providers.tf", 6), ("variables.tf", 1)]
    assert finding.region == "eu-west-1"


def test_an_unpinned_provider_is_reported_once_not_per_resource() -> None:
    report = scan(CASES / "aws_account_fail")
    assert "aws_cloudwatch_log_group.tooling" not in {f.address for f in report.findings}
    assert hits(report, "CKV_RES_8") == {("CKV_RES_8", "provider.aws.tooling", "providers.tf", 12)}


def test_a_resolved_role_and_an_azure_client_id_are_not_unknown_accounts() -> None:
    report = scan(CASES / "helm_account_fail")
    assert {f.address for f in report.findings} == {"ServiceAccount/jobs/runner"}


def test_fail_on_unknown_false_also_turns_off_unknown_accounts() -> None:
    from analyzer.policy import Policy

    report = scan(CASES / "aws_account_fail", policy=Policy(region="eu-west-1", fail_on_unknown=False))
    assert hits(report) == set()


def test_region_and_account_unknown_for_one_reason_is_one_finding() -> None:
    from analyzer.rules import ckv_res_2
    from analyzer.rules.base import RuleContext

    from analyzer.models import InventoryRow, Placement

    why = "module.dr is not on disk"
    row = InventoryRow(address="module.dr.aws_s3_bucket.b", type="aws_s3_bucket", kind="bucket", cloud="aws",
                       region=Placement(status="unknown", reason=why), account=Placement(status="unknown", reason=why),
                       file="main.tf", line=3)
    context = RuleContext(regions=("eu-west-1",), accounts=("111122223333",))
    assert [v.message for v in ckv_res_2.check(row, context)] == [
        f"region of module.dr.aws_s3_bucket.b cannot be resolved statically: {why}"]
    row.account = Placement(status="unknown", reason="var.account_id has no default")
    assert [v.message.split(":")[0] for v in ckv_res_2.check(row, context)] == [
        "region of module.dr.aws_s3_bucket.b cannot be resolved statically",
        "account of module.dr.aws_s3_bucket.b cannot be resolved statically"]


def test_a_chart_rendering_an_account_as_a_float_fails_closed(tmp_path) -> None:
    # Helm reads values.yaml numbers as float64: an unquoted 12-digit account renders 9.99999999999e+11
    (tmp_path / "templates").mkdir()
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: runner\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text("account: 999999999999\n")
    (tmp_path / "templates" / "sa.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n  annotations:\n"
        "    eks.amazonaws.com/role-arn: arn:aws:iam::{{ .Values.account }}:role/runner\n")
    from analyzer.policy import Policy

    report = scan(tmp_path, policy=Policy(region="eu-west-1", accounts=["111122223333"]))
    assert [(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings] == [
        ("CKV_RES_2", "ServiceAccount/default/runner", "templates/sa.yaml", 1,
         "account of ServiceAccount/default/runner cannot be resolved statically: eks.amazonaws.com/role-arn "
         f"'arn:aws:iam::9.99999999999e+11:role/runner' names no account: {E_NOTATION}")]


def test_the_region_is_the_default_providers_not_the_replicas() -> None:
    # the DR bucket's provider (eu-central-1) sorts first on a tie of the resource count; the
    # root's default provider (eu-west-1) is the data plane's region
    report = scan(FIXTURES / "rules" / "ckv_res_4" / "aws_s3_replication_rules_fail", policy=Policy())
    assert (report.summary.region, report.summary.region_inferred) == ("eu-west-1", True)
    assert {(f.rule_id, f.address, f.line) for f in report.findings if f.rule_id == "CKV_RES_1"} == {
        ("CKV_RES_1", "aws_s3_bucket.dr", 12)}


def test_roots_whose_default_providers_disagree_ask_for_a_region() -> None:
    report = scan(CASES / "aws_roots_disagree", policy=Policy())
    assert (report.summary.region, report.summary.region_inferred) == (None, False)
    message = ("the data plane's region cannot be inferred: the scanned roots' default providers disagree "
               "(live/eu: eu-west-1, live/us: us-east-1); scan with --region (or set `region` in residency.yaml)")
    assert {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings} == {
        (RULE, "provider.aws", "live/eu/main.tf", 1, message), (RULE, "provider.aws", "live/us/main.tf", 1, message)}
    # a configured region settles it
    settled = scan(CASES / "aws_roots_disagree", policy=Policy(region="eu-west-1"))
    assert {(f.rule_id, f.address, f.file) for f in settled.findings} == {
        ("CKV_RES_1", "aws_s3_bucket.data", "live/us/main.tf")}


def test_a_region_key_that_names_no_region_of_the_cloud_says_so() -> None:
    report = scan(CASES / "helm_bad_region_fail")
    config = "ConfigMap/flyte/flyte-binary-config"
    assert {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings} == {
        (RULE, config, "flyte.yaml", 13,
         f"region of {config} cannot be resolved statically: {config} names bucket acme-dp-metadata (000-storage.yaml) "
         "beside storage.connection.region = test-region, which is not an AWS region")}
    finding = report.findings[0]
    assert [e.render() for e in finding.evidence] == [
        f"flyte.yaml:16 {config} 000-storage.yaml: storage.connection.region = test-region"]


def test_a_parent_named_by_an_unset_variable_has_its_chain(tmp_path: Path) -> None:
    """A container whose account is `var.account_name` (unset): the finding says why and its
    evidence reaches the variable (it was empty)."""
    (tmp_path / "main.tf").write_text('''provider "azurerm" {
  features {}
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "account_name" {
  type = string
}

resource "azurerm_storage_container" "c" {
  name                 = "data"
  storage_account_name = var.account_name
}
''')
    report = run_scan([tmp_path], Policy(region="westeurope"), ScanOptions(env={}, use_cache=False))
    assert [(f.rule_id, f.address, f.line, [(e.line, e.note) for e in f.evidence]) for f in report.findings] == [
        ("CKV_RES_2", "azurerm_storage_container.c", 10,
         [(12, "azurerm_storage_container.c storage_account_name"), (6, "var.account_name is not set")]),
    ]
