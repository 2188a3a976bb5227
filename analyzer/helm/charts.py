"""Helm charts in source form -> rendered offline -> inventory rows.

Rendering is `helm template` with nothing fetched (no `dependency update`, no repositories,
no registries, no plugins; `lookup` returns nothing), by the engine in ChartOptions.renderer
(analyzer/helm/engine.py: the embedded Helm SDK, or an isolated `helm` binary). Values are
layered here, identically for both engines, the way `helm template` does it: the chart's
values.yaml under each -f file in order, then every --set-json, then every --set, then every
--set-string (Helm applies them by kind, not in command-line order; each kind in its given
order); maps merge key by key and everything else is replaced. Where that differs from Helm's
in-place --set parser: a list index (`--set list[1]=x`) replaces a values file's list where Helm
edits it, a `--set-json key={...}` object merges into a values file's map at that key where
Helm replaces it, and `--set a.b=1` over a scalar from a values file replaces the scalar where
Helm reports an error (the chart's own values.yaml is layered under all of this by the engine,
as in Helm, so these cases only arise between overrides).

Typing follows Helm. --set is parsed by Helm's own strvals parser (in helm-python-sdk): an integer
is an int64, `true`/`false` a bool, `null` nil, anything else (`1e3`, `0x10`, `007`) a string,
`a[0]=x` a list. Values reach either engine as JSON, which Go decodes to float64, and Go prints a
float64 of a million or more in e-notation (`9.99999999999e+11`) where Helm prints its int64 as
digits; so an integer of a million or more from --set is handed over as its digits (it prints
exactly as Helm prints it; only arithmetic comparisons on it differ). Numbers in values files
and --set-json are float64 in Helm itself, and stay so: a bare 12-digit account in values.yaml
renders as `9.99999999999e+11` in real Helm, and the analyzer then reports an account it cannot
read (quote it in values.yaml, or use --set/--set-string).

Every rendered template goes through scan_manifest_text with rel `<chart rel>/<template path>`
(e.g. `deploy/dataplane/templates/deployment.yaml`), so rows name the template file. Lines are
best effort: a rendered line is mapped back to the template when the same text appears there
as often as in the output (literal lines such as `apiVersion: apps/v1` or `kind: Deployment`);
text a template computes (a `tpl` string, a config file built from values) maps to the nearest
literal line above it (`storage.yaml: |`); what still cannot be placed says line 0.
An image's `image:` line maps to the one template line setting `image` between the template lines
of its nearest mapped neighbours (so a `{{- if }}` block above it does not shift it; in a `range`
every rendered image maps to the one template line). Image findings point there: the file the
address names and the line that writes the image. When that line reads values
(`{{ .Values.image.repository }}:{{ .Values.image.tag }}`), the evidence goes on to the line that
sets each value: the last --set* expression naming it, else the last -f file, else the chart's
values.yaml (only for the chart's own templates; a subchart's, and values read through `with`,
`range` or a helper, are not traced).

Objects without metadata.namespace are addressed in ChartOptions.namespace, the release
namespace Helm installs them into.

Before Helm sees the chart, its tree is vetted (analyzer/helm/chart_tree.py): symlinks that leave
the scanned tree, loop or dangle, and special files, are ScanErrors and the chart is not rendered.
Every values.schema.json Helm would compile is vetted too (analyzer/helm/schema_refs.py): one that
is not JSON, nests too deeply, or refers outside itself (Helm would fetch `https://` references and
read `file://` and relative ones) is reported on that file:line and the chart is not rendered. The
engine runs in a child process under limits (analyzer/helm/sandbox.py); a crash or an exhausted
limit is a ScanError on Chart.yaml. A rendered template whose file is not UTF-8 (Helm renders the
bad bytes as U+FFFD) is reported on its file:line, the rest of the chart still analyzed.

Problems are ScanErrors, never exceptions: a chart that does not load or render (the message
names the template file:line when helm gives one) is reported on its Chart.yaml, or on the chart
file Helm could not parse (`cannot load values.yaml: ... yaml: line 3: ...`, also in a subchart
folder; a subchart archive when the file is inside one) at the line Helm gives; a values file
that cannot be read or parsed is reported on that file as the user gave it (and the chart is not
rendered); a dependency declared in Chart.yaml but not vendored under charts/ is reported by
name while the rest of the chart still renders (always with the SDK: `helm template` refuses a
chart with missing subcharts).
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from analyzer.helm.chart_tree import vet_chart_tree
from analyzer.helm.engine import Renderer, RenderError, SdkRenderer
from analyzer.helm.manifests import MAX_FILE_BYTES, scan_manifest_text
from analyzer.helm.safe_yaml import GuardedLoader, ManifestError
from analyzer.helm.schema_refs import schema_problems
from analyzer.kinds import names
from analyzer.models import Evidence, Inventory, ScanError
from analyzer.tree_guard import Boundary, RefusedPath, operator_file, read_regular_file
from analyzer.walk import SKIPPED_DIRS, Excludes

DEFAULT_RELEASE = "release-name"  # what `helm template` calls a release without a name
DEFAULT_NAMESPACE = "default"
# a chart file Helm's loader could not parse: "cannot load values.yaml: ... yaml: line 3: ...", behind
# one "error unpacking subchart <folder or archive under charts/> in <parent chart>: " per level
_UNPACKING = re.compile(r"error unpacking subchart (?P<name>[^\s/:]+) in [^\s:]+: ")
_CANNOT_LOAD = re.compile(r"cannot load (?P<file>[\w.\-]+): ")
_YAML_LINE = re.compile(r"\byaml: line (?P<line>\d+):")
# files Helm reads document by document: its line is within the failing document, not the file
_MULTI_DOCUMENT = frozenset({"values.yaml"})
_LATER_DOCUMENT = re.compile(rb"\n---")


@dataclass(frozen=True)
class ChartOptions:
    """What `helm template` gets besides the chart; the same for every chart a scan renders."""

    values_files: tuple[Path, ...] = ()  # -f/--values, in order; shown in messages as given
    sets: tuple[str, ...] = ()  # --set (typed: `a=1` is the number 1)
    set_strings: tuple[str, ...] = ()  # --set-string (`a=1` is the string "1")
    set_jsons: tuple[str, ...] = ()  # --set-json (`a={"b":1}`, or a whole JSON object)
    set_files: tuple[str, ...] = ()  # --set-file (`a=path`: the file's text, a string; read like a values file)
    kube_version: str | None = None  # --kube-version (.Capabilities.KubeVersion)
    api_versions: tuple[str, ...] = ()  # --api-versions (.Capabilities.APIVersions.Has)
    release: str = DEFAULT_RELEASE
    namespace: str = DEFAULT_NAMESPACE
    renderer: Renderer = field(default_factory=SdkRenderer)


def find_charts(root: Path, excludes: Excludes | None = None) -> list[Path]:
    """Every chart folder (holding Chart.yaml) under root, sorted; subcharts vendored in another
    chart's `charts/` folder are rendered as part of that chart, not on their own. Symlinked
    folders are not followed."""
    if root.is_file():
        return []
    found: list[Path] = []
    keep = (excludes or Excludes()).walker(root)  # --skip-path, .gitignore, .helmignore (analyzer/walk.py)
    for folder, dirs, files in os.walk(root):
        dirs[:], files = keep.prune(folder, [d for d in dirs if d not in SKIPPED_DIRS], files)
        if "Chart.yaml" in files:
            found.append(Path(folder))
            dirs[:] = [d for d in dirs if d != "charts"]
    return found


def scan_chart(chart_dir: Path, rel: str, options: ChartOptions | None = None, *,
               scan_root: Boundary | Path | None = None) -> Inventory:
    """Render the chart at chart_dir (rel: its path relative to the scan root) and scan every
    rendered template. scan_root is the boundary nothing is read outside of: the chart's symlinks
    may lead anywhere inside it (default: the chart itself), and a --values file inside it must not
    lead out through a link (default: Boundary.for_scan(chart_dir)). Never raises."""
    options = options or ChartOptions()
    inventory = Inventory()
    rel = rel.removesuffix("/")
    if rel in ("", "."):
        rel = "."  # the scanned folder is the chart itself
    chart_file = _join(rel, "Chart.yaml")
    chart_name = rel if rel != "." else chart_dir.name

    def error(message: str, file: str = chart_file, line: int = 0) -> Inventory:
        inventory.errors.append(ScanError(file=file, line=line, message=message))
        return inventory

    if importlib.util.find_spec("helm_python") is None:  # bundled; a broken install is reported, not raised
        return error("helm-python-sdk is not available; chart not rendered")
    boundary = _boundary(scan_root, chart_dir)
    try:
        overrides = merge_values(options, boundary)
    except ValuesError as err:
        return error(f"{err}; chart {chart_name} not rendered", file=err.file or chart_file)

    problems = vet_chart_tree(chart_dir, scan_root.root if isinstance(scan_root, Boundary) else scan_root) or schema_problems(chart_dir)
    if problems:
        for path, line, message in problems:
            error(message, _join(rel, path), line)
        return inventory

    renderer = options.renderer
    sdk = renderer if isinstance(renderer, SdkRenderer) else SdkRenderer()
    capabilities: dict[str, Any] = ({"kube_version": options.kube_version, "api_versions": options.api_versions}
                                    if options.kube_version or options.api_versions else {})  # --kube-version, --api-versions
    try:  # one child process answers both for the SDK; a binary renders after the SDK lists dependencies
        dependencies, rendered = sdk.inspect(chart_dir, overrides, options.release, options.namespace,
                                             render=renderer is sdk, capabilities=capabilities)
    except RenderError as err:
        inventory.errors.append(_chart_error(err, chart_dir, rel))
        return inventory
    missing = False
    for dependency in dependencies:
        status = dependency.get("status")
        name = dependency.get("name")
        if status == "missing":
            missing = True
            error(f"subchart {name} is not vendored; not analyzed (the analyzer never fetches "
                  f"dependencies: run `helm dependency build` and commit {rel}/charts/)",
                  line=_dependency_line(chart_dir, str(name)))
        elif status not in ("ok", "unpacked"):
            error(f"subchart {name} under {rel}/charts/: {status}")
    if renderer is not sdk:
        renderer = sdk if missing else renderer  # `helm template` would refuse the whole chart
        try:
            rendered = renderer.render(chart_dir, overrides, options.release, options.namespace, **capabilities)
        except RenderError as err:
            inventory.errors.append(_chart_error(err, chart_dir, rel))
            return inventory

    values = _values_lines(chart_dir, rel, options, boundary)
    for path, text in sorted(rendered.items()):
        if PurePosixPath(path).name == "NOTES.txt" or not text.strip():
            continue
        template_rel = _join(rel, path)
        try:
            source = _template_source(chart_dir, path)
        except NotUtf8Error as err:  # helm rendered the bad bytes as U+FFFD: names would be wrong
            error(f"{err}; Helm templates must be UTF-8; not analyzed", template_rel, err.line)
            continue
        found = scan_manifest_text(text, template_rel, source_file=template_rel, default_namespace=options.namespace)
        own = PurePosixPath(path).parts[:1] == ("templates",)  # not a subchart's: they read other values
        _map_lines(found, text, source, values if own else None)
        inventory.rows.extend(found.rows)
        inventory.errors.extend(found.errors)
    return inventory


def _dependency_line(chart_dir: Path, name: str) -> int:
    """The line of `- name: <name>` in Chart.yaml's dependencies (0 when it cannot be told)."""
    try:
        data = read_regular_file(chart_dir / "Chart.yaml", "Chart.yaml", MAX_FILE_BYTES)
    except (RefusedPath, OSError):
        return 0
    lines = data.decode("utf-8", errors="replace").splitlines()
    entry = re.compile(rf"^\s*-?\s*name:\s*[\"']?{re.escape(name)}[\"']?\s*(?:#.*)?$")
    found = [number for number, line in enumerate(lines, 1) if entry.match(line)]
    return found[-1] if found else 0  # the chart's own `name:` comes first


