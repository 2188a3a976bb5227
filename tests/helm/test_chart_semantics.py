"""Helm template semantics as scan_chart renders them offline (helm-python-sdk, Helm v4 Go SDK):
tpl, named templates, built-in objects, Capabilities, lookup, required/fail, library charts,
subcharts (folders and .tgz archives), conditions, globals and values.schema.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helm.conftest import ENDPOINT, config_map, errors, render, rows, write_chart, write_tgz

REGISTRY = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
ROLE = "arn:aws:iam::111122223333:role/dataplane"


def _deployment(name: str, image: str, namespace: str | None = None, env: str = "") -> str:
    metadata = f"  name: {name}\n" + (f"  namespace: {namespace}\n" if namespace else "")
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n" + metadata +
            "spec:\n  template:\n    spec:\n      containers:\n        - name: main\n"
            f"          image: {image}\n{env}")


# --- tpl --------------------------------------------------------------------------------------

TPL_VALUES = """region: eu-west-1
# strings holding template actions, rendered by `tpl` in the templates
image: "111122223333.dkr.ecr.{{ .Values.region }}.amazonaws.com/app:{{ .Chart.AppVersion }}"
endpoint: "dns:///acme.{{ .Values.region }}.union.ai"
# tpl renders one level: a string that names another template string stays unrendered
registry: "111122223333.dkr.ecr.{{ .Values.region }}.amazonaws.com"
sidecar: "{{ .Values.registry }}/sidecar:1.0"
"""

TPL_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: main
          image: {{ tpl .Values.image . | quote }}
          env:
            - name: CONTROL_PLANE
              value: {{ tpl .Values.endpoint . | quote }}
        - name: side
          image: {{ tpl .Values.sidecar . | quote }}
"""


def test_tpl_renders_values_strings_that_hold_template_actions(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"deploy.yaml": TPL_DEPLOYMENT}, TPL_VALUES,
                        chart_extra='appVersion: "1.2.3"\n')
    inventory = render(chart, "app")
    assert errors(inventory) == []
    assert rows(inventory) == {"Deployment/default/app": (
        "workload", "app/templates/deploy.yaml", 1, [f"{REGISTRY}/app:1.2.3"],
        [f"containers side image {REGISTRY.replace('eu-west-1', '{{ .Values.region }}')}/sidecar:1.0 "
         "is an unrendered template"],
        [ENDPOINT])}
    # the string is rendered with the final values: --set reaches into it
    moved = render(chart, "app", sets=["region=eu-central-1"])
    row = moved.rows[0]
    assert (row.images, row.endpoints) == ([f"{REGISTRY.replace('eu-west-1', 'eu-central-1')}/app:1.2.3"],
                                           ["dns:///acme.eu-central-1.union.ai"])


# --- named templates --------------------------------------------------------------------------

HELPERS = """{{- define "app.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end -}}

{{- define "app.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "app.env" -}}
- name: CONTROL_PLANE
  value: {{ printf "dns:///%s.%s.union.ai" .Values.org .Values.region | quote }}
- name: LOG_LEVEL
  value: info
{{- end -}}

{{- define "app.serviceaccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "app.fullname" . }}
  annotations:
    eks.amazonaws.com/role-arn: {{ .Values.role }}
{{- end -}}
"""

HELPER_DEPLOYMENT = """{{/* name, labels and env all come from _helpers.tpl */}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  template:
    metadata:
      labels:
        {{- include "app.labels" . | nindent 8 }}
    spec:
      containers:
        - name: main
          image: busybox:1.36
          env:
            {{- include "app.env" . | nindent 12 }}
"""


def test_named_templates_with_include_and_nindent(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"_helpers.tpl": HELPERS, "deploy.yaml": HELPER_DEPLOYMENT,
                                          "sa.yaml": '{{ include "app.serviceaccount" . }}\n'},
                        f"org: acme\nregion: eu-west-1\nrole: {ROLE}\n")
    inventory = render(chart, "app", release="prod")
    assert errors(inventory) == []
    assert rows(inventory) == {
        # the comment renders as an empty first line; `apiVersion: apps/v1` is template line 2
        "Deployment/default/prod-app": ("workload", "app/templates/deploy.yaml", 2, ["busybox:1.36"], [], [ENDPOINT]),
        # the whole object comes from the helper: no line of sa.yaml matches the output
        "ServiceAccount/default/prod-app": ("identity", "app/templates/sa.yaml", 0, [], [], []),
    }
    identity = next(r for r in inventory.rows if r.kind == "identity")
    assert (identity.name, identity.account.value, identity.account.status) == (ROLE, "111122223333", "resolved")
    # _helpers.tpl renders nothing of its own
    assert all(not r.file.endswith("_helpers.tpl") for r in inventory.rows)


