"""CKV_RES_6: access or data flows to another account (policies, log subscriptions, IAM members, replication)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.models import ScanReport
from analyzer.policy import Policy, load_policy
from analyzer.scan import ScanOptions, run_scan
from analyzer.terraform.variables import CliVar
from tests.rules.helpers import CLEAN, cases, scan
from tests.rules.helpers import hits as _hits

RULE = "CKV_RES_6"
CASES = cases(RULE)


def hits(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int]]:
    return _hits(report, rule)


def found(report: ScanReport, rule: str = RULE) -> set[tuple[str, str, str, int, str]]:
    """(rule, address, file, line, message) - several grants of one policy share its line."""
    return {(f.rule_id, f.address, f.file, f.line, f.message) for f in report.findings if f.rule_id == rule}


AWS = "111122223333"
SUB = "9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59"
VENDOR_SUB = "0c8e7d6f-1a2b-4c3d-9e8f-7a6b5c4d3e2f"
VENDOR_SA = "/subscriptions/0c8e7d6f-1a2b-4c3d-9e8f-7a6b5c4d3e2f/resourceGroups/rg-vendor/providers/Microsoft.Storage/storageAccounts/stvendorcopy"
ANYONE = "anyone, in any account"


def not_allowed(account: str, allowed: str = AWS) -> str:
    return f"account {account} is not in the allowed {allowed}"


FAILING = {
    # the policy's Resource names the bucket ARN (computed): the principals are still read
    "aws_bucket_policy_fail": {
        ("CKV_RES_6", "aws_s3_bucket_policy.exports", "main.tf", 8,
         "aws_s3_bucket_policy.exports policy grants access to arn:aws:iam::999988887777:role/support-readonly: "
         + not_allowed("999988887777")): "999988887777",
        ("CKV_RES_6", "aws_s3_bucket_policy.exports", "main.tf", 8,
         "aws_s3_bucket_policy.exports policy grants access to 444455556666: " + not_allowed("444455556666")): "444455556666",
    },
    "aws_public_principal_fail": {
        ("CKV_RES_6", "aws_s3_bucket_policy.docs", "main.tf", 7,
         f"aws_s3_bucket_policy.docs policy grants access to *: {ANYONE}"): "*",
        ("CKV_RES_6", "aws_secretsmanager_secret_policy.shared", "main.tf", 29,
         f"aws_secretsmanager_secret_policy.shared policy grants access to *: {ANYONE}"): "*",
    },
    "aws_log_subscription_fail": {
        ("CKV_RES_6", "aws_cloudwatch_log_subscription_filter.audit", "main.tf", 11,
         "aws_cloudwatch_log_subscription_filter.audit streams logs to "
         "arn:aws:logs:eu-west-1:444455556666:destination:central-audit: " + not_allowed("444455556666")): "444455556666",
    },
    # policy = data.aws_iam_policy_document.key.json
    "aws_policy_document_fail": {
        ("CKV_RES_6", "aws_kms_key.data", "main.tf", 28,
         "aws_kms_key.data policy grants access to arn:aws:iam::999988887777:root: " + not_allowed("999988887777")):
            "999988887777",
    },
    "gcp_iam_fail": {
        ("CKV_RES_6", "google_storage_bucket_iam_member.partner", "main.tf", 11,
         "google_storage_bucket_iam_member.partner grants access to "
         "serviceAccount:ingest@partner-etl-prod.iam.gserviceaccount.com: "
         + not_allowed("partner-etl-prod", "acme-data-prod")): "partner-etl-prod",
        ("CKV_RES_6", "google_storage_bucket_iam_binding.public", "main.tf", 17,
         f"google_storage_bucket_iam_binding.public grants access to allUsers: {ANYONE}"): "*",
    },
    "azure_object_replication_fail": {
        ("CKV_RES_6", "azurerm_storage_object_replication.to_vendor", "main.tf", 17,
         f"azurerm_storage_object_replication.to_vendor replicates objects to {VENDOR_SA}: "
         + not_allowed(VENDOR_SUB, SUB)): VENDOR_SUB,
    },
}


@pytest.mark.parametrize("case", sorted(FAILING))
def test_flows_to_other_accounts_fail(case: str) -> None:
    report = scan(CASES / case)
    assert found(report) == set(FAILING[case])
    for finding in report.findings:
        if finding.rule_id == RULE:
            key = (finding.rule_id, finding.address, finding.file, finding.line, finding.message)
            assert finding.account == FAILING[case][key]
            assert finding.severity == "CRITICAL"


def test_deny_statements_and_own_account_grants_are_not_findings() -> None:
    # aws_bucket_policy_fail also grants the own account; aws_pass has a Deny with Principal "*"
    report = scan(CASES / "aws_bucket_policy_fail")
    assert not any("111122223333:root" in f.message for f in report.findings)
    assert hits(scan(CASES / "aws_pass")) == set()


def test_same_region_foreign_log_destination_is_not_a_region_finding() -> None:
    report = scan(CASES / "aws_log_subscription_fail")
    assert hits(report, "CKV_RES_4") == set()


@pytest.mark.parametrize("case", ["aws_pass", "gcp_pass", "azure_pass"])
def test_own_account_flows_pass(case: str) -> None:
    report = scan(CASES / case)
    assert report.findings == []
    assert any(r.flows for r in report.inventory)  # the flows were read, not skipped


def test_google_service_agents_are_not_foreign_projects() -> None:
    report = scan(CASES / "gcp_pass")
    members = [f.description for r in report.inventory for f in r.flows]
    assert members == ["grants access to serviceAccount:pipelines@acme-data-prod.iam.gserviceaccount.com"]


def test_allowing_the_partner_account_clears_only_its_grant() -> None:
    policy = load_policy(CASES / "aws_bucket_policy_fail" / "residency.yaml")
    policy = policy.model_copy(update={"accounts": [*policy.accounts, "999988887777"]})
    report = run_scan([CASES / "aws_bucket_policy_fail"], policy, ScanOptions(env={}))
    assert {f.account for f in report.findings if f.rule_id == RULE} == {"444455556666"}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_clean_data_planes_have_no_ckv_res_6(cloud: str) -> None:
    assert hits(scan(CLEAN / cloud)) == set()


CONDITIONS = {
    ("CKV_RES_6", "aws_s3_bucket_policy.logs", "main.tf", 36,
     "aws_s3_bucket_policy.logs policy grants access to * in organization o-a1b2c3d4e5: "
     "an organization, not a proof of account (list the accounts with aws:PrincipalAccount)"): "o-a1b2c3d4e5",
    ("CKV_RES_6", "aws_s3_bucket_policy.logs", "main.tf", 36,
     "aws_s3_bucket_policy.logs policy grants access to * where aws:PrincipalArn is 444455556666: "
     + not_allowed("444455556666")): "444455556666",
    # `StringEqualsIfExists` does not bound the caller: the key may be absent
    ("CKV_RES_6", "aws_s3_bucket_policy.logs", "main.tf", 36,
     f"aws_s3_bucket_policy.logs policy grants access to *: {ANYONE}"): "*",
    ("CKV_RES_6", "aws_sns_topic_policy.alerts", "main.tf", 86,
     "aws_sns_topic_policy.alerts policy grants access to * where aws:SourceAccount is a value not known statically: "
     "the account it is limited to cannot be resolved statically (var.publisher_account has no default and is not "
     "set (set it with --var, a .tfvars file or TF_VAR_publisher_account))"): None,
    ("CKV_RES_6", "aws_sns_topic_policy.alerts", "main.tf", 86,
     "aws_sns_topic_policy.alerts policy grants access to * where aws:SourceArn is 777788889999: "
     + not_allowed("777788889999")): "777788889999",
}


def test_wildcard_principals_are_judged_by_their_account_conditions() -> None:
    # the KMS key's `kms:CallerAccount` = own account (AWS's default key policy shape) and its
    # Deny + NotPrincipal statement are not findings; the bucket's own-account PrincipalArn neither
    report = scan(CASES / "aws_conditions_fail")
    assert found(report) == set(CONDITIONS)
    assert {(f.rule_id, f.address, f.file, f.line, f.message): f.account
            for f in report.findings if f.rule_id == RULE} == CONDITIONS
    kms = next(r for r in report.inventory if r.address == "aws_kms_key.ebs")
    assert [(f.description, f.account.value) for f in kms.flows] == [
        ("policy grants access to * where kms:CallerAccount is 111122223333", "111122223333")]


def test_a_condition_account_set_on_the_command_line_is_judged() -> None:
    report = scan(CASES / "aws_conditions_fail",
                  ScanOptions(env={}, use_cache=False, cli_vars=[CliVar("var", f"publisher_account={AWS}")]))
    assert not any(f.address == "aws_sns_topic_policy.alerts" and "SourceAccount" in f.message for f in report.findings)


UNKNOWN_GRANTEE_TF = '''provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias  = "loose"
  region = "eu-west-1"
}

variable "partner_account" {
  type = string
}

data "aws_caller_identity" "loose" {
  provider = aws.loose
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.partner_account}:root" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.data.arn}/*"
    }]
  })
}

resource "aws_kms_grant" "reader" {
  key_id            = "arn:aws:kms:eu-west-1:111122223333:key/0d2f5c1e-1111-2222-3333-444455556666"
  grantee_principal = "arn:aws:iam::${var.partner_account}:role/reader"
  operations        = ["Decrypt"]
}

resource "aws_s3_bucket" "loose" {
  provider = aws.loose
  bucket   = "acme-loose"
}

resource "aws_s3_bucket_policy" "loose" {
  provider = aws.loose
  bucket   = aws_s3_bucket.loose.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.loose.account_id}:root" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.loose.arn}/*"
    }]
  })
}
'''


def test_a_grantee_account_nobody_can_name_is_a_finding_not_a_pass(tmp_path: Path) -> None:
    """An unset variable decides who gets the data: before, the grant was recorded and no rule
    judged it (a silent pass). A caller-identity principal under a provider pinning no account
    is CKV_RES_8's one finding for that provider, not repeated here."""
    (tmp_path / "main.tf").write_text(UNKNOWN_GRANTEE_TF)
    report = run_scan([tmp_path], Policy(region="eu-west-1", accounts=["111122223333"]), ScanOptions(env={}, use_cache=False))
    found = [(f.rule_id, f.address, f.line, f.message) for f in report.findings if f.rule_id in ("CKV_RES_6", "CKV_RES_8")]
    reason = ("var.partner_account has no default and is not set (set it with --var, a .tfvars file or "
              "TF_VAR_partner_account)")
    assert found == [
        ("CKV_RES_8", "provider.aws.loose", 6, "provider.aws.loose does not pin its account: set allowed_account_ids "
                                              "(or assume_role.role_arn)"),
        ("CKV_RES_6", "aws_s3_bucket_policy.data", 25,
         "aws_s3_bucket_policy.data policy grants access to arn:aws:iam::${var.partner_account}:root: the account it "
         f"reaches cannot be resolved statically ({reason})"),
        ("CKV_RES_6", "aws_kms_grant.reader", 38,
         f"aws_kms_grant.reader KMS grant to aws_kms_grant.reader: the account it reaches cannot be resolved statically ({reason})"),
    ]


