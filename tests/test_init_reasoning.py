"""`residency init` says why the region is what it is, in a comment above `region:`; when the roots'
default providers disagree it lists each root's region and leaves a TODO; a scan without --region
then asks for one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.init_policy import InferredPolicy, RegionSource, render_policy
from analyzer.policy import load_policy
from tests.conftest import FIXTURES

TERRAFORM = FIXTURES / "terraform"


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def _region_block(text: str) -> list[str]:
    """The lines from the `region:` explanation's end (the override sentence) to `region:` itself."""
    lines = text.splitlines()
    start = lines.index("# CKV_RES_1 finding. --region or RESIDENCY_REGION override it.") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("region:"))
    return lines[start:end + 1]


def test_init_names_the_default_provider_and_the_tfvars_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "residency.yaml"
    code, out, err = run(["init", str(TERRAFORM / "evidence_shared_provider"), "-o", str(target), "--no-cache"],
                         monkeypatch)
    assert code == 0, err
    assert "region eu-west-1" in out
    assert _region_block(target.read_text()) == [
        "# Inferred eu-west-1 from the default provider configuration of the root:",
        "#   root .: provider.aws at main.tf:12",
        "#     main.tf:13 provider.aws region",
        "#     terraform.tfvars:3 region = eu-west-1",
        'region: "eu-west-1"   # the default provider\'s region',
    ]
    assert load_policy(target).region == "eu-west-1"


def test_init_lists_each_root_when_they_disagree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = TERRAFORM / "roots_disagree"
    target = tmp_path / "residency.yaml"
    code, out, err = run(["init", str(tree), "-o", str(target), "--no-cache"], monkeypatch)
    assert code == 0, err
    assert "region (not inferred: the roots disagree on eu-west-1, us-east-1; pick one in the file)" in out
    text = target.read_text()
    # the replica provider (aws.replica, us-west-2) is an alias: it never decides
    assert _region_block(text) == [
        "# The roots' default provider configurations disagree on the region (eu-west-1, us-east-1).",
        "# Pick the data plane's one region and set it below; until then a scan asks for --region.",
        "#   root ingest: eu-west-1 from provider.aws at ingest/main.tf:10",
        "#     ingest/main.tf:11 provider.aws region",
        "#     ingest/main.tf:17 var.region default = eu-west-1",
        "#   root serving: us-east-1 from provider.aws at serving/main.tf:10",
        "#     serving/main.tf:11 provider.aws region",
        "region: null   # TODO: the roots disagree; pick one of eu-west-1, us-east-1",
    ]
    assert load_policy(target).region is None
    # the policy as written: the scan does not guess, it asks for --region on each root's provider
    code, out, err = run(["scan", str(tree), "--config", str(target), "--format", "json", "--no-cache"], monkeypatch)
    assert code == 1, err

    findings = [(f["rule_id"], f["address"], f["file"], f["line"]) for f in json.loads(out)["findings"]
                if "--region" in f["message"]]
    assert findings == [("CKV_RES_2", "provider.aws", "ingest/main.tf", 10),
                        ("CKV_RES_2", "provider.aws", "serving/main.tf", 10)]
    message = json.loads(out)["findings"][0]["message"]
    assert "disagree (ingest: eu-west-1, serving: us-east-1); scan with --region" in message


def test_scan_without_region_asks_for_one_when_roots_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["scan", str(TERRAFORM / "roots_disagree"), "--no-cache"], monkeypatch)
    assert code == 1
    assert out.count("default providers disagree (ingest: eu-west-1, serving: us-east-1); scan with --region") == 2
    code, out, _ = run(["scan", str(TERRAFORM / "roots_disagree"), "--region", "eu-west-1", "--no-cache"],
                       monkeypatch)
    assert "scan with --region" not in out


def test_init_says_how_many_resources_decided_without_a_provider_region(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "residency.yaml"
    code, _, err = run(["init", str(TERRAFORM / "evidence_shared_resource_group"), "-o", str(target), "--no-cache"],
                       monkeypatch)
    assert code == 0, err
    assert _region_block(target.read_text()) == [
        "# Inferred westeurope from the resources: no root's default provider configuration names a region;",
        "# 1 of the 1 located clusters/buckets are in westeurope.",
        'region: "westeurope"   # most common cluster/bucket region',
    ]


def test_a_chain_step_cannot_break_out_of_its_comment() -> None:
    source = RegionSource(root="live\nregion: us-east-1", region="eu-west-1", provider="provider.aws",
                          file="main.tf", line=3, chain=["main.tf:4 provider.aws region\nregion: us-east-1"])
    text = render_policy(InferredPolicy(region="eu-west-1", region_sources=[source]))
    assert yaml.safe_load(text)["region"] == "eu-west-1"
    assert "#     main.tf:4 provider.aws region region: us-east-1" in text.splitlines()
