"""Reading plan/state JSON: detection, and clear errors naming the file for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.plan import PlanLoadError, detect, load_plan_json, scan_plan, sniff

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "plan"


def _error(tmp_path: Path, text: str | bytes) -> tuple[int, str]:
    path = tmp_path / "plan.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    inventory = scan_plan(path, "infra/plan.json")
    assert inventory.rows == [] and inventory.providers == []
    assert len(inventory.errors) == 1
    error = inventory.errors[0]
    assert error.file == "infra/plan.json"
    return error.line, error.message


def test_detect_plan_state_and_neither() -> None:
    plan = json.loads((FIXTURES / "aws" / "plan.json").read_text())
    assert detect(plan) == "plan"
    assert detect({"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {}}}) == "state"
    assert detect({"format_version": "1.0", "terraform_version": "1.9.8"}) == "state"  # an empty state
    assert detect({"format_version": "1.2", "resource_changes": []}) == "plan"
    assert detect({"resource_changes": []}) is None
    assert detect({"Version": "2012-10-17", "Statement": []}) is None
    assert detect([1, 2]) is None


def test_sniff(tmp_path: Path) -> None:
    assert sniff(FIXTURES / "aws" / "plan.json")
    other = tmp_path / "package.json"
    other.write_text('{"name": "x", "version": "1.0.0"}')
    assert not sniff(other)
    assert not sniff(tmp_path / "missing.json")


def test_every_fixture_loads() -> None:
    for path in sorted(FIXTURES.glob("*/plan.json")):
        kind, doc, _ = load_plan_json(path, path.name)
        assert kind == "plan"
        assert doc["format_version"] == "1.2"


def test_malformed_json(tmp_path: Path) -> None:
    assert _error(tmp_path, '{\n  "format_version": "1.2",\n  "resource_changes": [,]\n}\n') == (
        3, "malformed JSON at line 3 column 24: Expecting value")


def test_truncated_json(tmp_path: Path) -> None:
    text = (FIXTURES / "aws" / "plan.json").read_text()
    line, message = _error(tmp_path, text[: len(text) // 2])
    assert message.startswith("plan JSON is truncated: it ends at line ")
    assert message.endswith("before the document is complete")
    assert line > 100


def test_wrong_format_version(tmp_path: Path) -> None:
    doc = {"format_version": "2.0", "terraform_version": "9.0.0", "resource_changes": []}
    assert _error(tmp_path, json.dumps(doc)) == (
        0, 'unsupported format_version "2.0": this analyzer reads `terraform show -json` format 1.x')
    doc["format_version"] = 1
    assert _error(tmp_path, json.dumps(doc))[1].startswith("unsupported format_version 1:")


def test_not_a_plan(tmp_path: Path) -> None:
    assert _error(tmp_path, '{"Version": "2012-10-17", "Statement": []}') == (
        0, "not Terraform plan or state JSON: an object without format_version (expected the output of `terraform show -json`)")
    assert _error(tmp_path, "[1, 2, 3]")[1] == (
        "not Terraform plan or state JSON: a JSON list without format_version (expected the output of `terraform show -json`)")


def test_empty_binary_and_missing(tmp_path: Path) -> None:
    assert _error(tmp_path, "  \n") == (0, "plan JSON is empty")
    assert _error(tmp_path, b'{"format_version": "1.2", "x": "\xff"}') == (0, "plan JSON is not UTF-8 (byte 32)")
    inventory = scan_plan(tmp_path / "nope.json", "nope.json")
    assert inventory.errors[0].message.startswith("cannot read plan JSON: ")


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": [], "pad": "x" * 3 * 1048576}))
    with pytest.raises(PlanLoadError) as caught:
        load_plan_json(path, "big.json", max_bytes=2 * 1048576)
    assert caught.value.message == "plan JSON is 3.0 MB, over the 2 MB limit; not analyzed"
    assert str(caught.value) == "big.json: plan JSON is 3.0 MB, over the 2 MB limit; not analyzed"


def test_unexpected_structure_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": {"not": "a list"}}))
    inventory = scan_plan(path, "plan.json")
    assert [(e.line, e.message) for e in inventory.errors] == [
        (1, "plan JSON has an unexpected structure: resource_changes is an object, not a list; not analyzed")]