GCP_UNKNOWN_TF = '''provider "google" {
  project = "acme-dp"
  region  = "europe-west1"
}

variable "dest" { type = string }
variable "member" { type = string }

resource "google_logging_project_sink" "all" {
  name        = "all"
  destination = var.dest
}

resource "google_storage_bucket" "b" {
  name     = "acme-b"
  location = "europe-west1"
}

resource "google_storage_bucket_iam_member" "m" {
  bucket = google_storage_bucket.b.name
  role   = "roles/storage.objectViewer"
  member = var.member
}
'''


def test_an_unknown_sink_destination_and_member_are_findings_once_each(tmp_path: Path) -> None:
    """A sink whose destination is an unset variable was recorded with no finding (a silent pass);
    now CKV_RES_4 reports its unknown destination once (its account, unknown for the same reason,
    is not reported again by CKV_RES_6), and an unknown IAM member is CKV_RES_6."""
    (tmp_path / "main.tf").write_text(GCP_UNKNOWN_TF)
    report = run_scan([tmp_path], Policy(region="europe-west1", accounts=["acme-dp"]), ScanOptions(env={}, use_cache=False))
    assert [(f.rule_id, f.address, f.line, f.message.split(": ")[0]) for f in report.findings] == [
        ("CKV_RES_4", "google_logging_project_sink.all", 11,
         "google_logging_project_sink.all routes logs to a destination not known statically"),
        ("CKV_RES_6", "google_storage_bucket_iam_member.m", 22,
         "google_storage_bucket_iam_member.m grants access to an identity not known statically"),
    ]
    assert [(f.evidence[-1].line, f.evidence[-1].note) for f in report.findings] == [
        (6, "var.dest is not set"), (7, "var.member is not set")]


