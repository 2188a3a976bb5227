"""The chart renderers: the embedded SDK, an isolated `helm` binary (a fake one here), and the choice between them."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from analyzer.helm import ChartOptions, scan_chart
from analyzer.helm.engine import (
    BinaryRenderer,
    EngineError,
    RenderError,
    SdkRenderer,
    select_renderer,
    split_stream,
)
from tests.conftest import FIXTURES

DATAPLANE = FIXTURES / "helm" / "charts" / "dataplane"
# a template with two documents, already in Helm's install order (ServiceAccount before Service)
EXTRA = ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}-extra\n"
         "  namespace: {{ .Release.Namespace }}\n  annotations:\n"
         "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/extra\n---\n"
         "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-extra\n"
         "spec:\n  ports:\n    - port: 80\n")
# Helm's InstallOrder, for the kinds these tests print
KIND_ORDER = ["ServiceAccount", "ConfigMap", "Service", "Deployment"]
HELM_ERROR = ('Error: template: dataplane/templates/deployment.yaml:12:20: executing '
              '"dataplane/templates/deployment.yaml" at <.Values.image.registry>: nil pointer evaluating '
              'interface {}.registry\n')


def _chart(tmp_path: Path) -> Path:
    chart = tmp_path / "charts" / "dataplane"
    shutil.copytree(DATAPLANE, chart)
    (chart / "templates" / "extra.yaml").write_text(EXTRA)
    return chart


def _helm_stream(rendered: dict[str, str]) -> str:
    """What `helm template` prints for these templates: one `---` + `# Source:` header per document,
    documents sorted by kind (so one template's documents are not adjacent), no NOTES."""
    documents = []
    for path, text in rendered.items():
        for document in text.split("---\n"):
            kind = next(line.split(":", 1)[1].strip() for line in document.splitlines() if line.startswith("kind:"))
            documents.append((KIND_ORDER.index(kind), f"dataplane/{path}", document.strip()))
    return "".join(f"---\n# Source: {source}\n{document}\n" for _, source, document in sorted(documents))


def _fake_helm(folder: Path, record: Path, behaviour: str) -> Path:
    """A `helm` that records its argv, environment, working folder and --values file, then behaves."""
    folder.mkdir(parents=True, exist_ok=True)
    helm = folder / "helm"
    helm.write_text(
        f"#!{sys.executable}\n"
        "import json, os, subprocess, sys, time\n"
        "values = sys.argv[sys.argv.index('--values') + 1] if '--values' in sys.argv else None\n"
        f"with open({str(record)!r}, 'w') as handle:\n"
        "    json.dump({'argv': sys.argv[1:], 'env': dict(os.environ), 'cwd': os.getcwd(), 'pid': os.getpid(),\n"
        "               'values': open(values).read() if values else None}, handle)\n"
        + behaviour)
    helm.chmod(0o755)
    return helm


def _printing(text: str) -> str:
    return f"sys.stdout.write({text!r})\n"


def _failing(stderr: str) -> str:
    return f"sys.stderr.write({stderr!r})\nsys.exit(1)\n"


def test_sdk_renders_the_fixture_chart_keyed_by_chart_path() -> None:
    rendered = SdkRenderer().render(DATAPLANE, {"controlPlane": {"region": "eu-west-1"}}, "union", "prod")
    assert sorted(rendered) == ["templates/configmap.yaml", "templates/deployment.yaml",
                                "templates/serviceaccount.yaml"]
    assert 'CONTROL_PLANE_ENDPOINT: "dns:///acme.eu-west-1.union.ai"' in rendered["templates/configmap.yaml"]
    assert rendered["templates/deployment.yaml"].startswith(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: union-operator\n  namespace: prod\n")


def test_sdk_error_names_the_template_line(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    (chart / "templates" / "broken.yaml").write_text("a: 1\nb: {{ .Values.missing.deeper }}\n")
    with pytest.raises(RenderError) as caught:
        SdkRenderer().render(chart, {}, "release-name", "default")
    assert (caught.value.template, caught.value.line) == ("templates/broken.yaml", 2)
    assert "nil pointer" in caught.value.message


def test_binary_runs_helm_template_isolated_and_splits_its_stream(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    chart = _chart(tmp_path)
    values = {"controlPlane": {"region": "eu-west-1"}, "image": {"tag": "ü-1"}}
    expected = SdkRenderer().render(chart, values, "union", "prod")
    assert len(expected) == 4 and expected["templates/extra.yaml"].count("---") == 1
    record = tmp_path / "record.json"
    helm = _fake_helm(tmp_path / "bin", record, _printing(_helm_stream(expected)))
    monkeypatch.setenv("AWS_PROFILE", "leak-canary")
    monkeypatch.setenv("HELM_PLUGINS", str(tmp_path / "user-plugins"))

    assert BinaryRenderer(helm).render(chart, values, "union", "prod") == expected

    seen = json.loads(record.read_text())
    scratch = Path(seen["cwd"])
    assert seen["argv"] == ["template", "union", str(chart.resolve()), "--namespace", "prod",
                            "--values", str(scratch / "values.json")]
    assert json.loads(seen["values"]) == values  # the merged overrides, as JSON (non-ASCII kept as is)
    env = seen["env"]
    assert {key: env[key] for key in env if key.startswith("HELM_")} == {
        "HELM_CACHE_HOME": str(scratch / "cache" / "helm"),
        "HELM_CONFIG_HOME": str(scratch / "config" / "helm"),
        "HELM_DATA_HOME": str(scratch / "data" / "helm"),
        "HELM_PLUGINS": str(scratch / "plugins"),
        "HELM_NO_PLUGINS": "1",
        "HELM_REGISTRY_CONFIG": str(scratch / "config" / "helm" / "registry" / "config.json"),
        "HELM_REPOSITORY_CONFIG": str(scratch / "config" / "helm" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(scratch / "cache" / "helm" / "repository"),
    }
    assert env["HOME"] == str(scratch) and env["KUBECONFIG"] == str(scratch / "kubeconfig")
    assert "AWS_PROFILE" not in env and env["PATH"] == os.environ["PATH"]
    assert scratch.name.startswith("residency-helm-") and not scratch.exists()  # removed afterwards


def test_both_engines_give_the_same_rows(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    options = ChartOptions(sets=("controlPlane.region=eu-west-1",), release="union", namespace="prod")
    by_sdk = scan_chart(chart, "charts/dataplane", options)
    rendered = SdkRenderer().render(chart, {"controlPlane": {"region": "eu-west-1"}}, "union", "prod")
    helm = _fake_helm(tmp_path / "bin", tmp_path / "record.json", _printing(_helm_stream(rendered)))
    by_binary = scan_chart(chart, "charts/dataplane", ChartOptions(
        sets=options.sets, release="union", namespace="prod", renderer=BinaryRenderer(helm)))
    assert by_sdk.errors == [] and by_binary.errors == []
    assert [r.address for r in by_sdk.rows] == ["ConfigMap/prod/union-config", "Deployment/prod/union-operator",
                                                "ServiceAccount/prod/union-extra", "ServiceAccount/prod/union-operator"]
    assert by_binary.model_dump() == by_sdk.model_dump()


def test_split_stream_gathers_documents_per_source() -> None:
    stream = ("---\n# Source: app/templates/a.yaml\nkind: ServiceAccount\n"
              "---\n# Source: app/charts/db/templates/s.yaml\nkind: StatefulSet\n"
              "---\n# Source: app/templates/a.yaml\nkind: Deployment\n")
    assert split_stream(stream) == {"templates/a.yaml": "kind: ServiceAccount\n---\nkind: Deployment\n",
                                    "charts/db/templates/s.yaml": "kind: StatefulSet\n"}
    assert split_stream("") == {}
    with pytest.raises(RenderError, match="a document with no `# Source:` line"):
        split_stream("kind: Pod\n")


def test_binary_error_names_the_template_line(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    helm = _fake_helm(tmp_path / "bin", tmp_path / "record.json",
                      _failing("WARNING: this chart is deprecated\n" + HELM_ERROR))
    with pytest.raises(RenderError) as caught:
        BinaryRenderer(helm).render(chart, {}, "release-name", "default")
    assert (caught.value.template, caught.value.line) == ("templates/deployment.yaml", 12)
    assert caught.value.message == HELM_ERROR.removeprefix("Error: ").strip()

    inventory = scan_chart(chart, "charts/dataplane", ChartOptions(renderer=BinaryRenderer(helm)))
    assert inventory.rows == []
    assert [(e.file, e.line) for e in inventory.errors] == [("charts/dataplane/templates/deployment.yaml", 12)]
    assert inventory.errors[0].message == (
        "chart not rendered: template: "
        'dataplane/templates/deployment.yaml:12:20: executing "dataplane/templates/deployment.yaml" at '
        "<.Values.image.registry>: nil pointer evaluating interface {}.registry")


def test_binary_yaml_error_names_the_template_and_drops_the_debug_hint(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    helm = _fake_helm(tmp_path / "bin", tmp_path / "record.json", _failing(
        "Error: YAML parse error on dataplane/templates/bad.yaml: error converting YAML to JSON: yaml: line 3: "
        "did not find expected node content\nUse --debug flag to render out invalid YAML\n"))
    inventory = scan_chart(chart, "charts/dataplane", ChartOptions(renderer=BinaryRenderer(helm)))
    assert [e.file for e in inventory.errors] == ["charts/dataplane/templates/bad.yaml"]
    assert [e.message for e in inventory.errors] == [
        "chart not rendered: YAML parse error on dataplane/templates/bad.yaml: "
        "error converting YAML to JSON: yaml: line 3: did not find expected node content"]


def test_binary_failure_without_a_message(tmp_path: Path) -> None:
    helm = _fake_helm(tmp_path / "bin", tmp_path / "record.json", "sys.exit(3)\n")
    with pytest.raises(RenderError, match=r"^helm template exited with status 3$"):
        BinaryRenderer(helm).render(_chart(tmp_path), {}, "release-name", "default")


def test_binary_timeout_kills_helm_and_what_it_started(tmp_path: Path) -> None:
    # the grandchild keeps helm's stdout open: only killing the whole process group ends the wait
    behaviour = ("subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                 "time.sleep(60)\n")
    record = tmp_path / "record.json"
    helm = _fake_helm(tmp_path / "bin", record, behaviour)
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"^helm template did not finish within 0.5 s; stopped$"):
        BinaryRenderer(helm, timeout=0.5).render(_chart(tmp_path), {}, "release-name", "default")
    assert time.monotonic() - started < 4
    with pytest.raises(ProcessLookupError):
        os.kill(json.loads(record.read_text())["pid"], 0)


def test_binary_that_cannot_start(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"^cannot run helm at .*/nohelm: No such file or directory$"):
        BinaryRenderer(tmp_path / "nohelm").render(DATAPLANE, {}, "release-name", "default")


def test_binary_refuses_flag_like_names(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    helm = _fake_helm(tmp_path / "bin", record, "")
    with pytest.raises(RenderError, match=r"^invalid namespace '--post-renderer=x'$"):
        BinaryRenderer(helm).render(DATAPLANE, {}, "release-name", "--post-renderer=x")
    assert not record.exists()


def test_missing_subchart_renders_the_rest_with_the_sdk(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    with (chart / "Chart.yaml").open("a") as handle:
        handle.write("dependencies:\n  - name: postgresql\n    version: 12.1.0\n"
                     "    repository: https://charts.bitnami.com/bitnami\n")
    record = tmp_path / "record.json"
    helm = _fake_helm(tmp_path / "bin", record, _failing("Error: found in Chart.yaml, but missing in charts/ "
                                                         "directory: postgresql\n"))
    inventory = scan_chart(chart, "charts/dataplane", ChartOptions(renderer=BinaryRenderer(helm)))
    assert [e.message.split(" (")[0] for e in inventory.errors] == ["subchart postgresql is not vendored; not analyzed"]
    assert len(inventory.rows) == 4
    assert not record.exists()  # helm was not asked: it refuses a chart with missing subcharts


def _path_with(monkeypatch: pytest.MonkeyPatch, *folders: Path | str) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join(str(f) for f in folders))


def test_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helm = _fake_helm(tmp_path / "tools", tmp_path / "record.json", "")
    scanned = tmp_path / "repo"
    scanned.mkdir()
    _path_with(monkeypatch, tmp_path / "empty", helm.parent)
    assert select_renderer("auto", scanned) == (BinaryRenderer(helm), None)
    assert select_renderer("binary", scanned, timeout=5) == (BinaryRenderer(helm, 5), None)
    assert select_renderer("sdk", scanned) == (SdkRenderer(), None)
    _path_with(monkeypatch, tmp_path / "empty")
    assert select_renderer("auto", scanned) == (SdkRenderer(), None)
    with pytest.raises(EngineError, match=r"^--helm-engine binary: no `helm` executable on PATH$"):
        select_renderer("binary", scanned)
    with pytest.raises(EngineError, match=r"^unknown --helm-engine 'docker'; choose from auto, sdk, binary$"):
        select_renderer("docker", scanned)


@pytest.mark.parametrize("how", ["bin folder", "dot on PATH", "symlink into the tree"])
def test_a_helm_inside_the_scanned_tree_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     how: str) -> None:
    scanned = tmp_path / "repo"
    record = tmp_path / "record.json"
    planted = _fake_helm(scanned / "bin", record, _printing("---\n# Source: x/templates/a.yaml\nkind: Pod\n"))
    shown = planted
    if how == "bin folder":
        _path_with(monkeypatch, planted.parent)
    elif how == "dot on PATH":
        monkeypatch.chdir(planted.parent)
        _path_with(monkeypatch, ".")
    else:
        (tmp_path / "tools").mkdir()
        (tmp_path / "tools" / "helm").symlink_to(planted)
        _path_with(monkeypatch, tmp_path / "tools")
        shown = tmp_path / "tools" / "helm"
    renderer, warning = select_renderer("auto", scanned)
    assert renderer == SdkRenderer()
    assert warning == (f"the helm on PATH ({shown}) is inside the scanned tree {scanned.resolve()}, and a scanned "
                       "repository must not supply the program that renders it; rendering charts with the embedded "
                       "Helm SDK instead")
    with pytest.raises(EngineError, match=r"^--helm-engine binary: the helm on PATH .* refusing to run it$"):
        select_renderer("binary", scanned)
    assert not record.exists()


def test_binary_runs_under_the_memory_and_cpu_limits(tmp_path: Path) -> None:
    from analyzer.helm.sandbox import RenderLimits

    behaviour = ("import resource\n"
                 "sys.stderr.write('Error: limits %d %d\\n' % (resource.getrlimit(resource.RLIMIT_DATA)[0],\n"
                 "                                             resource.getrlimit(resource.RLIMIT_CPU)[0]))\n"
                 "sys.exit(1)\n")
    helm = _fake_helm(tmp_path / "bin", tmp_path / "record.json", behaviour)
    limits = RenderLimits(memory_bytes=1 << 30, cpu_seconds=7)
    with pytest.raises(RenderError, match=rf"^limits {1 << 30} 7$"):
        BinaryRenderer(helm, limits=limits).render(_chart(tmp_path), {}, "release-name", "default")


@pytest.mark.parametrize(("behaviour", "message"), [
    ("sys.stderr.write('fatal error: out of memory\\n\\ngoroutine 1 [running]:\\n')\nsys.exit(2)\n",
     "rendering exceeded the memory limit (2 GiB) and was stopped"),
    ("sys.stderr.write('runtime: goroutine stack exceeds 1000000000-byte limit\\nfatal error: stack overflow\\n')\n"
     "sys.exit(2)\n",
     "rendering recursed too deeply (Go stack overflow: a template that calls itself?) and was stopped"),
    ("import signal\nos.kill(os.getpid(), signal.SIGXCPU)\ntime.sleep(5)\n",
     "rendering used more than 60 s of CPU (the limit for one chart) and was stopped"),
])
def test_binary_stopped_at_a_limit_says_which(tmp_path: Path, behaviour: str, message: str) -> None:
    helm = _fake_helm(tmp_path / "bin", tmp_path / "record.json", behaviour)
    with pytest.raises(RenderError) as raised:
        BinaryRenderer(helm).render(_chart(tmp_path), {}, "release-name", "default")
    assert (raised.value.message, raised.value.template) == (message, None)
