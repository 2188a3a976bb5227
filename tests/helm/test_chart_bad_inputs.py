"""Broken, hostile and degenerate charts: each is a ScanError naming the file (never an exception,
never a hang), and a broken chart never loses the rest of a repository scan."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import pytest

from analyzer.scan import ScanOptions, build_inventory
from tests.helm.conftest import ENDPOINT, config_map, errors, finishes_within, render, rows, write_chart, write_tgz

GOOD_ROW: tuple[object, ...] = ("config", "app/templates/cm.yaml", 1, [], [], [ENDPOINT])
# 10 levels of 9 aliases each: 9**10 strings once expanded
BILLION_LAUGHS = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]\n" for level in range(1, 10))
EXCESSIVE_ALIASING = "error converting YAML to JSON: yaml: document contains excessive aliasing"


def _app(tmp_path: Path, **templates: str) -> Path:
    return write_chart(tmp_path, "app", {"cm.yaml": config_map(), **templates})


def _big_values(path: Path, megabytes: int) -> None:
    line = "key{:08d}: " + "x" * 100 + "\n"
    count = megabytes * 1024 * 1024 // len(line.format(0)) + 1
    path.write_text("region: eu-central-1\n" + "".join(line.format(i) for i in range(count)))


# --- Chart.yaml -------------------------------------------------------------------------------

def test_malformed_chart_yaml_is_reported_at_the_line_helm_names(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: [app\nversion: 0.1.0\n")
    assert errors(render(chart, "app")) == [(
        "app/Chart.yaml", 2, "chart not rendered: cannot load Chart.yaml: error converting YAML to JSON: "
                             "yaml: line 2: did not find expected ',' or ']'")]
    # a later document is ignored by helm, so the line stays one of the file
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\nx: |\n  a\n y: [\n---\nz: [\n")
    assert errors(render(chart, "app")) == [(
        "app/Chart.yaml", 5, "chart not rendered: cannot load Chart.yaml: error converting YAML to JSON: "
                             "yaml: line 5: did not find expected key")]


def test_malformed_values_yaml_is_reported_on_values_yaml(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map()}, "a: 1\nb: [\n")
    message = ("chart not rendered: cannot load values.yaml: cannot unmarshal yaml document: error converting YAML "
               "to JSON: yaml: line {}: did not find expected node content")
    assert errors(render(chart, "app")) == [("app/values.yaml", 2, message.format(2))]
    # helm parses values.yaml document by document and counts lines within the failing one
    (chart / "values.yaml").write_text("a: 1\n---\nc: 2\nb: [\n")
    assert errors(render(chart, "app")) == [("app/values.yaml", 0, message.format(2))]


@pytest.mark.parametrize(("archive", "place"), [(False, ("app/charts/agent/values.yaml", 1)),
                                                (True, ("app/charts/agent-0.1.0.tgz", 0))], ids=["folder", "tgz"])
def test_malformed_subchart_file_is_reported_in_the_subchart(tmp_path: Path, archive: bool,
                                                             place: tuple[str, int]) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map()},
                        chart_extra="dependencies:\n  - name: agent\n    version: 0.1.0\n")
    agent = {"Chart.yaml": "apiVersion: v2\nname: agent\nversion: 0.1.0\n", "values.yaml": "a: [\n"}
    if archive:
        write_tgz(chart / "charts" / "agent-0.1.0.tgz", "agent", agent)
    else:
        write_chart(chart / "charts", "agent", values=agent["values.yaml"])
    subchart = "agent-0.1.0.tgz" if archive else "agent"
    assert errors(render(chart, "app")) == [(
        *place, f"chart not rendered: error unpacking subchart {subchart} in app: cannot load values.yaml: cannot "
                "unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected node "
                "content")]


@pytest.mark.parametrize(("chart_yaml", "message"), [
    ("apiVersion: v2\nversion: 0.1.0\n", "chart not rendered: validation: chart.metadata.name is required"),
    ("apiVersion: v2\nname: app\n", "chart not rendered: validation: chart.metadata.version is required"),
    ("apiVersion: v2\nname: app\nversion: latest\n",
     'chart not rendered: validation: chart.metadata.version "latest" is invalid'),
    ("apiVersion: v2\nname: ../app\nversion: 0.1.0\n",
     'chart not rendered: validation: chart.metadata.name "../app" is invalid'),
    ("", "chart not rendered: validation: chart.metadata.name is required"),
    ("- app\n", "chart not rendered: cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: "
                "json: cannot unmarshal array into Go value of type v2.Metadata"),
    ("apiVersion: v2\n\x00name: app\n",
     "chart not rendered: cannot load Chart.yaml: error converting YAML to JSON: "
     "yaml: control characters are not allowed"),
], ids=["no-name", "no-version", "version-not-semver", "name-with-slash", "empty", "a-list", "binary"])
def test_chart_yaml_without_required_fields(tmp_path: Path, chart_yaml: str, message: str) -> None:
    chart = _app(tmp_path)
    (chart / "Chart.yaml").write_text(chart_yaml)
    inventory = render(chart, "app")
    assert inventory.rows == []
    assert errors(inventory) == [("app/Chart.yaml", 0, message)]


def test_chart_yaml_without_api_version_is_a_v1_chart(tmp_path: Path) -> None:
    # helm's loader reads a Chart.yaml without apiVersion as a Helm 2 (v1) chart, as `helm template` does
    chart = _app(tmp_path)
    (chart / "Chart.yaml").write_text("name: app\nversion: 0.1.0\n")
    inventory = render(chart, "app")
    assert errors(inventory) == []
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW}


def test_vendored_subchart_of_another_version_is_named(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map()},
                        chart_extra="dependencies:\n  - name: agent\n    version: 2.0.0\n")
    write_chart(chart / "charts", "agent", {"cm.yaml": config_map("agent")}, version="1.0.0")
    inventory = render(chart, "app")
    # helm renders it (it only checks names); the mismatch is reported, both charts are analyzed
    assert errors(inventory) == [("app/Chart.yaml", 0, "subchart agent under app/charts/: wrong version")]
    assert sorted(rows(inventory)) == ["ConfigMap/default/agent", "ConfigMap/default/cp"]


# --- dependency cycles ------------------------------------------------------------------------

def test_chart_listing_itself_as_a_dependency(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map()},
                        chart_extra="dependencies:\n  - name: app\n    version: 0.1.0\n    repository: file://.\n")
    inventory = finishes_within(10, render, chart, "app")
    assert errors(inventory) == [(
        "app/Chart.yaml", 5, "subchart app is not vendored; not analyzed (the analyzer never fetches dependencies: "
                             "run `helm dependency build` and commit app/charts/)")]
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW}


def _self_vendored(tmp_path: Path) -> Path:
    """app/charts/app -> .. : the chart vendors itself."""
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map()},
                        chart_extra="dependencies:\n  - name: app\n    version: 0.1.0\n    repository: file://..\n")
    (chart / "charts").mkdir()
    os.symlink("..", chart / "charts" / "app")
    return chart


def _cycle(tmp_path: Path) -> Path:
    """a vendors b as a folder; b vendors a through b/charts/a -> ../../.. (a's folder)."""
    a = write_chart(tmp_path, "a", {"cm.yaml": config_map("a")},
                    chart_extra="dependencies:\n  - name: b\n    version: 0.1.0\n")
    b = write_chart(a / "charts", "b", {"cm.yaml": config_map("b")},
                    chart_extra="dependencies:\n  - name: a\n    version: 0.1.0\n")
    (b / "charts").mkdir()
    os.symlink("../../..", b / "charts" / "a")
    return a


@pytest.mark.parametrize(("build", "link"), [(_self_vendored, ("charts/app", "..")),
                                             (_cycle, ("charts/b/charts/a", "../../.."))], ids=["self", "a-b-a"])
def test_dependency_cycle_through_a_symlink_is_refused_before_loading(tmp_path: Path, build: Callable[[Path], Path],
                                                                      link: tuple[str, str]) -> None:
    # helm's loader would follow the link until open() gives up (ELOOP, 40 hops), with the scanning
    # machine's absolute path 40 times in its message; the link is named instead, relative to the scan
    chart = build(tmp_path)
    started = time.monotonic()
    inventory = finishes_within(20, render, chart, chart.name)
    assert time.monotonic() - started < 5
    assert inventory.rows == []
    path, target = link
    assert errors(inventory) == [(
        f"{chart.name}/{path}", 0,
        f"symlink loop: {path} -> {target} points at a folder that contains it; chart not rendered")]


def test_repository_scan_does_not_follow_a_vendored_symlink_cycle(tmp_path: Path) -> None:
    _self_vendored(tmp_path)
    inventory, _, _ = finishes_within(20, build_inventory, [tmp_path], ScanOptions(use_cache=False))
    assert errors(inventory) == [
        ("app/charts/app", 0, "symlink loop: charts/app -> .. points at a folder that contains it; chart not rendered"),
        # the Terraform walk reports the link itself
        ("app/charts/app", 0, "symlink loop: this folder links back to one already scanned; not followed")]


def test_symlink_loop_through_two_folder_links(tmp_path: Path) -> None:
    # neither link's target holds the link, but following one leads to the other and back
    chart = _app(tmp_path)
    for name, other in (("a", "b"), ("b", "a")):
        (chart / "templates" / name).mkdir()
        os.symlink(f"../{other}", chart / "templates" / name / "next")
    inventory = finishes_within(20, render, chart, "app")
    assert inventory.rows == []
    assert errors(inventory) == [
        ("app/templates/a/next", 0, "symlink loop: templates/a/next -> ../b leads back to a folder that contains it "
                                    "through templates/b/next; chart not rendered"),
        ("app/templates/b/next", 0, "symlink loop: templates/b/next -> ../a leads back to a folder that contains it "
                                    "through templates/a/next; chart not rendered")]


# --- values -----------------------------------------------------------------------------------

def test_alias_bomb_in_the_charts_values_yaml(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map()}, BILLION_LAUGHS)
    started = time.monotonic()
    inventory = finishes_within(20, render, chart, "app")
    assert time.monotonic() - started < 5
    # go-yaml refuses documents whose aliases outnumber their nodes, long before expanding them
    assert errors(inventory) == [(
        "app/values.yaml", 0, f"chart not rendered: cannot load values.yaml: cannot unmarshal yaml document: "
                              f"{EXCESSIVE_ALIASING}")]


