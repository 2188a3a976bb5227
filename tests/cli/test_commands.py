"""Subcommands agree: `residency checks`, inventory -f/-o like scan, the Helm options on every
command that renders charts (including --set-file, --kube-version and --api-versions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import TERRAFORM, Run, write

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: exporter\nversion: 1.4.0\nkubeVersion: '>=1.25.0-0'\n",
    "values.yaml": "region: eu-west-1\nconfig: ''\n",
    # as real charts do: the ServiceMonitor only where the Prometheus operator's API exists
    "templates/deployment.yaml": '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-exporter
spec:
  template:
    spec:
      containers:
        - name: exporter
          image: registry.example.com/exporter:1.4.0
          env:
            - name: AWS_REGION
              value: {{ .Values.region | quote }}
            - name: KUBE_MINOR
              value: {{ .Capabilities.KubeVersion.Minor | quote }}
{{- if .Values.config }}
            - name: EXPORTER_CONFIG
              value: {{ .Values.config | quote }}
{{- end }}
''',
    "templates/servicemonitor.yaml": '''{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-remote-write
data:
  AWS_REGION: us-east-1
{{- end }}
''',
}


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    return write(tmp_path / "exporter", {**CHART, "residency.yaml": "region: eu-west-1\naccounts: ['111122223333']\n",
                                         "files/config.txt": "endpoint: https://s3.us-east-1.amazonaws.com\n"})


def objects(out: str) -> dict[str, dict]:
    return {r["address"]: r for r in json.loads(out)["inventory"]}


def test_api_versions_open_the_capability_gate(chart: Path, cli: Run) -> None:
    base = ["inventory", chart, "-f", "json", "--helm-engine", "sdk"]
    code, out, _ = cli(base)
    assert code == 0 and not any("remote-write" in a for a in objects(out))
    code, out, _ = cli([*base, "--api-versions", "monitoring.coreos.com/v1", "-n", "monitoring"])
    assert code == 0
    assert any(a.startswith("ConfigMap/monitoring/release-name-remote-write") for a in objects(out)), objects(out)


def test_capability_gated_finding_and_kube_version(chart: Path, cli: Run) -> None:
    args = ["scan", chart, "-f", "json", "--helm-engine", "sdk", "--check", "CKV_RES_1"]
    code, out, _ = cli(args)
    assert (code, json.loads(out)["findings"]) == (0, [])
    code, out, _ = cli([*args, "-a", "monitoring.coreos.com/v1", "--kube-version", "v1.29.4"])
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert finding["file"] == "templates/servicemonitor.yaml" and "us-east-1" in finding["message"]


def test_the_engine_sees_kube_version_and_api_versions(chart: Path) -> None:
    from analyzer.helm.engine import SdkRenderer

    rendered = SdkRenderer().render(chart, {}, "r", "default", kube_version="v1.29.4",
                                    api_versions=("monitoring.coreos.com/v1",))
    assert 'name: KUBE_MINOR\n              value: "29"' in rendered["templates/deployment.yaml"]
    assert "AWS_REGION: us-east-1" in rendered["templates/servicemonitor.yaml"]
    plain = SdkRenderer().render(chart, {}, "r", "default")
    assert "AWS_REGION" not in plain.get("templates/servicemonitor.yaml", "")


def test_set_file_passes_the_text(chart: Path, cli: Run) -> None:
    code, out, _ = cli(["scan", chart, "-f", "json", "--helm-engine", "sdk", "--check", "CKV_RES_1",
                        "--set-file", f"config={chart / 'files/config.txt'}"])
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert finding["file"] == "templates/deployment.yaml" and "us-east-1" in finding["message"]


def test_set_file_missing_is_a_finding_on_the_file(chart: Path, cli: Run) -> None:
    code, out, _ = cli(["scan", chart, "-f", "json", "--helm-engine", "sdk", "--check", "CKV_RES_9",
                        "--set-file", "config=absent.txt"])
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert finding["message"].startswith("--set-file config=absent.txt: cannot read: No such file or directory")


def test_report_and_init_take_the_helm_options(chart: Path, tmp_path: Path, cli: Run) -> None:
    code, out, _ = cli(["report", chart, "--helm-engine", "sdk", "--api-versions", "monitoring.coreos.com/v1"])
    assert code == 0 and "remote-write" in out
    code, out, _ = cli(["init", chart, "-o", tmp_path / "policy.yaml", "--helm-engine", "sdk", "--values",
                        chart / "values.yaml", "-n", "exporters"])
    assert code == 0 and (tmp_path / "policy.yaml").is_file()


def test_checks_lists_every_rule(cli: Run) -> None:
    code, out, _ = cli(["checks"])
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "Severity", "Name", "Documentation"]
    assert [line.split()[0] for line in lines[1:]] == [f"CKV_RES_{n}" for n in range(1, 11)]
    row = next(line for line in lines if line.startswith("CKV_RES_8 "))
    assert row.split()[1] == "MEDIUM" and "Provider placement not pinned" in row and row.endswith("docs/rules/CKV_RES_8.md")
    for line in lines[1:]:
        assert (Path(__file__).parents[2] / line.split()[-1]).is_file()


def test_checks_json_with_the_policy_severity(tmp_path: Path, cli: Run) -> None:
    policy = write(tmp_path, {"residency.yaml": "severity:\n  CKV_RES_8: INFO\n"}) / "residency.yaml"
    code, out, _ = cli(["checks", "-f", "json", "--config", policy])
    rules = {r["id"]: r for r in json.loads(out)["rules"]}
    assert code == 0 and rules["CKV_RES_8"] == {"id": "CKV_RES_8", "severity": "INFO", "default_severity": "MEDIUM",
                                                "name": "Provider placement not pinned", "doc": "docs/rules/CKV_RES_8.md"}
    assert cli(["checks", "-f", "sarif"]) == (2, "", "error: unknown --format 'sarif'; choose from cli, json\n")


def test_inventory_formats_and_output(tmp_path: Path, cli: Run) -> None:
    root = write(tmp_path / "infra", TERRAFORM)
    code, cli_out, _ = cli(["inventory", root, "-f", "cli"])
    assert code == 0 and cli(["inventory", root, "-f", "table"])[1] == cli_out
    assert "aws_s3_bucket.dr" in cli_out
    code, out, _ = cli(["inventory", root, "-f", "json", "-o", tmp_path / "inv.json"])
    assert (code, out) == (0, "")
    assert {r["address"] for r in json.loads((tmp_path / "inv.json").read_text())["inventory"]} == {
        "aws_s3_bucket.data", "aws_s3_bucket.dr"}
    assert cli(["inventory", root, "-o", "json"])[0] == 2
    assert cli(["inventory", root, "-f", "sarif"]) == (
        2, "", "error: unknown --format 'sarif'; choose from cli, table, json, markdown\n")