class ValuesError(Exception):
    """A values file or --set* expression that cannot be used; `file` is the values file (as given)."""

    def __init__(self, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


def _boundary(scan_root: Boundary | Path | None, chart_dir: Path) -> Boundary:
    if isinstance(scan_root, Boundary):
        return scan_root
    if scan_root is None:
        return Boundary.for_scan(chart_dir)
    try:
        return Boundary(scan_root.resolve())
    except (OSError, RuntimeError):
        return Boundary.for_scan(chart_dir)


def merge_values(options: ChartOptions, boundary: Boundary | None = None) -> dict[str, Any]:
    """The override values `helm template` would build from options (see the module docstring),
    or ValuesError naming the values file or expression at fault. A values file is the operator's
    choice and may live anywhere, but one inside boundary (default: the working folder's
    repository) must not lead out of it through a link the repository planted (tree_guard)."""
    if not (options.values_files or options.sets or options.set_strings or options.set_jsons or options.set_files):
        return {}  # nothing to layer: the engine is not loaded for it
    import helm_python

    boundary = boundary if boundary is not None else Boundary.for_scan(Path.cwd())
    overrides: dict[str, Any] = {}
    for values_file in options.values_files:
        try:
            layer = helm_python.values_from_yaml(_read_values(values_file, boundary))
        except RefusedPath as err:
            raise ValuesError(str(err), str(values_file)) from None
        except (ValueError, helm_python.HelmError) as err:  # HelmValuesError is a ValueError too
            raise ValuesError(f"values file {values_file}: {_message(err)}", str(values_file)) from None
        except OSError as err:
            raise ValuesError(f"values file {values_file}: cannot read: {err.strerror or err}",
                              str(values_file)) from None
        _merge(overrides, layer)
    parsers: list[tuple[str, tuple[str, ...], Callable[[str], dict[str, Any]]]] = [
        ("--set-json", options.set_jsons, _parse_set_json),
        ("--set", options.sets, lambda expression: _int64_as_digits(helm_python.parse_set_string(expression))),
        ("--set-string", options.set_strings, helm_python.parse_set_string_values),
    ]
    for flag, expressions, parse in parsers:  # Helm's order: by kind, each kind in the order given
        for expression in expressions:
            try:
                _merge(overrides, parse(expression))
            except (ValueError, helm_python.HelmError) as err:
                raise ValuesError(f"{flag} {expression}: {_message(err)}") from None
    for expression in options.set_files:  # last, as in Helm
        _merge(overrides, _set_file_layer(expression, boundary))
    return overrides


def _set_file_layer(expression: str, boundary: Boundary) -> dict[str, Any]:
    """--set-file KEY=PATH: the file's text as the string at KEY; the file is read as a values file
    is (through the tree guard, size-capped), never by the engine."""
    import helm_python

    key, sep, path = expression.partition("=")
    if not sep or not key.strip() or not path:
        raise ValuesError(f"--set-file {expression}: expected KEY=PATH")
    try:
        text = _read_values(Path(path), boundary)
    except RefusedPath as err:
        raise ValuesError(str(err), path) from None
    except OSError as err:
        raise ValuesError(f"--set-file {expression}: cannot read: {err.strerror or err}", path) from None
    except ValueError as err:
        raise ValuesError(f"--set-file {expression}: {err}", path) from None
    try:
        return helm_python.parse_set_literal(f"{key}={text}")
    except (ValueError, helm_python.HelmError) as err:
        raise ValuesError(f"--set-file {expression}: {_message(err)}") from None


def _read_values(path: Path, boundary: Boundary) -> str:
    """A values file's text; ValueError with a user-facing reason, RefusedPath (naming the file)
    for a link out of the repository, a named pipe or a device (never read, so never a hang)."""
    if not os.path.lexists(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
    real = operator_file(path, boundary, what="values file")
    size = real.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file is {size / 1048576:.1f} MB, over the {MAX_FILE_BYTES / 1048576:.0f} MB limit "
                         "for a values file")
    data = read_regular_file(real, f"values file {path}", MAX_FILE_BYTES)
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes), not YAML")
    return decode_utf8(data).removeprefix("\ufeff")


