"""Helm chart sources -> rendered offline (helm-python-sdk) -> inventory rows; broken charts -> ScanErrors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.helm import ChartOptions, charts, find_charts, find_manifests, scan_chart
from analyzer.helm.charts import ValuesError, merge_values
from analyzer.models import Inventory

CHARTS = Path(__file__).resolve().parent.parent.parent / "fixtures" / "helm" / "charts"
DATAPLANE = CHARTS / "dataplane"
REL = "charts/dataplane"
IMAGE = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/union/operator:2024.6.1"
ROLE = "arn:aws:iam::111122223333:role/union-operator"


def _rows(inventory: Inventory) -> dict[str, tuple]:
    return {r.address: (r.type, r.kind, r.file, r.line, r.images, r.endpoints, r.name, r.account.value)
            for r in inventory.rows}


def _copy(tmp_path: Path) -> Path:
    chart = tmp_path / "dataplane"
    shutil.copytree(DATAPLANE, chart)
    return chart


def test_renders_fixture_chart_rows() -> None:
    inventory = scan_chart(DATAPLANE, REL)
    assert inventory.errors == []
    assert _rows(inventory) == {
        "ConfigMap/default/release-name-config": (
            "ConfigMap", "config", f"{REL}/templates/configmap.yaml", 1, [], ["dns:///acme.us-east-2.union.ai"],
            None, None),
        "Deployment/default/release-name-operator": (
            "Deployment", "workload", f"{REL}/templates/deployment.yaml", 1, [IMAGE], [], None, None),
        "ServiceAccount/default/union-operator": (
            "ServiceAccount", "identity", f"{REL}/templates/serviceaccount.yaml", 1, [], [], ROLE, "111122223333"),
    }
    identity = next(r for r in inventory.rows if r.kind == "identity")
    assert identity.account.status == "resolved"
    assert [(e.file, e.line) for e in identity.account.evidence] == [(f"{REL}/templates/serviceaccount.yaml", 7)]  # annotations:
    assert all(r.cloud == "kubernetes" and r.root == r.file for r in inventory.rows)


def test_values_file_overrides_endpoint_region() -> None:
    inventory = scan_chart(DATAPLANE, REL, ChartOptions(values_files=(DATAPLANE / "values-eu.yaml",)))
    assert inventory.errors == []
    rows = _rows(inventory)
    assert rows["ConfigMap/default/release-name-config"][5] == ["dns:///acme.eu-central-1.union.ai"]
    # only the region changed: the image and identity are the chart defaults
    assert rows["Deployment/default/release-name-operator"][4] == [IMAGE]
    assert rows["ServiceAccount/default/union-operator"][7] == "111122223333"


def test_layering_files_then_sets(tmp_path: Path) -> None:
    later = tmp_path / "later.yaml"
    later.write_text("controlPlane:\n  org: globex\nimage:\n  tag: '2024.7.0'\n")
    inventory = scan_chart(DATAPLANE, REL, ChartOptions(
        values_files=(DATAPLANE / "values-eu.yaml", later),
        sets=("controlPlane.region=ap-south-1", "image.tag=2024.8.0"), release="union", namespace="union"))
    assert inventory.errors == []
    rows = _rows(inventory)
    assert rows["ConfigMap/union/union-config"][5] == ["dns:///globex.ap-south-1.union.ai"]
    assert rows["Deployment/union/union-operator"][4] == [IMAGE.replace("2024.6.1", "2024.8.0")]


def test_set_null_removes_a_default() -> None:
    inventory = scan_chart(DATAPLANE, REL, ChartOptions(sets=("serviceAccount.annotations=null",)))
    assert inventory.errors == []
    assert "ServiceAccount/default/union-operator" not in _rows(inventory)  # no identity annotation, no row


def test_broken_template_is_a_scan_error(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    (chart / "templates" / "broken.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.missing.deeper }}\n")
    inventory = scan_chart(chart, "dataplane")
    assert inventory.rows == []
    # filed at the template line a fix changes (issue 14), not at Chart.yaml:0
    assert [(e.file, e.line) for e in inventory.errors] == [("dataplane/templates/broken.yaml", 6)]
    message = inventory.errors[0].message
    assert message.startswith("chart not rendered: ")
    assert "nil pointer" in message


def test_undefined_function_is_a_scan_error(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    (chart / "templates" / "broken.yaml").write_text("a: {{ .Values.x | nosuchfunc }}\n")
    inventory = scan_chart(chart, "dataplane")
    assert inventory.rows == []
    assert len(inventory.errors) == 1
    assert "dataplane/templates/broken.yaml:1" in inventory.errors[0].message
    assert 'function "nosuchfunc" not defined' in inventory.errors[0].message


def test_rendered_output_that_is_not_yaml(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    (chart / "templates" / "bad.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: [\n")
    inventory = scan_chart(chart, "dataplane")
    assert len(inventory.rows) == 3  # the other templates still count
    assert len(inventory.errors) == 1
    error = inventory.errors[0]
    assert error.file == "dataplane/templates/bad.yaml"
    assert error.message.startswith("YAML syntax error")
    assert "of the output rendered from dataplane/templates/bad.yaml" in error.message


def test_undeclared_subchart_is_named_and_the_rest_renders(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    with (chart / "Chart.yaml").open("a") as handle:
        handle.write("dependencies:\n  - name: postgresql\n    version: 12.1.0\n"
                     "    repository: https://charts.bitnami.com/bitnami\n")
    inventory = scan_chart(chart, "dataplane")
    assert [(e.file, e.message.split(" (")[0]) for e in inventory.errors] == [
        ("dataplane/Chart.yaml", "subchart postgresql is not vendored; not analyzed")]
    assert len(inventory.rows) == 3


def test_vendored_subchart_rows_point_into_charts(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    sub = chart / "charts" / "agent"
    (sub / "templates").mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: agent\nversion: 1.0.0\n")
    (sub / "templates" / "ds.yaml").write_text(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: a\n          image: {{ .Values.image | default \"busybox:1.36\" }}\n")
    with (chart / "Chart.yaml").open("a") as handle:
        handle.write("dependencies:\n  - name: agent\n    version: 1.0.0\n")
    inventory = scan_chart(chart, "dataplane", ChartOptions(sets=("agent.image=busybox:1.37",)))
    assert inventory.errors == []
    rows = _rows(inventory)
    assert rows["DaemonSet/default/agent"][2:5] == ("dataplane/charts/agent/templates/ds.yaml", 1, ["busybox:1.37"])
    assert find_charts(tmp_path) == [chart]  # the subchart renders with its parent, not on its own


def test_bad_inputs_are_scan_errors(tmp_path: Path) -> None:
    bad_values = tmp_path / "bad.yaml"
    bad_values.write_text("a: [\n")
    inventory = scan_chart(DATAPLANE, REL, ChartOptions(values_files=(bad_values,)))
    assert inventory.rows == [] and len(inventory.errors) == 1
    assert inventory.errors[0].file == str(bad_values)
    inventory = scan_chart(DATAPLANE, REL, ChartOptions(values_files=(tmp_path / "absent.yaml",)))
    assert inventory.rows == [] and [(e.file, e.message) for e in inventory.errors] == [
        (str(tmp_path / "absent.yaml"), f"values file {tmp_path / 'absent.yaml'}: cannot read: No such file or "
                                        f"directory; chart {REL} not rendered")]
    inventory = scan_chart(DATAPLANE, REL, ChartOptions(sets=("a.b",)))
    assert inventory.rows == [] and [(e.file, e.message) for e in inventory.errors] == [
        (f"{REL}/Chart.yaml", f'--set a.b: key "b" has no value; chart {REL} not rendered')]
    inventory = scan_chart(tmp_path / "nochart", "nochart")
    assert inventory.rows == [] and inventory.errors[0].file == "nochart/Chart.yaml"


def test_find_charts_and_manifests_split_the_tree(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    nested = tmp_path / "deploy" / "other"
    nested.mkdir(parents=True)
    (nested / "Chart.yaml").write_text("apiVersion: v2\nname: other\nversion: 0.1.0\n")
    assert find_charts(tmp_path) == [chart, nested]
    assert find_manifests(tmp_path) == []  # chart templates are not rendered manifests
    assert find_charts(chart / "Chart.yaml") == []



def test_values_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "MAX_FILE_BYTES", 1024 * 1024)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 1024 * 1024 + "\n")
    inventory = scan_chart(DATAPLANE, ".", ChartOptions(values_files=(big,)))
    assert inventory.rows == [] and [e.message for e in inventory.errors] == [
        f"values file {big}: file is 1.0 MB, over the 1 MB limit for a values file; chart dataplane not rendered"]


def test_set_kinds_layer_in_helms_order(tmp_path: Path) -> None:
    """Values files, then every --set-json, every --set, every --set-string, whatever the order given."""
    later = tmp_path / "later.yaml"
    later.write_text("controlPlane:\n  org: file\n  region: eu-west-1\n")
    options = ChartOptions(values_files=(later,), set_strings=("controlPlane.org=string",),
                           sets=("controlPlane.org=set", "controlPlane.region=eu-north-1"),
                           set_jsons=('controlPlane={"org": "json", "region": "eu-south-1"}',))
    assert merge_values(options) == {"controlPlane": {"org": "string", "region": "eu-north-1"}}
    rows = _rows(scan_chart(DATAPLANE, REL, options))
    assert rows["ConfigMap/default/release-name-config"][5] == ["dns:///string.eu-north-1.union.ai"]
    # the typed parsers: --set types, --set-string keeps strings, --set-json takes JSON or one JSON object
    assert merge_values(ChartOptions(sets=("a=1,b=true,c=null,d={x,2}",))) == {
        "a": 1, "b": True, "c": None, "d": ["x", 2]}
    assert merge_values(ChartOptions(set_strings=("a=1,b=true,c=null",))) == {"a": "1", "b": "true", "c": "null"}
    assert merge_values(ChartOptions(set_jsons=('a={"b":[1,2]}', '{"c": {"d": 1}}'))) == {
        "a": {"b": [1, 2]}, "c": {"d": 1}}
    with pytest.raises(ValuesError) as caught:
        merge_values(ChartOptions(set_jsons=('{"a": 1} trailing',)))
    assert str(caught.value) == '--set-json {"a": 1} trailing: not a JSON object: Extra data: line 1 column 10 (char 9)'
    assert caught.value.file is None
