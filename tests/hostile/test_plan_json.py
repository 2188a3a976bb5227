"""Hostile and odd plan JSON: never a crash, never a silent skip (issue 15, items 4 and 6).

Each bad plan becomes one CKV_RES_9 at the plan file (and line when known) while the
Terraform root beside it keeps its finding; plans written with sorted keys or saved under
Terraform's usual plan names are recognised."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from analyzer.plan import scan_plan
from analyzer.plan.detect import find_plan_files, sniff
from analyzer.policy import Policy
from analyzer.scan import ScanOptions, run_scan
from tests.conftest import FIXTURES

PLANS = sorted((FIXTURES / "plan").glob("*/plan.json"))
AWS_PLAN = FIXTURES / "plan" / "aws" / "plan.json"
GOOD_ROOT = """\
provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "virginia"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "audit" {
  provider = aws.virginia
  bucket   = "acme-audit"
}
"""
GOOD_FINDING = ("CKV_RES_1", "aws_s3_bucket.audit", "network/main.tf", 12)


def _plan() -> dict[str, Any]:
    return json.loads(AWS_PLAN.read_text())


def _findings(tmp_path: Path) -> list[tuple[str, str, str, int]]:
    report = run_scan([tmp_path], Policy(region="eu-central-1", accounts=["111122223333"]),
                      ScanOptions(env={}, use_cache=False))
    return sorted((f.rule_id, f.address, f.file, f.line) for f in report.findings)


def _tree(tmp_path: Path, name: str, text: str) -> Path:
    """A repository with a good Terraform root and the plan under test in deploy/."""
    (tmp_path / "network").mkdir()
    (tmp_path / "network" / "main.tf").write_text(GOOD_ROOT)
    (tmp_path / "deploy").mkdir()
    plan = tmp_path / "deploy" / name
    plan.write_text(text)
    return plan


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _errors(findings: list[tuple[str, str, str, int]]) -> list[tuple[str, str, str, int]]:
    return [f for f in findings if f[0] == "CKV_RES_9"]


# --- a 5,000-digit integer -------------------------------------------------------------------

def test_a_5000_digit_integer_is_read_and_the_plan_still_analyzed(tmp_path: Path) -> None:
    doc = _plan()
    doc["variables"]["replicas"] = {"value": 123454321}
    doc["resource_changes"][0]["change"]["after"]["tags"] = {"cost_centre": 123454321}
    small = json.dumps(doc, indent=2)
    reference = _findings_of_plan(tmp_path / "a", small)
    text = small.replace("123454321", "9" * 5000)
    assert text.count("9" * 5000) == 2
    assert _findings_of_plan(tmp_path / "b", text) == reference
    assert _errors(reference) == [] and GOOD_FINDING in reference


def _findings_of_plan(folder: Path, text: str, name: str = "plan.json") -> list[tuple[str, str, str, int]]:
    folder.mkdir()
    _tree(folder, name, text)
    return _findings(folder)


def test_a_5000_digit_account_id_is_a_string_not_a_crash(tmp_path: Path) -> None:
    doc = _plan()
    doc["configuration"]["provider_config"]["aws"]["expressions"]["allowed_account_ids"] = {"constant_value": [123454321]}
    text = json.dumps(doc, indent=2).replace("123454321", "1" * 5000)
    plan = tmp_path / "plan.json"
    plan.write_text(text)
    inventory = scan_plan(plan, "plan.json")
    assert inventory.errors == []
    [provider] = [p for p in inventory.providers if p.address == "provider.aws"]
    assert provider.allowed_accounts == ["1" * 5000]


# --- wrong types -------------------------------------------------------------------------------

def test_provider_config_true_is_ckv_res_9_at_its_line(tmp_path: Path) -> None:
    doc = _plan()
    doc["configuration"]["provider_config"] = True
    text = json.dumps(doc, indent=2)
    _tree(tmp_path, "plan.json", text)
    findings = _findings(tmp_path)
    assert _errors(findings) == [("CKV_RES_9", "deploy/plan.json", "deploy/plan.json", _line_of(text, '"provider_config"'))]
    assert GOOD_FINDING in findings
    [error] = scan_plan(tmp_path / "deploy" / "plan.json", "deploy/plan.json").errors
    assert error.message == ("plan JSON has an unexpected structure: configuration.provider_config is the boolean "
                             "true, not an object; not analyzed")


@pytest.mark.parametrize(("section", "value", "message"), [
    (("configuration",), "aws", "configuration is a string, not an object"),
    (("configuration", "root_module"), [], "configuration.root_module is a list, not an object"),
    (("configuration", "provider_config", "aws"), 7, 'configuration.provider_config["aws"] is a number, not an object'),
    (("variables",), [1], "variables is a list, not an object"),
    (("resource_changes",), {"a": 1}, "resource_changes is an object, not a list"),
    (("planned_values",), False, "planned_values is the boolean false, not an object"),
])
def test_a_section_of_the_wrong_type_is_named(tmp_path: Path, section: tuple[str, ...], value: Any, message: str) -> None:
    doc = _plan()
    parent = doc
    for key in section[:-1]:
        parent = parent[key]
    parent[section[-1]] = value
    plan = tmp_path / "plan.json"
    text = json.dumps(doc, indent=2)
    plan.write_text(text)
    inventory = scan_plan(plan, "plan.json")
    assert inventory.rows == [] and inventory.providers == []
    assert [(e.line, e.message) for e in inventory.errors] == [
        (_line_of(text, f'"{section[-1]}"'), f"plan JSON has an unexpected structure: {message}; not analyzed")]


def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _containers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _containers(value, (*path, index))
    if isinstance(node, (dict, list)) and path:
        yield path


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.parent.name)
def test_every_object_or_list_replaced_by_a_wrong_type_never_crashes(plan: Path, tmp_path: Path) -> None:
    """Each container of each fixture plan, in turn, becomes true, a string, a number, [] or {}:
    the scan returns an inventory every time (rows, or a CKV_RES_9 error), never raises."""
    original = json.loads(plan.read_text())
    target = tmp_path / "plan.json"
    tried = 0
    for path in _containers(original):
        for value in (True, "x", 7, [], {}):
            doc = copy.deepcopy(original)
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = value
            target.write_text(json.dumps(doc))
            inventory = scan_plan(target, "plan.json")
            assert all(e.file == "plan.json" and e.message for e in inventory.errors)
            tried += 1
    assert tried >= 5 * 60


# --- deep nesting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [500, 5000, 100_000])
def test_values_nested_deep_are_ckv_res_9_at_the_line(tmp_path: Path, depth: int) -> None:
    doc = _plan()
    doc["resource_changes"][0]["change"]["after"]["tags"] = "DEEP"
    text = json.dumps(doc, indent=2)
    text = text.replace('"DEEP"', '{"a":\n' * depth + '"x"' + "}" * depth)
    plan = _tree(tmp_path, "plan.json", text)
    started = time.monotonic()
    findings = _findings(tmp_path)
    assert time.monotonic() - started < 30
    # the first `{"a":` opens level 6 (top, resource_changes, [0], change, after, tags); one level a line
    line = _line_of(text, '{"a":') + 201 - 6
    assert _errors(findings) == [("CKV_RES_9", "deploy/plan.json", "deploy/plan.json", line)]
    assert GOOD_FINDING in findings
    [error] = scan_plan(plan, "deploy/plan.json").errors
    assert error.message == "plan JSON nests values more than 200 levels deep; not analyzed"


# --- recognised plans ------------------------------------------------------------------------------

def _expected_plan_findings() -> list[tuple[str, str]]:
    report = run_scan([AWS_PLAN], Policy(region="eu-central-1"), ScanOptions(env={}, use_cache=False))
    return sorted((f.rule_id, f.address) for f in report.findings)


@pytest.mark.parametrize("form", ["jq -S", "jq -S -c"])
def test_a_plan_with_sorted_keys_is_recognised(tmp_path: Path, form: str) -> None:
    doc = _plan()
    text = json.dumps(doc, indent=None if form.endswith("-c") else 2, sort_keys=True)
    assert text.index('"configuration"') < text.index('"format_version"')
    (tmp_path / "plan.json").write_text(text)
    assert sniff(tmp_path / "plan.json")
    report = run_scan([tmp_path], Policy(region="eu-central-1"), ScanOptions(env={}, use_cache=False))
    assert sorted((f.rule_id, f.address) for f in report.findings) == _expected_plan_findings()
    assert report.summary.resources == len(scan_plan(AWS_PLAN, "plan.json").rows)


def test_a_sorted_plan_with_a_large_configuration_is_recognised(tmp_path: Path) -> None:
    doc = _plan()
    # a big estate: ~1 MB of module configuration sorts before format_version
    doc["configuration"]["root_module"]["module_calls"]["zz_padding"] = {
        "source": "./padding", "module": {"resources": [{"address": f"null_resource.p{i}", "mode": "managed",
                                                         "type": "null_resource", "name": f"p{i}"} for i in range(12000)]}}
    text = json.dumps(doc, sort_keys=True)
    assert text.index('"format_version"') > 1_000_000
    (tmp_path / "plan.json").write_text(text)
    assert find_plan_files(tmp_path) == [tmp_path / "plan.json"]


@pytest.mark.parametrize("name", ["tfplan", "tfplan.json", "plan.out.json", "prod.tfplan"])
def test_a_plan_saved_under_a_plan_name_is_recognised(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(AWS_PLAN.read_text())
    report = run_scan([tmp_path], Policy(region="eu-central-1"), ScanOptions(env={}, use_cache=False))
    assert sorted((f.rule_id, f.address) for f in report.findings) == _expected_plan_findings()
    assert {f.file for f in report.findings} == {name}
    report = run_scan([tmp_path / name], Policy(region="eu-central-1"), ScanOptions(env={}, use_cache=False))
    assert sorted((f.rule_id, f.address) for f in report.findings) == _expected_plan_findings()


def test_a_plan_ish_file_that_is_not_valid_is_ckv_res_9(tmp_path: Path) -> None:
    text = json.dumps(_plan(), indent=2, sort_keys=True)
    cut = text[: text.index('"format_version"') - 200]  # truncated inside `configuration`
    _tree(tmp_path, "tfplan.json", cut)
    (tmp_path / "deploy" / "drift.json").write_text('{\n  "resource_drift": [],\n  "resource_changes": [,]\n}\n')
    findings = _findings(tmp_path)
    assert [(f[2], f[3]) for f in _errors(findings)] == [("deploy/drift.json", 3),
                                                         ("deploy/tfplan.json", cut.count("\n") + 1)]
    assert GOOD_FINDING in findings


def test_other_json_is_not_taken_for_a_plan(tmp_path: Path) -> None:
    files = {
        "package.json": '{"name": "web", "version": "1.0.0", "scripts": {"build": "tsc"}}',
        "version.json": '{"terraform_version": "1.9.8", "platform": "linux_amd64", "provider_selections": {}}',
        "settings.json": '{"configuration": {"name": "default", "debug": true}}',
        "notes.json": '{"text": "\\"format_version\\": 1 and \\"resource_changes\\" in a string"}',
        "nested.json": '{"meta": {"format_version": "1.2", "resource_changes": []}}',
        "plan": "binary-looking text, not JSON",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert find_plan_files(tmp_path) == []


def test_a_fifo_named_like_a_plan_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert not sniff(fifo)
    [error] = scan_plan(fifo, "plan.json").errors
    assert error.message == "plan JSON is not a regular file (a FIFO, device or socket); not analyzed"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_plan_from_powershell_is_recognised(tmp_path: Path, encoding: str) -> None:
    text = AWS_PLAN.read_text()
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode("utf-16-be")
    (tmp_path / "plan.json").write_bytes(data)
    assert find_plan_files(tmp_path) == [tmp_path / "plan.json"]
    report = run_scan([tmp_path], Policy(region="eu-central-1"), ScanOptions(env={}, use_cache=False))
    assert sorted((f.rule_id, f.address) for f in report.findings) == _expected_plan_findings()