class NotUtf8Error(ValueError):
    """Bytes that are not UTF-8; `line` holds the first bad byte."""

    def __init__(self, byte: int, line: int) -> None:
        super().__init__(f"not valid UTF-8 (byte 0x{byte:02x} on line {line})")
        self.line = line


def decode_utf8(data: bytes) -> str:
    """data as UTF-8, or NotUtf8Error naming the first bad byte and its line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NotUtf8Error(data[err.start], data[: err.start].count(b"\n") + 1) from None


# Go prints a float64 at or above this in e-notation (strconv 'g' with the shortest precision)
_GO_FLOAT_DIGITS_BELOW = 10**6


def _int64_as_digits(value: Any) -> Any:
    """value (a parsed --set layer) with every integer Go would print in e-notation as a float64
    replaced by its digits, so it renders as Helm renders the int64 its --set parser makes."""
    if isinstance(value, dict):
        return {key: _int64_as_digits(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_int64_as_digits(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _GO_FLOAT_DIGITS_BELOW:
        return str(value)
    return value


def _parse_set_json(expression: str) -> dict[str, Any]:
    """--set-json: `key=<JSON>` pairs, or (as Helm 4 accepts) one whole JSON object."""
    import helm_python

    if expression.strip().startswith("{"):
        try:
            parsed = json.loads(expression)
        except json.JSONDecodeError as err:
            raise ValueError(f"not a JSON object: {err}") from None
        if not isinstance(parsed, dict):
            raise ValueError("not a JSON object")
        return parsed
    return helm_python.parse_set_json(expression)


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


def _chart_error(err: RenderError, chart_dir: Path, rel: str) -> ScanError:
    """A chart that did not load or render: on the template file:line helm names, on the chart file
    its loader could not parse, else on Chart.yaml."""
    if err.template is not None:
        # filed where a fix goes: the template and line helm names (the message keeps the chain)
        return ScanError(file=_join(rel, err.template), line=err.line or 0,
                         message=f"chart not rendered: {err.message}")
    file, line = _load_error_place(err.message, chart_dir) or ("Chart.yaml", 0)
    return ScanError(file=_join(rel, file), line=line, message=f"chart not rendered: {err.message}")


def _load_error_place(message: str, chart_dir: Path) -> tuple[str, int] | None:
    """(file relative to the chart, line or 0) of a chart file helm's loader could not parse, or None."""
    folder = PurePosixPath()
    position = 0
    while (unpacking := _UNPACKING.match(message, position)) is not None:
        folder = folder / "charts" / unpacking["name"]
        position = unpacking.end()
        if unpacking["name"].endswith(".tgz"):
            return folder.as_posix(), 0  # the file is inside the archive: point at the archive
    loading = _CANNOT_LOAD.match(message, position)
    if loading is None:
        return None
    path = (folder / loading["file"]).as_posix()
    found = _YAML_LINE.search(message, loading.end())
    line = int(found["line"]) if found else 0
    if line and loading["file"] in _MULTI_DOCUMENT and _has_later_document(chart_dir / path):
        line = 0  # the line is within a document we cannot identify
    return path, line


