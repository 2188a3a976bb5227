"""JUnit XML: parses, one suite per rule, failures carry file and line, counts add up."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from analyzer.models import Finding, ScanError, ScanReport
from analyzer.report import render


def parse(report) -> ET.Element:
    return ET.fromstring(render("junit", report).encode("utf-8"))


def suites_by_name(root: ET.Element) -> dict[str, ET.Element]:
    return {s.get("name"): s for s in root.iter("testsuite")}


def test_one_suite_per_rule_in_rule_order(report):
    root = parse(report)
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.iter("testsuite")] == [
        "CKV_RES_1 Resource in home region",
        "CKV_RES_2 Resource in home account",
        "CKV_RES_10 Replication stays home",
        "residency inputs not analyzed",
    ]


def test_counts(report):
    root = parse(report)
    assert root.get("tests") == "10"
    assert root.get("failures") == "2"
    assert root.get("errors") == "1"
    suites = suites_by_name(root)
    expected = {
        "CKV_RES_1 Resource in home region": ("3", "1", "0", "0"),
        "CKV_RES_2 Resource in home account": ("3", "1", "0", "0"),
        "CKV_RES_10 Replication stays home": ("3", "0", "1", "0"),
        "residency inputs not analyzed": ("1", "0", "0", "1"),
    }
    for name, (tests, failures, skipped, errors) in expected.items():
        s = suites[name]
        assert (s.get("tests"), s.get("failures"), s.get("skipped"), s.get("errors")) == (tests, failures, skipped, errors)
        assert len(s.findall("testcase")) == int(tests)


def test_failures_carry_file_line_and_evidence(report):
    root = parse(report)
    failed = [tc for tc in root.iter("testcase") if tc.find("failure") is not None]
    assert len(failed) == 2
    for tc in failed:
        assert tc.get("file") and tc.get("line")
        assert tc.get("classname", "").startswith("CKV_RES_")
    dr = next(tc for tc in failed if tc.get("name") == "aws_s3_bucket.dr")
    assert (dr.get("classname"), dr.get("file"), dr.get("line")) == ("CKV_RES_1", "main.tf", "12")
    failure = dr.find("failure")
    assert failure.get("message") == "Placed in us-east-1 (main.tf:12), not in home region eu-west-1 | see line 12"
    assert failure.get("type") == "HIGH"
    text = failure.text
    assert text.startswith("main.tf:12\n")
    assert "  main.tf:12 provider aws.dr\n  \u2190 variables.tf:6 var.dr_region default" in text
    gcs = next(tc for tc in failed if tc.get("name") == "google_storage_bucket.b")
    assert (gcs.get("file"), gcs.get("line")) == ("gcp/storage.tf", "2")
    assert gcs.find("failure").text.startswith("gcp/storage.tf:2\n")


def test_suppressed_is_skipped_with_reason(report):
    suite = suites_by_name(parse(report))["CKV_RES_10 Replication stays home"]
    skipped = [tc for tc in suite.findall("testcase") if tc.find("skipped") is not None]
    assert len(skipped) == 1
    tc = skipped[0]
    assert (tc.get("name"), tc.get("file"), tc.get("line")) == ("aws_s3_bucket.logs", "main.tf", "25")
    assert tc.find("skipped").get("message") == "suppressed: DR copy approved in ADR-7"
    # the suppressed address gets no passing case for that rule
    assert [t.get("name") for t in suite.findall("testcase")].count("aws_s3_bucket.logs") == 1


def test_passing_cases_are_inventory_rows_without_a_finding(report):
    suite = suites_by_name(parse(report))["CKV_RES_1 Resource in home region"]
    passing = [tc for tc in suite.findall("testcase") if len(tc) == 0]
    assert [(tc.get("name"), tc.get("classname"), tc.get("file"), tc.get("line")) for tc in passing] == [
        ("google_storage_bucket.b", "CKV_RES_1", "gcp/storage.tf", "2"),
        ("aws_s3_bucket.logs", "CKV_RES_1", "main.tf", "20"),
    ]


def test_error_already_reported_as_ckv_res_9_is_not_repeated():
    report = ScanReport(
        tool_version="0.1.0",
        root=".",
        findings=[
            Finding(
                rule_id="CKV_RES_9", rule_name="Input analyzed", severity="HIGH",
                address="modules/broken", file="modules/broken/main.tf", line=4, message="not analyzed",
            )
        ],
        errors=[ScanError(file="modules/broken/main.tf", line=4, message="parse error")],
    )
    root = parse(report)
    assert [s.get("name") for s in root.iter("testsuite")] == ["CKV_RES_9 Input analyzed"]
    assert root.get("tests") == "1" and root.get("failures") == "1" and root.get("errors") == "0"


def test_no_findings_no_rules_is_still_valid_xml():
    root = parse(ScanReport(tool_version="0.1.0", root="."))
    assert root.tag == "testsuites"
    assert root.get("tests") == "0" and root.get("failures") == "0"
    assert [s.get("name") for s in root.iter("testsuite")] == ["residency"]


def test_deterministic(report):
    assert render("junit", report) == render("junit", report)
