"""action.yml and the workflows validate against SchemaStore's GitHub schemas (vendored by
the check-jsonschema package, so no network is needed)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _schema(name: str) -> dict:
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(f"{name}.json").read_text()
    return json.loads(text)


def _errors(document: Path, schema: dict) -> list[str]:
    data = yaml.safe_load(document.read_text())
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)  # YAML 1.1 reads the `on:` key as a boolean; GitHub does not
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_action_yml_is_a_valid_github_action() -> None:
    assert _errors(ROOT / "action.yml", _schema("github-actions")) == []


@pytest.mark.parametrize("workflow", sorted((ROOT / ".github" / "workflows").glob("*.yml")), ids=lambda p: p.name)
def test_workflows_are_valid_github_workflows(workflow: Path) -> None:
    assert _errors(workflow, _schema("github-workflows")) == []
