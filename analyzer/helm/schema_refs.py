"""values.schema.json files vetted before Helm validates values against them.

Helm 4 compiles a chart's schema with santhosh-tekuri/jsonschema/v6 under the base URI
`file:///values.schema.json` and loaders for `file`, `http` and `https`: a `"$ref":
"https://..."` or an unknown `"$schema"` makes it open a TCP connection, and a `file://` or
relative reference (`other.json` is `file:///other.json`, the root of the scanning machine, never
the chart folder) makes it read a local file and quote it in its error. The analyzer never
touches the network nor reads outside the scanned tree, so every schema Helm would compile (the
chart's, each subchart folder's, each schema inside a vendored subchart archive, nested
archives included) is checked first, and the chart is not rendered when one refers outside
itself. Allowed: references inside the document (`#...`, which resolve against the document even
under an `$id`) and the JSON Schema meta-schemas the library carries built in (drafts 4, 6, 7,
2019-09 and 2020-12 on json-schema.org), which it never fetches. `$id` and `$anchor` only name
parts of the document and are not references.

The walk is iterative and bounded: nesting deeper than MAX_DEPTH, an archive nesting more than
MAX_ARCHIVES subchart archives or expanding past MAX_EXPANDED_BYTES are problems of their own.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from analyzer.tree_guard import RefusedPath, read_regular_file

SCHEMA_FILE = "values.schema.json"
MAX_DEPTH = 256  # JSON nesting; real schemas stay under 30
MAX_SCHEMA_BYTES = 8 * 1024 * 1024  # Helm's own limit for one file of a chart is 5 MiB
MAX_ARCHIVES = 1000  # subchart archives, nested ones included, one chart may vendor
MAX_EXPANDED_BYTES = 100 * 1024 * 1024  # Helm's own limit for one decompressed chart
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef", "$schema")
_META_SCHEMAS = frozenset(("/draft-04/schema", "/draft-06/schema", "/draft-07/schema", "/draft/2019-09/schema",
                           "/draft/2020-12/schema"))
_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}\n]')
_REFERENCE = re.compile(r'"(\$ref|\$dynamicRef|\$recursiveRef|\$schema)"\s*:\s*("(?:[^"\\\n]|\\.)*")')
_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")

Problem = tuple[str, int, str]  # (path relative to the chart, line, message)


def schema_problems(chart_dir: Path) -> list[Problem]:
    """Every problem of every schema Helm would compile for the chart at chart_dir (its links are
    already vetted to stay inside the scanned tree); [] when the chart may be rendered."""
    problems: list[Problem] = []
    folders = [PurePosixPath(".")]
    archives: list[tuple[str, bytes]] = []
    visited = 0
    while folders:
        folder = folders.pop()
        visited += 1
        if visited > MAX_ARCHIVES:
            return [("charts", 0, f"more than {MAX_ARCHIVES:,} subchart folders nested under charts/; not analyzed; "
                                  "chart not rendered")]
        schema = chart_dir / folder / SCHEMA_FILE
        if schema.is_file() or schema.is_symlink():
            where = (folder / SCHEMA_FILE).as_posix()
            try:
                data = read_regular_file(schema.resolve(), where, MAX_SCHEMA_BYTES)
            except (RefusedPath, OSError, RuntimeError):
                data = None  # over Helm's own limit or unreadable: Helm reports it, reading nothing else
            if data is not None:
                problems.extend((where, line, message) for line, message in check_schema(data, SCHEMA_FILE))
        charts = chart_dir / folder / "charts"
        try:
            entries = sorted(charts.iterdir()) if charts.is_dir() else []
        except OSError:
            entries = []
        for entry in entries:
            if entry.is_dir():
                folders.append(folder / "charts" / entry.name)
            elif entry.name.endswith(_ARCHIVE_SUFFIXES) and entry.is_file():
                if len(archives) >= MAX_ARCHIVES:
                    return [("charts", 0, f"more than {MAX_ARCHIVES:,} subchart archives under charts/; not analyzed; "
                                          "chart not rendered")]
                where = (folder / "charts" / entry.name).as_posix()
                try:
                    archives.append((where, read_regular_file(entry.resolve(), where, MAX_EXPANDED_BYTES)))
                except (RefusedPath, OSError, RuntimeError):
                    continue  # Helm's loader reports what it cannot read
    for where, data in archives:
        problems.extend(_archive_problems(where, data))
    return sorted(set(problems))


def _archive_problems(where: str, data: bytes) -> list[Problem]:
    """Problems of the schemas inside one subchart archive and the archives nested in it."""
    problems: list[Problem] = []
    pending = [(where, data)]
    count = 0
    expanded = 0
    while pending:
        name, blob = pending.pop()
        count += 1
        if count > MAX_ARCHIVES:
            return [(where, 0, f"{where} nests more than {MAX_ARCHIVES:,} subchart archives (an archive bomb?); "
                               "chart not rendered")]
        try:
            with tarfile.open(fileobj=io.BytesIO(blob), mode="r|*") as tar:
                for member in tar:
                    expanded += max(member.size, 0)
                    if expanded > MAX_EXPANDED_BYTES:
                        return [(where, 0, f"{where} expands to more than {MAX_EXPANDED_BYTES // 1048576} MB with the "
                                           "archives nested in it (an archive bomb?); chart not rendered")]
                    if not member.isfile():
                        continue
                    path = PurePosixPath(member.name)
                    if path.name == SCHEMA_FILE and member.size <= MAX_SCHEMA_BYTES:
                        handle = tar.extractfile(member)
                        text = handle.read() if handle is not None else b""
                        shown = f"{name}: {member.name}"
                        problems.extend((where, 0, f"{shown} line {line}: {message}" if line else f"{shown}: {message}")
                                        for line, message in check_schema(text, SCHEMA_FILE))
                    elif path.name.endswith(_ARCHIVE_SUFFIXES) and "charts" in path.parts[:-1]:
                        handle = tar.extractfile(member)
                        if handle is not None:
                            pending.append((f"{name}: {member.name}", handle.read()))
        except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError):
            continue  # a corrupt archive: Helm's loader reports it
    return problems


def check_schema(data: bytes, shown: str) -> list[tuple[int, str]]:
    """(line, message) for a schema document that is not JSON, nests too deeply or refers outside itself."""
    # as Go's JSON decoder: a UTF-8 BOM and bytes that are not UTF-8 are accepted
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    deep = _too_deep(text)
    if deep:
        return [(deep, f"{shown} nests deeper than {MAX_DEPTH} levels; not analyzed; chart not rendered")]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        return [(err.lineno, f"{shown} is not valid JSON: {err.msg} (line {err.lineno} column {err.colno}); "
                             "chart not rendered")]
    except RecursionError:  # cannot happen below MAX_DEPTH; kept so a schema never raises
        return [(0, f"{shown} nests too deeply; not analyzed; chart not rendered")]
    lines = _reference_lines(text)
    found: list[tuple[int, str]] = []
    for key, value in _references(document):
        if _allowed(key, value):
            continue
        candidates = lines.get((key, value), [])
        line = candidates.pop(0) if candidates else 0
        where = "over the network" if urlsplit(value).scheme.lower() in ("http", "https") else "from the file system"
        found.append((line, f"schema reference {json.dumps(key)}: {json.dumps(value[:200])} is not followed: "
                            "schemas are validated only with references inside the chart (Helm would load it "
                            f"{where}); chart not rendered"))
    return found


def _too_deep(text: str) -> int:
    """The line where nesting first passes MAX_DEPTH, else 0 (strings skipped, so `"[["` is no nesting)."""
    depth = 0
    line = 1
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif token in "]}":
            depth -= 1
    return 0


def _references(document: Any) -> list[tuple[str, str]]:
    """(key, value) of every reference keyword with a string value, anywhere in the document, in order."""
    found: list[tuple[str, str]] = []
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _REFERENCE_KEYS and isinstance(value, str):
                    found.append((key, value))
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found


def _reference_lines(text: str) -> dict[tuple[str, str], list[int]]:
    """(key, decoded value) -> the lines it is written on, in order (a key written with escapes is not found: line 0)."""
    lines: dict[tuple[str, str], list[int]] = {}
    for match in _REFERENCE.finditer(text):
        try:
            value = json.loads(match.group(2))
        except ValueError:
            continue
        lines.setdefault((match.group(1), value), []).append(text.count("\n", 0, match.start()) + 1)
    return lines


def _allowed(key: str, value: str) -> bool:
    """A reference inside the document, or a meta-schema the validator carries built in."""
    if key != "$schema" and value.startswith("#"):
        return True
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and parts.netloc == "json-schema.org" and parts.path in _META_SCHEMAS
            and not parts.query and (key != "$schema" or parts.fragment == ""))
