"""The JSON report: exact keys, key order, sorting, determinism."""

from __future__ import annotations

import json
import random

from analyzer.report import json_report, render

TOP_KEYS = ["tool", "root", "findings", "inventory", "providers", "errors", "unused_exceptions", "summary"]
FINDING_KEYS = [
    "rule_id", "rule_name", "severity", "address", "file", "line", "message",
    "region", "account", "evidence", "fingerprint", "suppressed",
]
INVENTORY_KEYS = [
    "address", "type", "kind", "cloud", "region", "region_status", "account", "account_status",
    "file", "line", "evidence",
]


def test_top_level_keys_in_order(report):
    data = json.loads(render("json", report))
    assert list(data) == TOP_KEYS
    assert data["tool"] == {"name": "residency", "version": "0.1.0"}
    assert data["root"] == "/src/infra"


def test_findings_sorted_by_file_line_rule_address(report):
    data = json.loads(render("json", report))
    assert [(f["file"], f["line"], f["rule_id"]) for f in data["findings"]] == [
        ("gcp/storage.tf", 2, "CKV_RES_2"),
        ("main.tf", 12, "CKV_RES_1"),
        ("main.tf", 25, "CKV_RES_10"),
    ]
    for f in data["findings"]:
        assert list(f) == FINDING_KEYS


def test_finding_content(report):
    data = json.loads(render("json", report))
    dr = data["findings"][1]
    assert dr["evidence"] == ["main.tf:12 provider aws.dr", "variables.tf:6 var.dr_region default"]
    assert dr["suppressed"] is None
    assert dr["region"] == "us-east-1" and dr["account"] is None
    assert len(dr["fingerprint"]) == 32  # computed: the finding had none
    gcs = data["findings"][0]
    assert gcs["file"] == "gcp/storage.tf"  # backslashes normalised
    assert gcs["fingerprint"] == "fp-gcs-b"  # the finding's own
    assert gcs["evidence"] == []
    assert data["findings"][2]["suppressed"] == "DR copy approved in ADR-7"


def test_inventory_sorted_and_shaped(report):
    data = json.loads(render("json", report))
    inv = data["inventory"]
    assert [(r["file"], r["line"], r["address"]) for r in inv] == [
        ("gcp/storage.tf", 2, "google_storage_bucket.b"),
        ("main.tf", 12, "aws_s3_bucket.dr"),
        ("main.tf", 20, "aws_s3_bucket.logs"),
    ]
    gcs, dr, logs = inv
    assert list(gcs) == INVENTORY_KEYS + ["images"]
    assert list(dr) == INVENTORY_KEYS  # no flows/images keys when empty
    assert list(logs) == INVENTORY_KEYS + ["flows"]
    assert gcs["region"] == "EU" and gcs["region_status"] == "multi"
    assert gcs["images"] == ["gcr.io/x/y:1"]
    assert dr["account"] is None and dr["account_status"] == "unknown"
    # region evidence then account evidence, as strings
    assert logs["evidence"] == ["main.tf:3 provider aws region", "main.tf:4 provider aws allowed_account_ids"]
    assert logs["flows"] == [
        {
            "kind": "replication",
            "description": "replicates to aws_s3_bucket.dr",
            "region": "us-east-1",
            "region_status": "resolved",
            "account": None,
            "account_status": "none",
            "line": 25,
            "evidence": [],
        }
    ]


def test_providers_errors_summary(report):
    data = json.loads(render("json", report))
    assert [p["address"] for p in data["providers"]] == ["provider.aws", "provider.aws.dr"]
    assert data["errors"] == [{"file": "modules/broken/main.tf", "line": 4, "message": "Unexpected '}' at line 4"}]
    assert data["summary"]["region"] == "eu-west-1"
    assert list(data["summary"]) == [
        "files", "resources", "findings", "suppressed", "errors", "region", "region_inferred", "accounts",
    ]


def test_deterministic_whatever_the_input_order(report):
    first = json_report.render(report)
    assert first == json_report.render(report)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = report.model_copy(
            update={
                "findings": rng.sample(report.findings, len(report.findings)),
                "inventory": rng.sample(report.inventory, len(report.inventory)),
                "providers": rng.sample(report.providers, len(report.providers)),
            }
        )
        assert json_report.render(shuffled) == first


def test_one_key_per_line_one_record_per_line_and_trailing_newline(report):
    text = render("json", report)
    assert text.startswith('{\n  "tool": {"name": "residency", "version": ')
    assert text.endswith("}\n")
    lines = text.splitlines()
    start = lines.index('  "findings": [')
    assert all(line.startswith('    {"rule_id": ') for line in lines[start + 1:start + 1 + len(report.findings)])


def test_empty_report():
    from analyzer.models import ScanReport

    data = json.loads(render("json", ScanReport(tool_version="9.9", root=".")))
    assert list(data) == TOP_KEYS
    assert data["findings"] == data["inventory"] == data["providers"] == data["errors"] == []