def _has_later_document(path: Path) -> bool:
    try:
        return _LATER_DOCUMENT.search(read_regular_file(path, path.name, MAX_FILE_BYTES)) is not None
    except (RefusedPath, OSError):
        return True


def _template_source(chart_dir: Path, path: str) -> list[str] | None:
    """The template's lines; None when there is no file (a subchart vendored as a .tgz);
    NotUtf8Error when it is not UTF-8."""
    try:  # inside the vetted chart; read as every input is (a regular file, capped, never blocking)
        data = read_regular_file(chart_dir / path, path, MAX_FILE_BYTES)
    except (RefusedPath, OSError):
        return None
    return decode_utf8(data).splitlines()


class _LineMap:
    """Rendered-output lines -> template lines: a rendered line maps when its text appears in the
    template exactly as often as in the output (literal lines: `kind: ConfigMap`, `storage.yaml: |`)."""

    def __init__(self, rendered: list[str], source: list[str] | None) -> None:
        self.rendered = rendered
        self.source = source or []
        in_source: dict[str, list[int]] = {}
        in_output: dict[str, list[int]] = {}
        for number, text in enumerate(source or [], 1):
            in_source.setdefault(text.strip(), []).append(number)
        for number, text in enumerate(rendered, 1):
            in_output.setdefault(text.strip(), []).append(number)
        self.lines: dict[int, int] = {}
        for text, numbers in in_output.items():
            if text and len(in_source.get(text, ())) == len(numbers):
                self.lines.update(zip(numbers, in_source[text]))

    def exact(self, line: int) -> int:
        return self.lines.get(line, 0)

    def at_or_above(self, line: int) -> int:
        """The template line of a rendered line: its own when it maps; else, when the template line
        as far below the nearest mapped line starts with the same key (`region {{ .Values.region }}`
        rendered as `region eu-west-1`), that one; else that nearest mapped line above it, the
        literal line holding text a template computes (`storage.yaml: |` above a `tpl` string)."""
        for number in range(min(line, len(self.rendered)), 0, -1):
            if number in self.lines:
                anchor = self.lines[number]
                guess = anchor + line - number
                key = _key(self.rendered[line - 1]) if line <= len(self.rendered) else ""
                if guess != anchor and key and 1 <= guess <= len(self.source) and _key(self.source[guess - 1]) == key:
                    return guess
                return anchor
        return 0

    def keyed(self, line: int) -> int:
        """The template line of a rendered `key: value` line (an `image:` line): its own when it maps;
        else the one template line setting the same key between the template lines of the nearest
        mapped rendered lines above and below it (the n-th such line when the window holds as many
        in the template as in the output); else at_or_above."""
        if self.exact(line) or not 1 <= line <= len(self.rendered):
            return self.exact(line) or self.at_or_above(line)
        key = _key(self.rendered[line - 1])
        above = next((n for n in range(line - 1, 0, -1) if n in self.lines), 0)
        below = next((n for n in range(line + 1, len(self.rendered) + 1) if n in self.lines), len(self.rendered) + 1)
        first, last = self.lines.get(above, 0), self.lines.get(below, len(self.source) + 1)
        if not key or first >= last:
            return self.at_or_above(line)
        candidates = [n for n in range(first + 1, last) if _key(self.source[n - 1]) == key]
        if len(candidates) == 1:
            return candidates[0]
        siblings = [n for n in range(above + 1, below) if _key(self.rendered[n - 1]) == key]
        if candidates and len(siblings) == len(candidates):
            return candidates[siblings.index(line)]
        return self.at_or_above(line)

    def object_line(self, start: int) -> int:
        """An object's line: its first line, else its `kind:` line, usually literal in the template."""
        if self.exact(start):
            return self.exact(start)
        kind = next((number for number, text in enumerate(self.rendered[start - 1:], start)
                     if text.strip().startswith("kind:")), 0)
        return self.exact(kind)