# --- built-in objects -------------------------------------------------------------------------

RELEASE_DEPLOYMENT = _deployment("{{ .Release.Name }}-{{ .Chart.Name }}",
                                 '"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
                                 namespace="{{ .Release.Namespace }}")
IMAGE_VALUES = f"image:\n  repository: {REGISTRY}/dataplane\n  tag: \"\"\n"


def test_release_name_and_namespace_come_from_scan_chart_arguments(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "dataplane", {"deploy.yaml": RELEASE_DEPLOYMENT}, IMAGE_VALUES,
                        chart_extra="appVersion: 2024.6.1\n")
    default = render(chart, "dataplane")
    # what `helm template` calls a release without a name, in the default namespace
    assert list(rows(default)) == ["Deployment/default/release-name-dataplane"]
    named = render(chart, "dataplane", release="union", namespace="union-system")
    assert rows(named) == {"Deployment/union-system/union-dataplane": (
        "workload", "dataplane/templates/deploy.yaml", 1, [f"{REGISTRY}/dataplane:2024.6.1"], [], [])}


def test_chart_name_and_app_version_default_the_image_tag(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "dataplane", {"deploy.yaml": RELEASE_DEPLOYMENT}, IMAGE_VALUES,
                        chart_extra='appVersion: "2024.6.1"\n')
    assert render(chart, "dataplane").rows[0].images == [f"{REGISTRY}/dataplane:2024.6.1"]
    pinned = render(chart, "dataplane", sets=["image.tag=2024.7.0"])
    assert pinned.rows[0].images == [f"{REGISTRY}/dataplane:2024.7.0"]
    # no appVersion and no tag: the image has an empty tag, which is what helm renders too
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: dataplane\nversion: 0.1.0\n")
    assert render(chart, "dataplane").rows[0].images == [f"{REGISTRY}/dataplane:"]


def test_objects_without_a_namespace_are_addressed_in_the_release_namespace(tmp_path: Path) -> None:
    # helm installs them into the release namespace; one that names its namespace keeps it
    pinned = _deployment("pinned", "busybox:1.36", namespace="monitoring")
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map(), "deploy.yaml": pinned})
    inventory = render(chart, "app", namespace="union-system")
    assert errors(inventory) == []
    assert rows(inventory) == {
        "ConfigMap/union-system/cp": ("config", "app/templates/cm.yaml", 1, [], [], [ENDPOINT]),
        "Deployment/monitoring/pinned": ("workload", "app/templates/deploy.yaml", 1, ["busybox:1.36"], [], [])}


# --- Capabilities and lookup ------------------------------------------------------------------

CAPABILITIES = """{{- if .Capabilities.APIVersions.Has "batch/v1" }}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: "busybox:{{ .Capabilities.KubeVersion.Version }}"
{{- else }}
{{ fail "no batch/v1" }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: probe
spec:
  template:
    spec:
      containers:
        - name: kube
          image: "kube:{{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}"
        - name: semver
          image: "semver:{{ semverCompare ">=1.25-0" .Capabilities.KubeVersion.GitVersion }}"
        - name: kind
          image: "kind:{{ .Capabilities.APIVersions.Has "batch/v1/CronJob" }}"
        - name: beta
          image: "beta:{{ .Capabilities.APIVersions.Has "batch/v1beta1" }}"
        - name: helm
          image: "helm:{{ .Capabilities.HelmVersion.Version }}"
"""


def test_capabilities_the_embedded_engine_reports(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"caps.yaml": CAPABILITIES})
    inventory = render(chart, "app")
    assert errors(inventory) == []
    found = rows(inventory)
    # helm's default capabilities (no cluster) in helm-python-sdk 0.2.2 (Helm v4.2.3): Kubernetes
    # v1.36.0 and every group/version client-go knows, so the batch/v1 branch is taken
    assert found["CronJob/default/report"][:4] == ("workload", "app/templates/caps.yaml", 2, ["busybox:v1.36.0"])
    assert found["Deployment/default/probe"][3] == [
        # "group/version/Kind" entries are not in the offline set: charts testing
        # `Has "policy/v1/PodDisruptionBudget"` take their fallback branch, as with `helm template`
        "kube:1.36", "semver:true", "kind:false", "beta:true", "helm:v4.2"]