def test_alias_bomb_in_a_values_file(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    started = time.monotonic()
    inventory = finishes_within(20, render, chart, "app", [bomb])
    assert time.monotonic() - started < 5
    assert errors(inventory) == [(str(bomb), 0, f"values file {bomb}: {EXCESSIVE_ALIASING}; chart app not rendered")]


def test_binary_values(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    binary = b"region: eu-west-1\n\x00\x01\x02\xff\xfe"
    (chart / "values.yaml").write_bytes(binary)
    assert errors(render(chart, "app")) == [(
        "app/values.yaml", 0, "chart not rendered: cannot load values.yaml: cannot unmarshal yaml document: "
                              "error converting YAML to JSON: yaml: control characters are not allowed")]
    (chart / "values.yaml").write_text("")
    values = tmp_path / "values.bin"
    values.write_bytes(binary)
    assert errors(render(chart, "app", [values])) == [(
        str(values), 0, f"values file {values}: binary file (contains NUL bytes), not YAML; chart app not rendered")]


def test_values_that_are_not_utf8(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    (chart / "values.yaml").write_bytes(b"name: caf\xe9\n")
    assert errors(render(chart, "app")) == [(
        "app/values.yaml", 0, "chart not rendered: cannot load values.yaml: cannot unmarshal yaml document: "
                              "error converting YAML to JSON: yaml: incomplete UTF-8 octet sequence")]
    (chart / "values.yaml").write_text("")
    values = tmp_path / "latin1.yaml"
    values.write_bytes(b"region: eu-west-1\nname: caf\xe9\n")
    assert errors(render(chart, "app", [values])) == [(
        str(values), 0, f"values file {values}: not valid UTF-8 (byte 0xe9 on line 2); chart app not rendered")]


def test_50_mb_values_yaml_in_the_chart(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    _big_values(chart / "values.yaml", 50)
    started = time.monotonic()
    inventory = finishes_within(30, render, chart, "app")
    # helm's loader refuses any chart file over 5 MiB before parsing it (measured: 0.05 s)
    assert time.monotonic() - started < 5
    assert errors(inventory) == [(
        "app/Chart.yaml", 0,
        'chart not rendered: chart file "values.yaml" is larger than the maximum file size 5242880')]


def test_50_mb_values_file(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    values = tmp_path / "big.yaml"
    _big_values(values, 50)
    started = time.monotonic()
    inventory = finishes_within(30, render, chart, "app", [values])
    assert time.monotonic() - started < 5  # the size is checked before reading (measured: 0.05 s)
    assert errors(inventory) == [(
        str(values), 0, f"values file {values}: file is 50.0 MB, over the 10 MB limit for a values file; "
                        "chart app not rendered")]


def test_large_values_under_the_limits_render(tmp_path: Path) -> None:
    chart = write_chart(tmp_path, "app", {"cm.yaml": config_map(endpoint="dns:///acme.{{ .Values.region }}.union.ai")})
    _big_values(chart / "values.yaml", 4)
    values = tmp_path / "big.yaml"
    _big_values(values, 9)
    started = time.monotonic()
    inventory = finishes_within(60, render, chart, "app", [values])
    assert time.monotonic() - started < 10  # measured: 0.5 s for the 4 MB chart values, 0.8 s with the 9 MB file
    assert errors(inventory) == []
    assert inventory.rows[0].endpoints == ["dns:///acme.eu-central-1.union.ai"]


# --- templates --------------------------------------------------------------------------------

def test_template_rendering_to_invalid_yaml(tmp_path: Path) -> None:
    chart = _app(tmp_path, **{"bad.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n'
                                          '  name: {{ .Values.name | default "x" }}\n  labels: {a: [}\n'})
    inventory = render(chart, "app")
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW}
    assert errors(inventory) == [(
        "app/templates/bad.yaml", 5, "YAML syntax error: while parsing a flow node expected the node content, but "
                                     "found '}' (line 5 of the output rendered from app/templates/bad.yaml)")]


def test_template_rendering_to_an_alias_bomb(tmp_path: Path) -> None:
    bomb = "{{- if true }}\n" + BILLION_LAUGHS + "{{- end }}\n"
    chart = _app(tmp_path, **{"bomb.yaml": bomb})
    started = time.monotonic()
    inventory = finishes_within(20, render, chart, "app")
    assert time.monotonic() - started < 5
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW}
    # the document starts on the template's line 2 (`a0: &a0 ...`), after the `{{- if }}` line
    assert errors(inventory) == [(
        "app/templates/bomb.yaml", 2, "document expands to more than 1,000,000 YAML nodes through aliases "
                                      "(alias bomb?); not analyzed (line 2 of the output rendered from "
                                      "app/templates/bomb.yaml)")]


@pytest.mark.parametrize(("links", "expected"), [
    ({"loop": "."}, [("loop", "symlink loop: templates/loop -> . points at a folder that contains it")]),
    ({"x.yaml": "y.yaml", "y.yaml": "x.yaml"},
     [("x.yaml", "symlink loop: templates/x.yaml -> y.yaml never reaches a file or folder"),
      ("y.yaml", "symlink loop: templates/y.yaml -> x.yaml never reaches a file or folder")]),
    ({"gone.yaml": "missing.yaml"}, [("gone.yaml", "dangling symlink: templates/gone.yaml -> missing.yaml points at "
                                                   "nothing")]),
], ids=["folder-loop", "file-loop", "dangling"])
def test_symlinks_in_templates(tmp_path: Path, links: dict[str, str], expected: list[tuple[str, str]]) -> None:
    # helm would fail on each of these with the scanning machine's absolute paths in its message
    chart = _app(tmp_path)
    for name, target in links.items():
        os.symlink(target, chart / "templates" / name)
    inventory = finishes_within(20, render, chart, "app")
    assert inventory.rows == []
    assert errors(inventory) == [(f"app/templates/{name}", 0, f"{message}; chart not rendered")
                                 for name, message in expected]


@pytest.mark.parametrize("target", ["outside", "absolute"])
def test_symlink_out_of_the_chart_is_not_followed(tmp_path: Path, target: str,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    # helm's loader would read the outside file and render it as one of the chart's templates
    chart = _app(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text(config_map("outside"))
    text = "../../outside.yaml" if target == "outside" else str(outside)
    os.symlink(text, chart / "templates" / "x.yaml")
    inventory = finishes_within(20, render, chart, "app")
    assert inventory.rows == []
    # the link text is what the repository holds; an absolute one is shown as written
    assert errors(inventory) == [(
        "app/templates/x.yaml", 0,
        f"symlink templates/x.yaml points outside the chart (-> {text}); chart not rendered")]
    # helm never loaded the chart, so its loader logged no `found symbolic link` line
    assert "symbolic link" not in capfd.readouterr().err


def test_symlink_out_of_the_chart_through_a_folder_link(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "cm.yaml").write_text(config_map("shared"))
    os.symlink("../../shared", chart / "templates" / "shared")
    assert errors(render(chart, "app")) == [(
        "app/templates/shared", 0, "symlink templates/shared points outside the chart (-> ../../shared); "
                                   "chart not rendered")]


def test_symlink_within_the_chart_renders(tmp_path: Path) -> None:
    # helm follows links that stay in the chart; so does the analyzer, rows naming the link's path
    # (Helm's Go loader logs each followed link on stderr: `INFO found symbolic link in path`)
    chart = write_chart(tmp_path, "app", files={"shared/cm.yaml": config_map(), "lib/extra.yaml": config_map("extra")})
    os.symlink("../shared/cm.yaml", chart / "templates" / "cm.yaml")
    os.symlink(str(chart / "lib"), chart / "templates" / "lib")  # an absolute link into the chart
    inventory = render(chart, "app")
    assert errors(inventory) == []
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW,
                               "ConfigMap/default/extra": ("config", "app/templates/lib/extra.yaml", 1, [], [],
                                                           [ENDPOINT])}


def test_absolute_symlink_into_the_chart_is_named_relative_to_it(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    os.symlink(str(chart / "templates"), chart / "templates" / "loop")
    assert errors(render(chart, "app")) == [(
        "app/templates/loop", 0, "symlink loop: templates/loop -> templates (in the chart) points at a folder that "
                                 "contains it; chart not rendered")]


def test_named_pipe_in_the_chart_is_refused(tmp_path: Path) -> None:
    # helm refuses irregular files, naming the scanning machine's absolute path
    chart = _app(tmp_path)
    os.mkfifo(chart / "templates" / "pipe.yaml")
    inventory = finishes_within(20, render, chart, "app")
    assert inventory.rows == []
    assert errors(inventory) == [(
        "app/templates/pipe.yaml", 0, "templates/pipe.yaml is a named pipe, not a regular file; chart not rendered")]


def test_template_that_is_not_utf8(tmp_path: Path) -> None:
    # helm renders the bad bytes as U+FFFD (the SDK's JSON encoding): the row would be named `caf\ufffd`
    chart = _app(tmp_path)
    (chart / "templates" / "latin1.yaml").write_bytes(config_map("caf\xe9").encode("latin-1"))
    inventory = render(chart, "app")
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW}
    assert errors(inventory) == [(
        "app/templates/latin1.yaml", 4, "not valid UTF-8 (byte 0xe9 on line 4); Helm templates must be UTF-8; "
                                        "not analyzed")]


def test_binary_template_is_a_scan_error(tmp_path: Path) -> None:
    chart = _app(tmp_path)
    (chart / "templates" / "blob.yaml").write_bytes(b"\x00\x01\x02\x03apiVersion: v1\n\xff\xfe")
    inventory = render(chart, "app")
    assert rows(inventory) == {"ConfigMap/default/cp": GOOD_ROW}
    assert [file for file, _, _ in errors(inventory)] == ["app/templates/blob.yaml"]


def test_control_character_from_values_does_not_abort_a_repository_scan(tmp_path: Path) -> None:
    write_chart(tmp_path, "bell", {"cm.yaml": config_map("{{ .Values.name }}")}, 'name: "bell\\a"\n')
    write_chart(tmp_path, "app", {"cm.yaml": config_map()})
    inventory, _, _ = build_inventory([tmp_path], ScanOptions(use_cache=False))
    assert [r.address for r in inventory.rows] == ["ConfigMap/default/cp"]
    assert [file for file, _, _ in errors(inventory)] == ["bell/templates/cm.yaml"]


@pytest.mark.parametrize("layout", ["no-templates-folder", "empty-templates-folder", "renders-nothing", "library"])
def test_chart_without_objects_is_neither_rows_nor_errors(tmp_path: Path, layout: str) -> None:
    # `helm template` prints nothing for these and fails no check (a library chart is refused by
    # `helm install` but is legitimately committed for other charts to vendor)
    chart = _app(tmp_path)
    (chart / "templates" / "cm.yaml").unlink()
    if layout == "no-templates-folder":
        (chart / "templates").rmdir()
    elif layout == "renders-nothing":
        (chart / "templates" / "cm.yaml").write_text("{{- if .Values.enabled }}\n" + config_map() + "{{- end }}\n")
    elif layout == "library":
        (chart / "templates" / "_helpers.tpl").write_text('{{- define "app.name" -}}app{{- end -}}\n')
        with (chart / "Chart.yaml").open("a") as handle:
            handle.write("type: library\n")
    inventory = render(chart, "app")
    assert (inventory.rows, inventory.errors) == ([], [])


# --- a repository scan ------------------------------------------------------------------------

def test_repository_scan_keeps_good_chart_and_terraform_beside_a_broken_chart(tmp_path: Path) -> None:
    write_chart(tmp_path / "deploy", "good", {"cm.yaml": config_map()})
    broken = write_chart(tmp_path / "deploy", "broken", {"cm.yaml": config_map("broken")})
    (broken / "Chart.yaml").write_text("apiVersion: v2\nname: [broken\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    inventory, _, base = build_inventory([tmp_path], ScanOptions(use_cache=False))
    assert base == tmp_path.resolve()
    assert [(r.address, r.file, r.line, r.region.value, r.endpoints) for r in inventory.rows] == [
        ("ConfigMap/default/cp", "deploy/good/templates/cm.yaml", 1, None, [ENDPOINT]),
        ("aws_s3_bucket.b", "infra/main.tf", 5, "eu-west-1", []),
    ]
    assert errors(inventory) == [(
        "deploy/broken/Chart.yaml", 2, "chart not rendered: cannot load Chart.yaml: error converting YAML to JSON: "
                                       "yaml: line 2: did not find expected ',' or ']'")]