def _key(line: str) -> str:
    """The key a config line sets (`region` of `region eu-west-1`, `- name: x`, `bucket = "b"`)."""
    match = re.match(r"\s*(?:-\s+)?([\w.\-/\"']+?)\s*(?:[:=]|\s)", line)
    return match.group(1) if match and "{{" not in match.group(1) else ""


_OBJECT_KINDS = names("object")  # rows of whole objects; others are read from inside one


def _map_lines(found: Inventory, text: str, source: list[str] | None, values: "ValuesLines | None" = None) -> None:
    """Rendered-output lines -> template lines (best effort, see the module docstring); an image's
    `image:` line maps to the template line that writes it, and the values lines that template
    line reads (`{{ .Values.image.repository }}`) join its evidence."""
    lines = _LineMap(text.splitlines(), source)
    for row in found.rows:
        rendered_line = row.line
        row.line = lines.object_line(rendered_line) if row.kind in _OBJECT_KINDS else lines.at_or_above(rendered_line)
        for placement in (row.region, row.account):
            placement.evidence = [
                evidence.model_copy(update={"line": lines.at_or_above(evidence.line) or row.line})
                if evidence.file == row.file else evidence for evidence in placement.evidence]
        for image, steps in row.image_evidence.items():
            mapped: list[Evidence] = []
            for step in steps:
                if step.file != row.file:
                    mapped.append(step)
                    continue
                line = lines.keyed(step.line)
                mapped.append(step.model_copy(update={"line": line or row.line}))
                if line and source is not None and values is not None:
                    mapped += [extra for extra in values.steps(source[line - 1]) if extra not in mapped]
            row.image_evidence[image] = mapped
    for scan_error in found.errors:
        scan_error.line = lines.at_or_above(scan_error.line)