LOOKUP = """{{- $secret := lookup "v1" "Secret" .Release.Namespace "dataplane-creds" }}
{{- $namespaces := lookup "v1" "Namespace" "" "" }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lookup
spec:
  template:
    spec:
      containers:
        - name: main
          image: "{{ if $secret }}existing{{ else }}generated{{ end }}:{{ len $secret }}-{{ len $namespaces }}"
"""


def test_lookup_returns_an_empty_map_offline(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"lookup.yaml": LOOKUP})
    inventory = render(chart, "app")
    assert errors(inventory) == []
    assert rows(inventory)["Deployment/default/lookup"][3] == ["generated:0-0"]


# --- required and fail ------------------------------------------------------------------------

REQUIRED = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cp
data:
  endpoint: {{ required "controlPlane.endpoint is required" .Values.controlPlane.endpoint | quote }}
"""


def test_required_without_a_value_names_template_line_and_message(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": REQUIRED}, "controlPlane: {}\n")
    inventory = render(chart, "deploy/app")
    assert inventory.rows == []
    assert errors(inventory) == [("deploy/app/templates/cm.yaml", 6,
                                  "chart not rendered: execution error at "
                                  "(app/templates/cm.yaml:6:15): controlPlane.endpoint is required")]
    given = render(chart, "deploy/app", sets=[f"controlPlane.endpoint={ENDPOINT}"])
    assert errors(given) == []
    assert rows(given) == {"ConfigMap/default/cp": ("config", "deploy/app/templates/cm.yaml", 1, [], [], [ENDPOINT])}


def test_required_inside_a_helper_names_the_including_template(tmp_path: Path) -> None:
    helpers = '{{- define "app.endpoint" -}}\n{{ required "endpoint is required" .Values.endpoint }}\n{{- end -}}\n'
    chart = write_chart(tmp_path, "app", {"_helpers.tpl": helpers,
                                          "cm.yaml": config_map(endpoint='{{ include "app.endpoint" . }}')})
    assert errors(render(chart, "app")) == [(
        "app/templates/cm.yaml", 6,
        "chart not rendered: execution error at (app/templates/cm.yaml:6:15): "
        "endpoint is required")]


def test_required_in_a_subchart_names_the_path_under_charts(tmp_path: Path) -> None:
    parent = write_chart(tmp_path, "parent", {"cm.yaml": config_map("parent")},
                         chart_extra="dependencies:\n  - name: agent\n    version: 0.1.0\n")
    write_chart(parent / "charts", "agent",
                {"cm.yaml": config_map("agent", '{{ required "agent.endpoint" .Values.endpoint }}')})
    assert errors(render(parent, "parent")) == [(
        "parent/charts/agent/templates/cm.yaml", 6,
        "chart not rendered: execution error at "
        "(parent/charts/agent/templates/cm.yaml:6:15): agent.endpoint")]
    assert errors(render(parent, "parent", sets=[f"agent.endpoint={ENDPOINT}"])) == []


def test_fail_names_template_line_and_message(tmp_path: Path) -> None:
    guarded = '{{- if not .Values.region }}\n{{- fail "set region to the data plane region" }}\n{{- end }}\n'
    chart = write_chart(tmp_path, "app", {"cm.yaml": guarded + config_map()})
    assert errors(render(chart, "app")) == [(
        "app/templates/cm.yaml", 2,
        "chart not rendered: execution error at (app/templates/cm.yaml:2:4): "
        "set region to the data plane region")]
    assert list(rows(render(chart, "app", sets=["region=eu-west-1"]))) == ["ConfigMap/default/cp"]


# --- dependencies -----------------------------------------------------------------------------

LIBRARY_HELPERS = """{{- define "common.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end -}}

{{- define "common.image" -}}
{{ .registry }}/{{ .repository }}:{{ .tag }}
{{- end -}}
"""


def test_library_chart_vendored_as_a_folder_provides_helpers(tmp_path: Path) -> None:
    parent = write_chart(
        tmp_path, "dataplane",
        {"deploy.yaml": _deployment('{{ include "common.fullname" . }}', '{{ include "common.image" .Values.image }}')},
        f"image:\n  registry: {REGISTRY}\n  repository: operator\n  tag: '1.0'\n",
        chart_extra="dependencies:\n  - name: common\n    version: 1.0.0\n    repository: https://charts.example.com\n")
    write_chart(parent / "charts", "common", {"_names.tpl": LIBRARY_HELPERS, "cm.yaml": config_map("library")},
                chart_extra="type: library\n", version="1.0.0")
    inventory = render(parent, "dataplane")
    assert errors(inventory) == []
    # helpers resolve in the parent's context (its release and chart name); a library chart's
    # own manifests are never rendered
    assert rows(inventory) == {"Deployment/default/release-name-dataplane": (
        "workload", "dataplane/templates/deploy.yaml", 1, [f"{REGISTRY}/operator:1.0"], [], [])}


AGENT_DAEMONSET = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
spec:
  template:
    spec:
      containers:
        - name: agent
          image: "{{ .Values.global.registry }}/agent:{{ .Values.tag }}"
"""
AGENT_FILES = {"Chart.yaml": "apiVersion: v2\nname: agent\nversion: 2.0.0\n", "values.yaml": "tag: latest\n",
               "templates/ds.yaml": AGENT_DAEMONSET}


def _umbrella(tmp_path: Path, dependencies: str, values: str) -> Path:
    parent = write_chart(tmp_path, "umbrella",
                         {"cm.yaml": config_map("registry", "dns:///{{ .Values.global.region }}.union.ai")},
                         values, chart_extra=f"dependencies:\n{dependencies}")
    write_tgz(parent / "charts" / "agent-2.0.0.tgz", "agent", AGENT_FILES)
    return parent


AGENT_DEPENDENCY = "  - name: agent\n    version: 2.0.0\n    repository: https://charts.example.com\n"


def test_subchart_vendored_as_tgz_renders_with_global_values(tmp_path: Path) -> None:
    parent = _umbrella(tmp_path, AGENT_DEPENDENCY, f"global:\n  registry: {REGISTRY}\n  region: acme.eu-west-1\n")
    inventory = render(parent, "umbrella")
    assert errors(inventory) == []
    assert rows(inventory) == {
        # rows name the template inside the archive; there is no file to map lines into
        "DaemonSet/default/release-name-agent": (
            "workload", "umbrella/charts/agent/templates/ds.yaml", 0, [f"{REGISTRY}/agent:latest"], [], []),
        "ConfigMap/default/registry": ("config", "umbrella/templates/cm.yaml", 1, [], [], [ENDPOINT]),
    }
    # parent values reach the subchart under its name; globals reach both charts
    moved = render(parent, "umbrella", sets=["agent.tag=2.0.1", "global.registry=registry.example.com"])
    assert rows(moved)["DaemonSet/default/release-name-agent"][3] == ["registry.example.com/agent:2.0.1"]


def test_disabled_dependencies(tmp_path: Path) -> None:
    dependencies = (AGENT_DEPENDENCY + "    condition: agent.enabled\n"
                    "  - name: postgresql\n    version: 12.1.0\n    repository: https://charts.bitnami.com/bitnami\n"
                    "    condition: postgresql.enabled\n")
    parent = _umbrella(tmp_path, dependencies,
                       "global:\n  registry: r\n  region: acme.eu-west-1\nagent:\n  enabled: false\n"
                       "postgresql:\n  enabled: false\n")
    inventory = render(parent, "umbrella")
    # a vendored subchart whose condition is false is not rendered. One that is not vendored is
    # reported even though it is disabled: helm itself (action.CheckDependencies, which ignores
    # conditions) refuses the whole chart with "found in Chart.yaml, but missing in charts/
    # directory: postgresql"; the analyzer reports it and still renders the rest.
    assert list(rows(inventory)) == ["ConfigMap/default/registry"]
    assert errors(inventory) == [(
        "umbrella/Chart.yaml", 9,
        "subchart postgresql is not vendored; not analyzed (the analyzer never fetches dependencies: "
        "run `helm dependency build` and commit umbrella/charts/)")]
    enabled = render(parent, "umbrella", sets=["agent.enabled=true"])
    assert sorted(rows(enabled)) == ["ConfigMap/default/registry", "DaemonSet/default/release-name-agent"]


# --- values.schema.json -----------------------------------------------------------------------

SCHEMA = """{
  "$schema": "https://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["controlPlane"],
  "properties": {
    "replicas": {"type": "integer"},
    "controlPlane": {
      "type": "object",
      "required": ["region"],
      "properties": {"region": {"type": "string", "enum": ["eu-west-1", "eu-central-1"]}}
    }
  }
}
"""
SCHEMA_CM = config_map(endpoint="dns:///acme.{{ .Values.controlPlane.region }}.union.ai")
SCHEMA_ERROR = ("chart not rendered: values don't meet the specifications of the schema(s) in the following "
                "chart(s): app: ")


def _schema_chart(tmp_path: Path, schema: str = SCHEMA) -> Path:
    return write_chart(tmp_path, "app", {"cm.yaml": SCHEMA_CM}, "replicas: 1\ncontrolPlane:\n  region: eu-west-1\n",
                       files={"values.schema.json": schema})


def test_values_that_meet_the_schema_render(tmp_path: Path) -> None:
    chart = _schema_chart(tmp_path)
    assert rows(render(chart, "app")) == {
        "ConfigMap/default/cp": ("config", "app/templates/cm.yaml", 1, [], [], [ENDPOINT])}
    moved = render(chart, "app", sets=["controlPlane.region=eu-central-1", "replicas=3"])
    assert moved.rows[0].endpoints == ["dns:///acme.eu-central-1.union.ai"]


@pytest.mark.parametrize(("values_file", "sets", "problem"), [
    ("replicas: one\n", [], "- at '/replicas': got string, want integer"),
    (None, ["replicas=abc"], "- at '/replicas': got string, want integer"),
    ("controlPlane:\n  region: null\n", [], "- at '/controlPlane': missing property 'region'"),
    (None, ["controlPlane=null"], "- at '': missing property 'controlPlane'"),
    (None, ["controlPlane.region=us-east-1"],
     "- at '/controlPlane/region': value must be one of 'eu-west-1', 'eu-central-1'"),
], ids=["file-wrong-type", "set-wrong-type", "file-missing-property", "set-missing-property", "set-not-in-enum"])
def test_values_violating_the_schema_name_the_property(tmp_path: Path, values_file: str | None, sets: list[str],
                                                      problem: str) -> None:
    chart = _schema_chart(tmp_path)
    files = []
    if values_file is not None:
        files.append(tmp_path / "override.yaml")
        files[0].write_text(values_file)
    inventory = render(chart, "app", files, sets)
    assert inventory.rows == []
    assert errors(inventory) == [("app/Chart.yaml", 0, SCHEMA_ERROR + problem)]


def test_chart_values_yaml_violating_its_own_schema(tmp_path: Path) -> None:
    chart = _schema_chart(tmp_path)
    (chart / "values.yaml").write_text("replicas: 1\n")
    assert errors(render(chart, "app")) == [
        ("app/Chart.yaml", 0, SCHEMA_ERROR + "- at '': missing property 'controlPlane'")]


@pytest.mark.parametrize(("schema", "problem"), [
    ('{"type": "object", "properties": {', "Expecting property name enclosed in double quotes (line 1 column 35)"),
    ('{\n  "type": "object",\n  "required": ["a"]\n  "properties": {}\n}\n',
     "Expecting ',' delimiter (line 4 column 3)"),
    ("", "Expecting value (line 1 column 1)"),
], ids=["truncated", "missing-comma", "empty"])
def test_schema_that_is_not_json_is_reported_on_the_schema_file(tmp_path: Path, schema: str, problem: str) -> None:
    # helm words a broken schema file as values failing it (`values don't meet the specifications of
    # the schema(s) ... app: unexpected EOF`), naming neither the file nor the line
    chart = _schema_chart(tmp_path, schema)
    inventory = render(chart, "app")
    assert inventory.rows == []
    line = int(problem.split("(line ")[1].split()[0])
    assert errors(inventory) == [(
        "app/values.schema.json", line, f"values.schema.json is not valid JSON: {problem}; chart not rendered")]


def test_schema_with_a_byte_order_mark_renders(tmp_path: Path) -> None:
    # as with helm, whose JSON decoder accepts a leading UTF-8 BOM
    chart = _schema_chart(tmp_path)
    (chart / "values.schema.json").write_bytes(b"\xef\xbb\xbf" + SCHEMA.encode())
    inventory = render(chart, "app")
    assert errors(inventory) == []
    assert list(rows(inventory)) == ["ConfigMap/default/cp"]


def test_schema_nested_deeper_than_the_limit_is_refused_before_helm(tmp_path: Path) -> None:
    # the nesting is measured without parsing, so neither Python's parser nor Go's is given it
    chart = _schema_chart(tmp_path, "{\n" + "[" * 100_000)
    assert errors(render(chart, "app")) == [(
        "app/values.schema.json", 2, "values.schema.json nests deeper than 256 levels; not analyzed; chart not rendered")]
