"""Helm options on the command line: --values, --set*, --release-name, --namespace, --helm-engine."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

SA = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: tag-{{ kindOf .Values.tag }}
  namespace: {{ .Release.Namespace }}
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::{{ .Values.account }}:role/{{ .Release.Name }}-{{ .Values.role }}
"""
TF = 'provider "aws" {\n  region = "eu-west-1"\n}\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'


def run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A probe chart (its ServiceAccount's name shows the type of .Values.tag, its role ARN the account
    and role) next to a Terraform root; the working folder is the tree."""
    chart = tmp_path / "deploy" / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text('account: "111122223333"\ntag: v1\nrole: base\n')
    (chart / "templates" / "sa.yaml").write_text(SA)
    (tmp_path / "main.tf").write_text(TF)
    (tmp_path / "a.yaml").write_text('account: "222233334444"\nrole: from-a\n')
    (tmp_path / "b.yaml").write_text('account: "333344445555"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def identities(args: list[str], monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None, list[str]]]:
    code, out, err = run(["inventory", ".", "--format", "json", "--helm-engine", "sdk", *args], monkeypatch)
    assert code == 0, err
    return [(row["address"], row["account"], row["evidence"][-1:]) for row in json.loads(out)["inventory"]
            if row["type"] == "ServiceAccount"]


def test_no_options_render_the_chart_defaults(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert identities([], monkeypatch) == [
        ("ServiceAccount/default/tag-string", "111122223333",
         ["deploy/probe/templates/sa.yaml:7 ServiceAccount/default/tag-string IRSA role "
          "arn:aws:iam::111122223333:role/release-name-base "
          "(account 111122223333)"])]


def test_values_files_in_order_later_wins(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [(_, account, evidence)] = identities(["--values", "a.yaml", "--values", "b.yaml"], monkeypatch)
    assert account == "333344445555" and evidence[0].endswith("role/release-name-from-a (account 333344445555)")
    [(_, account, _)] = identities(["--values", "b.yaml", "--values", "a.yaml"], monkeypatch)
    assert account == "222233334444"


def test_set_applies_after_every_values_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [(_, account, evidence)] = identities(["--set", "account=444455556666,role=cli", "--values", "b.yaml"], monkeypatch)
    # Helm's --set makes a bare 12-digit number an int64, printed as digits (see analyzer/helm/charts.py)
    assert account == "444455556666" and "arn:aws:iam::444455556666:role/release-name-cli" in evidence[0]
    [(_, account, _)] = identities(["--set-string", "account=444455556666", "--values", "b.yaml"], monkeypatch)
    assert account == "444455556666"


# What Helm's strvals parser makes of `--set` (helm.sh/helm/v4 pkg/strvals/parser.go, typedVal: an
# integer is parsed with strconv.ParseInt into an int64, "true"/"false" are bools, "null" is nil,
# anything else is the string as written; `name[i]=` builds a list) and what `helm template` then
# prints for `{{ .Values.a }}` (an int64 as digits; nil removes the key, and Helm prints a missing
# value as ""). No `helm` binary is needed: both are Helm's documented behaviour.
@pytest.mark.parametrize(("expression", "helm_value", "helm_prints"), [
    ("a=999999999999", 999999999999, "999999999999"),
    ("a=-1000000", -1000000, "-1000000"),
    ("a=443", 443, "443"),
    ("a=1e3", "1e3", "1e3"),
    ("a=0x10", "0x10", "0x10"),
    ("a=true", True, "true"),
    ("a=null", None, ""),
    ("a[0]=x", ["x"], "[x]"),
])
def test_set_is_typed_and_printed_as_helm_does(tmp_path: Path, expression: str, helm_value: object,
                                               helm_prints: str) -> None:
    import helm_python

    from analyzer.helm import ChartOptions
    from analyzer.helm.charts import merge_values
    from analyzer.helm.engine import SdkRenderer

    assert helm_python.parse_set_string(expression) == {"a": helm_value}  # Helm's own parser, in the SDK
    chart = tmp_path / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("a: 5\n")
    (chart / "templates" / "cm.yaml").write_text('kind: ConfigMap\ndata:\n  a: "{{ .Values.a }}"\n')
    values = merge_values(ChartOptions(sets=(expression,)))
    rendered = SdkRenderer().render(chart, values, "release-name", "default")
    assert rendered == {"templates/cm.yaml": f'kind: ConfigMap\ndata:\n  a: "{helm_prints}"\n'}


def test_values_file_numbers_stay_float64_as_in_helm(tmp_path: Path) -> None:
    # Helm decodes a values file's numbers as float64: a bare 12-digit account renders in e-notation
    from analyzer.helm import ChartOptions
    from analyzer.helm.charts import merge_values
    from analyzer.helm.engine import SdkRenderer

    chart = tmp_path / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("b: 1\n")
    (chart / "templates" / "cm.yaml").write_text('a: "{{ .Values.a }}"\nb: "{{ .Values.b }}"\n')
    (tmp_path / "v.yaml").write_text("a: 999999999999\n")
    values = merge_values(ChartOptions(values_files=(tmp_path / "v.yaml",), set_jsons=("b=999999999999",)))
    rendered = SdkRenderer().render(chart, values, "release-name", "default")
    assert rendered == {"templates/cm.yaml": 'a: "9.99999999999e+11"\nb: "9.99999999999e+11"\n'}


def test_set_string_keeps_a_string_and_set_types_it(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert identities(["--set", "tag=1"], monkeypatch)[0][0] == "ServiceAccount/default/tag-float64"
    assert identities(["--set", "tag=true"], monkeypatch)[0][0] == "ServiceAccount/default/tag-bool"
    assert identities(["--set-string", "tag=1"], monkeypatch)[0][0] == "ServiceAccount/default/tag-string"
    assert identities(["--set-string", "tag=true"], monkeypatch)[0][0] == "ServiceAccount/default/tag-string"


def test_set_json(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert identities(["--set-json", "tag=[1,2]"], monkeypatch)[0][0] == "ServiceAccount/default/tag-slice"
    assert identities(["--set-json", 'tag={"a":1}'], monkeypatch)[0][0] == "ServiceAccount/default/tag-map"
    # Helm 4 also takes one whole JSON object
    assert identities(["--set-json", '{"tag": null, "account": "555566667777"}'], monkeypatch) == [
        ("ServiceAccount/default/tag-invalid", "555566667777", [
            "deploy/probe/templates/sa.yaml:7 ServiceAccount/default/tag-invalid IRSA role "
            "arn:aws:iam::555566667777:role/release-name-base "
            "(account 555566667777)"])]


def test_kinds_apply_in_helms_order_not_command_line_order(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # helm: values files, then every --set-json, then every --set, then every --set-string
    later_string = ["--set-string", "tag=1", "--set", "tag=2", "--set-json", "tag=[3]"]
    assert identities(later_string, monkeypatch)[0][0] == "ServiceAccount/default/tag-string"
    later_set = ["--set", "tag=true", "--set-json", 'tag="json"']
    assert identities(later_set, monkeypatch)[0][0] == "ServiceAccount/default/tag-bool"
    # within one kind, the last one wins
    assert identities(["--set", "tag=x", "--set", "tag=false"], monkeypatch)[0][0] == "ServiceAccount/default/tag-bool"


def test_release_name_and_namespace_change_the_addresses(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [(address, _, evidence)] = identities(["--release-name", "union", "--namespace", "union-system"], monkeypatch)
    assert address == "ServiceAccount/union-system/tag-string"
    assert "role/union-base" in evidence[0]


def test_missing_values_file_is_a_finding_and_terraform_still_scans(tree: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["scan", ".", "--format", "json", "--helm-engine", "sdk", "--region", "eu-west-1",
                        "--values", "a.yaml", "--values", "./missing.yaml"], monkeypatch)
    assert code == 1
    data = json.loads(out)
    [finding] = [f for f in data["findings"] if f["rule_id"] == "CKV_RES_9"]
    assert (finding["file"], finding["line"], finding["address"]) == ("missing.yaml", 0, "missing.yaml")
    assert finding["message"].startswith(
        "values file missing.yaml: cannot read: No such file or directory; chart deploy/probe not rendered")
    assert data["errors"] == [{"file": "missing.yaml", "line": 0, "message": (
        "values file missing.yaml: cannot read: No such file or directory; chart deploy/probe not rendered")}]
    assert [row["address"] for row in data["inventory"]] == ["aws_s3_bucket.logs"]


@pytest.mark.parametrize(("content", "reason"), [
    (b"account: [\n", "error converting YAML to JSON: yaml: line 1: did not find expected node content"),
    (b"a: \x00\x01\n", "binary file (contains NUL bytes), not YAML"),
    (b"- a\n- b\n", "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value "
                    "of type common.Values"),
])
def test_unusable_values_file_is_a_finding(tree: Path, monkeypatch: pytest.MonkeyPatch, content: bytes,
                                           reason: str) -> None:
    (tree / "values").mkdir()
    (tree / "values" / "bad.yaml").write_bytes(content)  # outside the scanned paths: read only as a values file
    code, out, _ = run(["scan", "deploy", "main.tf", "-f", "json", "--helm-engine", "sdk", "--values", "values/bad.yaml"],
                       monkeypatch)
    assert code == 1
    message = f"values file values/bad.yaml: {reason}; chart deploy/probe not rendered"
    assert json.loads(out)["errors"] == [{"file": "values/bad.yaml", "line": 0, "message": message}]


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "a.b"], 'error: --set a.b: key "b" has no value\n'),
    (["--set-json", "a=nope"], "error: --set-json a=nope: invalid character 'o' in literal null (expecting 'u')\n"),
    (["--set-json", '{"a":'], "error: --set-json {\"a\":: not a JSON object: Expecting value: line 1 column 6 "
                              "(char 5)\n"),
    (["--namespace", "Prod"], "error: --namespace Prod: not a Kubernetes namespace name (lowercase letters, "
                              "digits and '-', at most 63 characters, starting and ending with a letter or digit)\n"),
    (["--release-name", "-x"], "error: --release-name -x: invalid release name, must match regex "
                               "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length "
                               "must not be longer than 53\n"),
    (["--helm-engine", "docker"], "error: unknown --helm-engine 'docker'; choose from auto, sdk, binary\n"),
])
def test_malformed_helm_options_are_usage_errors(tree: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                 message: str) -> None:
    code, out, err = run(["scan", ".", *args], monkeypatch)
    assert (code, out, err) == (2, "", message)


def _fake_helm(folder: Path, record: Path, stream: str) -> Path:
    folder.mkdir(parents=True)
    helm = folder / "helm"
    helm.write_text(f"#!{sys.executable}\nimport sys\nopen({str(record)!r}, 'w').write(' '.join(sys.argv[1:]))\n"
                    f"sys.stdout.write({stream!r})\n")
    helm.chmod(0o755)
    return helm


STREAM = ("---\n# Source: probe/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
          "  name: from-helm\n  namespace: ns\n  annotations:\n"
          "    eks.amazonaws.com/role-arn: arn:aws:iam::666677778888:role/x\n")


def test_auto_uses_a_helm_on_path(tree: Path, tmp_path_factory: pytest.TempPathFactory,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tools = tmp_path_factory.mktemp("tools")
    record = tools / "argv"
    _fake_helm(tools / "bin", record, STREAM)
    monkeypatch.setenv("PATH", str(tools / "bin"))
    code, out, err = run(["inventory", ".", "-f", "json", "--release-name", "r", "--namespace", "ns"], monkeypatch)
    assert (code, err) == (0, "")
    assert [(row["address"], row["account"]) for row in json.loads(out)["inventory"]
            if row["cloud"] == "kubernetes"] == [("ServiceAccount/ns/from-helm", "666677778888")]
    assert record.read_text().startswith(f"template r {tree / 'deploy' / 'probe'} --namespace ns --values ")
    code, _, err = run(["inventory", ".", "-f", "json", "--helm-engine", "binary"], monkeypatch)
    assert (code, err) == (0, "")


def test_auto_never_runs_a_helm_from_the_scanned_tree(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = tree / "argv"
    planted = _fake_helm(tree / "tools", record, STREAM)
    monkeypatch.setenv("PATH", f".{os.pathsep}{planted.parent}")
    code, out, err = run(["inventory", ".", "-f", "json"], monkeypatch)
    assert code == 0
    assert err == (f"warning: the helm on PATH ({planted}) is inside the scanned tree {tree.resolve()}, and a "
                   "scanned repository must not supply the program that renders it; rendering charts with the "
                   "embedded Helm SDK instead\n")
    assert [row["address"] for row in json.loads(out)["inventory"] if row["cloud"] == "kubernetes"] == [
        "ServiceAccount/default/tag-string"]
    code, out, err = run(["scan", ".", "--helm-engine", "binary"], monkeypatch)
    assert code == 2 and err.startswith("error: --helm-engine binary: the helm on PATH") and out == ""
    assert not record.exists()


def test_binary_engine_without_helm_is_a_usage_error(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tree / "nothing-here"))
    assert run(["report", ".", "--helm-engine", "binary"], monkeypatch) == (
        2, "", "error: --helm-engine binary: no `helm` executable on PATH\n")


@pytest.mark.parametrize("command", ["scan", "inventory", "report", "baseline"])
def test_help_lists_the_helm_options(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run([command, "--help"], monkeypatch)
    assert code == 0
    for option in ("--values", "--helm-values", "--set ", "--set-string", "--set-json", "--release-name", "--namespace",
                   "--helm-engine"):
        assert option in out, option
    assert "Applies to every Helm chart the scan renders." in out
    assert "[default: release-name]" in out and "[default: default]" in out and "[default: auto]" in out


def test_baseline_and_report_take_the_values(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [".", "--helm-engine", "sdk", "--region", "eu-west-1", "--account", "111122223333", "--values", "a.yaml"]
    code, out, _ = run(["baseline", *args, "-o", "base.json"], monkeypatch)
    assert code == 0
    accepted = json.loads((tree / "base.json").read_text())["findings"]
    assert ("CKV_RES_5", "ServiceAccount/default/tag-string") in {(f["rule_id"], f["address"]) for f in accepted}
    code, out, _ = run(["report", *args], monkeypatch)
    assert code == 0 and "222233334444" in out
