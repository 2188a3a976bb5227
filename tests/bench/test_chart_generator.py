"""The benchmark's Helm chart generator (bench/chart): deterministic, exactly 100 manifest
templates, and a chart the analyzer renders and scans without errors. Nothing is timed."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from types import ModuleType

import pytest

from analyzer.helm.charts import scan_chart

REPO = Path(__file__).resolve().parents[2]
OPERATOR = "Deployment/default/release-name-dataplane-operator"


@pytest.fixture
def chart_gen(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # bench/ is a script folder, not an installed package: import it from the repo root
    monkeypatch.syspath_prepend(str(REPO))
    return importlib.import_module("bench.chart")


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def test_chart_is_deterministic_and_has_exactly_100_templates(chart_gen: ModuleType, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "dataplane", tmp_path / "b" / "dataplane"
    stats = chart_gen.generate_chart(first)
    chart_gen.generate_chart(second)
    assert _digest(first) == _digest(second)
    chart_gen.generate_chart(first)  # regenerating over an existing chart wipes it first
    assert _digest(first) == _digest(second)

    templates = first / "templates"
    manifests = [p for p in templates.rglob("*.yaml")]
    assert len(manifests) == 100 == stats.templates == chart_gen.TEMPLATE_COUNT
    assert sorted(p.name for p in templates.rglob("*") if p.is_file() and p.suffix != ".yaml") == [
        "NOTES.txt", "_helpers.tpl"]
    assert sorted(p.name for p in first.iterdir()) == [
        ".helmignore", "Chart.yaml", "templates", "values-aws.yaml", "values-azure.yaml", "values-gcp.yaml",
        "values.yaml"]
    assert stats.values_files == ["values-aws.yaml", "values-gcp.yaml", "values-azure.yaml"]
    helpers = (templates / "_helpers.tpl").read_text()
    assert ("{{ .Values.image.registry }}/{{ .Values.image.repository }}:"
            "{{ .Values.image.tag | default .Chart.AppVersion }}") in helpers
    assert "{{- tpl .Values.storage.config . | trim | nindent 4 }}" in (
        templates / "operator" / "storage-config.yaml").read_text()


def test_chart_renders_and_scans_without_errors(chart_gen: ModuleType, tmp_path: Path) -> None:
    chart = tmp_path / "dataplane"
    chart_gen.generate_chart(chart)
    inventory = scan_chart(chart, ".")
    assert inventory.errors == []
    workloads = {row.address: row for row in inventory.rows if row.kind == "workload"}
    # 9 component Deployments, the fluent-bit DaemonSet, 12 maintenance CronJobs
    assert sorted(address.split("/")[0] for address in workloads) == (
        ["CronJob"] * 12 + ["DaemonSet"] + ["Deployment"] * 9)
    assert workloads[OPERATOR].images == ["111122223333.dkr.ecr.us-east-2.amazonaws.com/union/operator:2024.11.3"]
    assert workloads[OPERATOR].file == "templates/operator/deployment.yaml"
    identities = [row for row in inventory.rows if row.kind == "identity"]
    assert len(identities) == 11  # 9 components, fluent-bit, maintenance: IRSA annotations
    assert {row.account.value for row in identities} == {"111122223333"}
