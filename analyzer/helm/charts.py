"""Helm charts in source form -> rendered offline with helm-python-sdk -> inventory rows.

Rendering is `helm template` without the binary: nothing is fetched (no `dependency update`,
no repositories, no registries; `lookup` returns nothing). Values are layered like
`helm template -f a.yaml -f b.yaml --set k=v`: the chart's values.yaml, then each values file
in order, then each --set expression, maps merged key by key and everything else replaced.

Every rendered template goes through scan_manifest_text with rel `<chart rel>/<template path>`
(e.g. `deploy/dataplane/templates/deployment.yaml`), so rows name the template file. Lines are
best effort: a rendered line is mapped back to the template when the same text appears there
as often as in the output (literal lines such as `apiVersion: apps/v1` or `kind: Deployment`);
otherwise rows say line 0 and evidence falls back to the row's line.

Problems are ScanErrors, never exceptions: a chart that does not load or render (the message
names the template file:line when helm gives one) is reported on its Chart.yaml; a dependency
declared in Chart.yaml but not vendored under charts/ is reported by name while the rest of the
chart still renders.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

from analyzer.helm.manifests import read_text, scan_manifest_text
from analyzer.models import Inventory, ScanError
from analyzer.walk import SKIPPED_DIRS

DEFAULT_RELEASE = "release-name"  # what `helm template` calls a release without --name
DEFAULT_NAMESPACE = "default"
# "(dataplane/templates/x.yaml:6:15)", "dataplane/templates/x.yaml:6:15\n  executing ..."
_TEMPLATE_AT = re.compile(r"(?P<path>[\w.\-/]+\.(?:yaml|yml|tpl|txt|json)):(?P<line>\d+)(?::\d+)?")


def find_charts(root: Path) -> list[Path]:
    """Every chart folder (holding Chart.yaml) under root, sorted; subcharts vendored in another
    chart's `charts/` folder are rendered as part of that chart, not on their own. Symlinked
    folders are not followed."""
    if root.is_file():
        return []
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if "Chart.yaml" in files:
            found.append(Path(folder))
            dirs[:] = [d for d in dirs if d != "charts"]
    return found


def scan_chart(chart_dir: Path, rel: str, values_files: Sequence[Path] = (), sets: Sequence[str] = (), *,
               release: str = DEFAULT_RELEASE, namespace: str = DEFAULT_NAMESPACE) -> Inventory:
    """Render the chart at chart_dir (rel: its path relative to the scan root) and scan every
    rendered template. Never raises."""
    inventory = Inventory()
    rel = rel.removesuffix("/")
    if rel in ("", "."):
        rel = "."  # the scanned folder is the chart itself
    chart_file = _join(rel, "Chart.yaml")

    def error(message: str, file: str = chart_file, line: int = 0) -> Inventory:
        inventory.errors.append(ScanError(file=file, line=line, message=message))
        return inventory

    try:
        import helm_python
    except ImportError as err:  # the native library is bundled; a broken install is reported, not raised
        return error(f"helm-python-sdk is not available ({err}); chart not rendered")

    overrides: dict[str, Any] = {}
    for values_file in values_files:
        try:
            layer = helm_python.values_from_yaml(read_text(values_file))
        except (ValueError, helm_python.HelmError) as err:  # HelmValuesError is a ValueError too
            return error(f"values file {values_file}: {_message(err)}; chart not rendered", file=str(values_file))
        except OSError as err:
            return error(f"values file {values_file}: cannot read: {err.strerror or err}; chart not rendered",
                         file=str(values_file))
        _merge(overrides, layer)
    for expression in sets:
        try:
            _merge(overrides, helm_python.parse_set_string(expression))
        except helm_python.HelmError as err:
            return error(f"--set {expression}: {_message(err)}; chart not rendered")

    try:
        for dependency in helm_python.dependency_list(chart_dir):
            status = dependency.get("status")
            name = dependency.get("name")
            if status == "missing":
                error(f"subchart {name} is not vendored; not analyzed (the analyzer never fetches "
                      f"dependencies: run `helm dependency build` and commit {rel}/charts/)")
            elif status not in ("ok", "unpacked"):
                error(f"subchart {name} under {rel}/charts/: {status}")
        with helm_python.Chart.load(chart_dir) as chart:
            rendered = chart.render(overrides, name=release, namespace=namespace)
    except helm_python.HelmError as err:
        return error(_render_error(err, rel))
    except OSError as err:  # a ctypes/file problem outside helm's own error codes
        return error(f"chart not rendered: {err}")

    for template, text in sorted(rendered.items()):
        path = _chart_path(template)
        if PurePosixPath(path).name == "NOTES.txt" or not text.strip():
            continue
        template_rel = _join(rel, path)
        found = scan_manifest_text(text, template_rel, source_file=template_rel)
        _map_lines(found, text, _template_source(chart_dir, path))
        inventory.rows.extend(found.rows)
        inventory.errors.extend(found.errors)
    return inventory


def _merge(base: dict[str, Any], layer: dict[str, Any]) -> None:
    """Helm's mergeMaps: maps merge key by key, anything else (lists, scalars, null) replaces."""
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _message(err: Exception) -> str:
    detail = getattr(err, "detail", None)
    return str(detail if detail else err).strip()


def _chart_path(template: str) -> str:
    """`dataplane/templates/x.yaml` (helm names templates under the chart's name) -> `templates/x.yaml`."""
    _, _, path = template.partition("/")
    return path or template


def _render_error(err: Exception, rel: str) -> str:
    message = " ".join(_message(err).split())
    match = _TEMPLATE_AT.search(message)
    if match is None:
        return f"chart not rendered: {message}"
    where = f"{_join(rel, _chart_path(match.group('path')))}:{match.group('line')}"
    return f"chart not rendered: {where}: {message}"


def _template_source(chart_dir: Path, path: str) -> list[str] | None:
    try:
        return (chart_dir / path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:  # a subchart vendored as a .tgz: no file to point into
        return None


def _source_line(rendered: list[str], source: list[str] | None, line: int) -> int:
    """The template line a rendered line came from, when that is unambiguous; else 0."""
    if source is None or not 1 <= line <= len(rendered):
        return 0
    text = rendered[line - 1].strip()
    if not text:
        return 0
    in_source = [number for number, candidate in enumerate(source, 1) if candidate.strip() == text]
    in_output = [number for number, candidate in enumerate(rendered, 1) if candidate.strip() == text]
    if not in_source or len(in_source) != len(in_output):
        return 0
    return in_source[in_output.index(line)]


def _map_lines(found: Inventory, text: str, source: list[str] | None) -> None:
    """Rendered-output lines -> template lines (best effort, see the module docstring)."""
    rendered = text.splitlines()
    for row in found.rows:
        start = row.line
        row.line = _source_line(rendered, source, start)
        if row.line == 0:
            # the object's `kind:` line, usually literal in the template
            kind_line = next((number for number, candidate in enumerate(rendered[start - 1:], start)
                              if candidate.strip().startswith("kind:")), 0)
            row.line = _source_line(rendered, source, kind_line)
        for placement in (row.region, row.account):
            placement.evidence = [
                evidence.model_copy(update={"line": _source_line(rendered, source, evidence.line) or row.line})
                if evidence.file == row.file else evidence for evidence in placement.evidence]
    for scan_error in found.errors:
        scan_error.line = _source_line(rendered, source, scan_error.line)


def _join(rel: str, path: str) -> str:
    """`rel/path`, or just `path` when the chart is the scan root (no `./` prefix)."""
    return path if rel == "." else f"{rel}/{path}"