_VALUES_REF = re.compile(r"(?<![\w)])\$?\.Values((?:\.[A-Za-z_][\w-]*)+)")


@dataclass
class ValuesLines:
    """Where each values path is set, for the chart's own templates: the --set* expressions (last
    wins), then the -f files (last wins), then the chart's values.yaml. Subcharts' templates read
    their own values (and the parent's under their name): not traced."""

    files: list[tuple[str, list[str]]]  # (file as shown, its lines), highest precedence first
    sets: list[str]  # --set-family expressions, highest precedence first
    _parsed: dict[str, dict[tuple[str, ...], tuple[int, str]]] = field(default_factory=dict)

    def steps(self, template_line: str) -> list[Evidence]:
        out: list[Evidence] = []
        for found in _VALUES_REF.finditer(template_line):
            path = tuple(found.group(1).strip(".").split("."))
            step = self._where(path)
            if step is not None and step not in out:
                out.append(step)
        return out

    def _where(self, path: tuple[str, ...]) -> Evidence | None:
        dotted = ".".join(path)
        for expression in self.sets:
            for part in expression.split(","):
                key, sep, value = part.partition("=")
                if sep and key.strip() == dotted:
                    return Evidence(file="(command line)", line=0, note=f"--set {dotted}={value}")
        for shown, text in self.files:
            found = self._index(shown, text).get(path)
            if found is not None:
                return Evidence(file=shown, line=found[0], note=f"{dotted} = {found[1]}")
        return None

    def _index(self, shown: str, text: list[str]) -> dict[tuple[str, ...], tuple[int, str]]:
        if shown not in self._parsed:
            self._parsed[shown] = _scalar_lines("\n".join(text))
        return self._parsed[shown]


