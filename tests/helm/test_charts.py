"""Helm chart sources -> rendered offline (helm-python-sdk) -> inventory rows; broken charts -> ScanErrors."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.helm import find_charts, find_manifests, scan_chart
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
    assert [(e.file, e.line) for e in identity.account.evidence] == [(f"{REL}/templates/serviceaccount.yaml", 1)]
    assert all(r.cloud == "kubernetes" and r.root == r.file for r in inventory.rows)


def test_values_file_overrides_endpoint_region() -> None:
    inventory = scan_chart(DATAPLANE, REL, [DATAPLANE / "values-eu.yaml"])
    assert inventory.errors == []
    rows = _rows(inventory)
    assert rows["ConfigMap/default/release-name-config"][5] == ["dns:///acme.eu-central-1.union.ai"]
    # only the region changed: the image and identity are the chart defaults
    assert rows["Deployment/default/release-name-operator"][4] == [IMAGE]
    assert rows["ServiceAccount/default/union-operator"][7] == "111122223333"


def test_layering_files_then_sets(tmp_path: Path) -> None:
    later = tmp_path / "later.yaml"
    later.write_text("controlPlane:\n  org: globex\nimage:\n  tag: '2024.7.0'\n")
    inventory = scan_chart(DATAPLANE, REL, [DATAPLANE / "values-eu.yaml", later],
                           ["controlPlane.region=ap-south-1", "image.tag=2024.8.0"],
                           release="union", namespace="union")
    assert inventory.errors == []
    rows = _rows(inventory)
    assert rows["ConfigMap/union/union-config"][5] == ["dns:///globex.ap-south-1.union.ai"]
    assert rows["Deployment/union/union-operator"][4] == [IMAGE.replace("2024.6.1", "2024.8.0")]


def test_set_null_removes_a_default() -> None:
    inventory = scan_chart(DATAPLANE, REL, sets=["serviceAccount.annotations=null"])
    assert inventory.errors == []
    assert "ServiceAccount/default/union-operator" not in _rows(inventory)  # no identity annotation, no row


def test_broken_template_is_a_scan_error(tmp_path: Path) -> None:
    chart = _copy(tmp_path)
    (chart / "templates" / "broken.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.missing.deeper }}\n")
    inventory = scan_chart(chart, "dataplane")
    assert inventory.rows == []
    assert [(e.file, e.line) for e in inventory.errors] == [("dataplane/Chart.yaml", 0)]
    message = inventory.errors[0].message
    assert message.startswith("chart not rendered: dataplane/templates/broken.yaml:6: ")
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
    inventory = scan_chart(chart, "dataplane", sets=["agent.image=busybox:1.37"])
    assert inventory.errors == []
    rows = _rows(inventory)
    assert rows["DaemonSet/default/agent"][2:5] == ("dataplane/charts/agent/templates/ds.yaml", 1, ["busybox:1.37"])
    assert find_charts(tmp_path) == [chart]  # the subchart renders with its parent, not on its own


def test_bad_inputs_are_scan_errors(tmp_path: Path) -> None:
    bad_values = tmp_path / "bad.yaml"
    bad_values.write_text("a: [\n")
    inventory = scan_chart(DATAPLANE, REL, [bad_values])
    assert inventory.rows == [] and len(inventory.errors) == 1
    assert inventory.errors[0].file == str(bad_values)
    inventory = scan_chart(DATAPLANE, REL, [tmp_path / "absent.yaml"])
    assert inventory.rows == [] and "cannot read" in inventory.errors[0].message
    inventory = scan_chart(DATAPLANE, REL, sets=["a.b"])
    assert inventory.rows == [] and inventory.errors[0].message.startswith("--set a.b: ")
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