def test_a_sink_to_a_computed_bucket_id_from_a_module_is_placed_by_that_bucket(tmp_path: Path) -> None:
    """fabric's organization module writes `"logging.googleapis.com/${each.value.destination}"` with
    a log bucket's computed `id` from another module's output: the sink links to that bucket's
    row (its location and project), instead of an unknown destination."""
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "main.tf").write_text('''variable "project" { type = string }
variable "location" { type = string }

resource "google_logging_project_bucket_config" "audit" {
  project   = var.project
  location  = var.location
  bucket_id = "audit"
}

output "id" {
  value = google_logging_project_bucket_config.audit.id
}
''')
    (tmp_path / "main.tf").write_text('''provider "google" {
  project = "acme-dp"
  region  = "europe-west1"
}

module "logs" {
  source   = "./logs"
  project  = "acme-logs"
  location = "us-central1"
}

resource "google_logging_project_sink" "audit" {
  name        = "audit"
  destination = "logging.googleapis.com/${module.logs.id}"
}
''')
    report = run_scan([tmp_path], Policy(region="europe-west1", accounts=["acme-dp", "acme-logs"]),
                      ScanOptions(env={}, use_cache=False))
    sink = next(row for row in report.inventory if row.address == "google_logging_project_sink.audit")
    assert [(f.region.value, f.account.value) for f in sink.flows] == [("us-central1", "acme-logs")]
    assert [(f.rule_id, f.address, f.line, f.region) for f in report.findings if f.rule_id in ("CKV_RES_4", "CKV_RES_6")] == [
        ("CKV_RES_4", "google_logging_project_sink.audit", 14, "us-central1")]