def _scalar_lines(text: str) -> dict[tuple[str, ...], tuple[int, str]]:
    """(key path) -> (line, scalar) of every scalar under nested mappings of a YAML file's first document."""
    import yaml

    out: dict[tuple[str, ...], tuple[int, str]] = {}
    try:
        loader = GuardedLoader(text)
        try:
            node = loader.get_node() if loader.check_node() else None
        finally:
            loader.dispose()
    except (yaml.YAMLError, ManifestError, RecursionError):
        return out
    stack: list[tuple[tuple[str, ...], Any]] = [((), node)]
    visited = 0
    while stack and visited < _MAX_VALUES_NODES:  # bounded: aliases may repeat a subtree many times
        visited += 1
        path, current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and len(path) < 32:
                    stack.append(((*path, str(key.value)), value))
        elif isinstance(current, yaml.ScalarNode) and path:
            out[path] = (current.start_mark.line + 1, str(current.value))
    return out


_MAX_VALUES_NODES = 200_000


def _values_lines(chart_dir: Path, rel: str, options: ChartOptions, boundary: Boundary) -> ValuesLines:
    files: list[tuple[str, list[str]]] = []
    for values_file in reversed(options.values_files):
        try:  # read as merge_values read it: through the same boundary
            files.append((str(values_file), _read_values(values_file, boundary).splitlines()))
        except (OSError, ValueError):
            continue
    try:
        source = _template_source(chart_dir, "values.yaml")
    except NotUtf8Error:
        source = None
    if source is not None:
        files.append((_join(rel, "values.yaml"), source))
    sets = [*reversed(options.set_strings), *reversed(options.sets), *reversed(options.set_jsons)]
    return ValuesLines(files, sets)


def _join(rel: str, path: str) -> str:
    """`rel/path`, or just `path` when the chart is the scan root (no `./` prefix)."""
    return path if rel == "." else f"{rel}/{path}"
