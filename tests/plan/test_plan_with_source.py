"""The same data plane scanned as HCL, as its plan, and as both together."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.policy import load_policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

CASE = FIXTURES / "plan_with_source"


def verdicts(folder: Path) -> set[tuple[str, str, str, int]]:
    report = run_scan([folder], load_policy(CASE / "residency.yaml"), ScanOptions(env={}))
    return {(f.rule_id, f.address, f.file, f.line) for f in report.active_findings()}


def copy(tmp_path: Path, *names: str) -> Path:
    for name in (*names, "residency.yaml"):
        shutil.copy(CASE / name, tmp_path / name)
    return tmp_path


def test_hcl_alone_cannot_know_the_region_the_deploy_job_passes(tmp_path: Path) -> None:
    assert verdicts(copy(tmp_path, "main.tf")) == {
        ("CKV_RES_2", "aws_s3_bucket.data", "main.tf", 21),
        ("CKV_RES_1", "aws_s3_bucket.dr", "main.tf", 25),
    }


def test_the_plan_agrees_where_hcl_knows_and_answers_where_it_does_not(tmp_path: Path) -> None:
    # dr: outside the region in both; data: unknown in HCL, eu-west-1 (a pass) in the plan
    assert verdicts(copy(tmp_path, "plan.json")) == {("CKV_RES_1", "aws_s3_bucket.dr", "plan.json", 1)}


def test_together_the_plan_supersedes_and_points_at_the_declaration() -> None:
    report = run_scan([CASE], load_policy(CASE / "residency.yaml"), ScanOptions(env={}))
    assert [(r.address, r.file, r.region.value) for r in report.inventory] == [
        ("aws_s3_bucket.data", "main.tf", "eu-west-1"), ("aws_s3_bucket.dr", "main.tf", "us-east-1")]
    [finding] = report.findings
    # placed at the declaration a fix changes; the plan's steps follow in the chain
    assert (finding.rule_id, finding.address, finding.file, finding.line) == ("CKV_RES_1", "aws_s3_bucket.dr", "main.tf", 25)
    assert any(step.file == "plan.json" for step in finding.evidence)
    assert finding.evidence[0].render() == "main.tf:25 aws_s3_bucket.dr is declared here"
    assert sorted(p.address for p in report.providers) == ["provider.aws", "provider.aws.dr"]


def test_inline_skips_in_the_source_apply_to_the_planned_resource(tmp_path: Path) -> None:
    folder = copy(tmp_path, "main.tf", "plan.json")
    text = (folder / "main.tf").read_text().replace(
        "  provider = aws.dr\n", "  # checkov:skip=CKV_RES_1: DR copy agreed with the customer (SEC-9)\n  provider = aws.dr\n")
    (folder / "main.tf").write_text(text)
    report = run_scan([folder], load_policy(CASE / "residency.yaml"), ScanOptions(env={}))
    [finding] = report.findings
    assert finding.suppressed == "checkov:skip in source: DR copy agreed with the customer (SEC-9)"


FLOWS = FIXTURES / "plan_with_source_flows"


def _flow_verdicts(folder: Path) -> set[tuple[str, str, str, int]]:
    report = run_scan([folder], load_policy(FLOWS / "residency.yaml"), ScanOptions(env={}))
    return {(f.rule_id, f.address, f.file, f.line) for f in report.active_findings()}


HCL_FLOW_FINDINGS = {
    ("CKV_RES_6", "aws_s3_bucket_policy.data", "main.tf", 17),
    ("CKV_RES_7", "aws_ecs_task_definition.worker", "main.tf", 29),
}


def test_hcl_alone_proves_the_foreign_grant_and_the_public_image(tmp_path: Path) -> None:
    shutil.copy(FLOWS / "main.tf", tmp_path / "main.tf")
    assert _flow_verdicts(tmp_path) == HCL_FLOW_FINDINGS


def test_a_plan_beside_its_hcl_never_hides_what_the_hcl_proves() -> None:
    # the plan leaves the policy unknown (it embeds the bucket ARN): the HCL's grant must survive
    assert _flow_verdicts(FLOWS) == HCL_FLOW_FINDINGS


def test_the_plan_alone_states_the_image_its_json_knows(tmp_path: Path) -> None:
    # the container definitions are known in the plan: CKV_RES_7 without the HCL; the policy is
    # computed at apply (unknown), so its grant is the HCL's to prove (see the test above)
    for name in ("plan.json", "residency.yaml"):
        shutil.copy(FLOWS / name, tmp_path / name)
    assert _flow_verdicts(tmp_path) == {("CKV_RES_7", "aws_ecs_task_definition.worker", "plan.json", 1)}
