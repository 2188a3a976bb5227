"""`residency init`: a starter residency.yaml inferred from the tree."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.init_policy import InferredPolicy, render_policy
from analyzer.policy import load_policy
from tests.conftest import FIXTURES


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("cloud", "region", "accounts"), [
    ("aws", "eu-west-1", ["111122223333"]),
    ("gcp", "europe-west4", ["acme-data-prod"]),
    ("azure", "westeurope", ["9b1f4c2e-5d3a-4e8b-a7c6-0f2d1e3b4a59"]),
])
def test_init_infers_region_and_accounts(cloud: str, region: str, accounts: list[str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    tree = FIXTURES / "clean" / cloud
    target = tmp_path / "residency.yaml"
    code, out, err = run(["init", str(tree), "--output", str(target)], monkeypatch)
    assert code == 0, err
    assert str(target) in out
    policy = load_policy(target)
    assert policy.region == region and policy.accounts == accounts
    assert policy.regions == [] and policy.allowed_registries == [] and policy.fail_on_unknown is True
    assert policy.exceptions == [] and policy.severity == {}
    text = target.read_text()
    for key in ("region:", "regions:", "accounts:", "allowed_registries:", "fail_on_unknown:", "exceptions:",
                "severity:", "#   - rule: CKV_RES_4"):
        assert key in text, key
    code, out, err = run(["scan", str(tree), "--config", str(target)], monkeypatch)
    assert code == 0, out + err
    assert "No residency findings" in out


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = Path(shutil.copytree(FIXTURES / "clean" / "aws", tmp_path / "aws"))
    existing = tree / "residency.yaml"
    before = existing.read_text()
    code, _, err = run(["init", str(tree)], monkeypatch)
    assert code == 2 and "already exists" in err and "--force" in err
    assert existing.read_text() == before
    code, _, err = run(["init", str(tree), "--force"], monkeypatch)
    assert code == 0, err
    assert "residency init" in existing.read_text() and load_policy(existing).region == "eu-west-1"


def test_uncommented_examples_still_load(tmp_path: Path) -> None:
    # the commented examples are whole blocks: uncommenting them (and dropping the `[]`/`{}` line) is valid
    text = render_policy(InferredPolicy(region=None, accounts=[]))
    assert yaml.safe_load(text)["region"] is None
    headers = {"# allowed_registries:", "# exceptions:", "# severity:"}
    lines = []
    for line in text.splitlines():
        if line in ("allowed_registries: []", "exceptions: []", "severity: {}"):
            continue
        lines.append(line[2:] if line in headers or line.startswith("#   ") else line)
    path = tmp_path / "residency.yaml"
    path.write_text("\n".join(lines))
    policy = load_policy(path)
    assert policy.allowed_registries == ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/"]
    assert [e.rule for e in policy.exceptions] == ["CKV_RES_4"] and policy.severity == {"CKV_RES_8": "LOW"}


def test_init_without_inferable_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {}\n')
    code, out, err = run(["init", str(tmp_path)], monkeypatch)
    assert code == 0, err
    policy = load_policy(tmp_path / "residency.yaml")
    assert policy.region is None and policy.accounts == []
