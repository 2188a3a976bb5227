"""Configuration text held in ConfigMap/Secret values -> a tree of sections and key/value leaves.

Data planes configure their storage, log shipping and secret backends with files mounted from
ConfigMaps: YAML or JSON (flyte, the operator), fluent-bit's classic format (`[OUTPUT]` then
`Name s3` lines), INI, TOML (Vector). One shape for all of them lets the reference extractor
reason about neighbours ("the `region` beside this `bucket`") without knowing the format.

Lines are 1-based within the text. Parsing never raises: a value that is not valid in the
format its key names (`storage.yaml` that is not YAML) comes back with an error message and,
so its URIs and ARNs are still seen, a tree of its raw lines.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from analyzer.helm.safe_yaml import GuardedLoader, ManifestError, check_expansion

MAX_CONFIG_BYTES = 1024 * 1024  # a ConfigMap holds at most 1 MiB


@dataclass
class Leaf:
    key: str
    value: str
    line: int


@dataclass
class Section:
    path: str  # e.g. "storage.connection", "OUTPUT[1]"; "" for the document itself
    line: int
    leaves: list[Leaf] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class Parsed:
    tree: Section
    format: str  # yaml, json, toml, ini, text, value
    error: str | None = None


_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "yaml", ".toml": "toml", ".conf": "ini", ".ini": "ini",
               ".cfg": "ini", ".properties": "ini"}
_SECTION = re.compile(r"^\s*\[\[?([^\]\n]*)\]\]?\s*(?:[#;].*)?$")  # group stripped by users
_TOML_KEY = re.compile(r"^\s*([\"']?[\w.\-]+[\"']?)\s*=")
_KEY_VALUE = re.compile(r"^\s*([A-Za-z0-9_.@\-/]+)\s*(?:=|:|\s)\s*(.*?)\s*$")
_YAML_KEY = re.compile(r"^\s*(?:-\s+)?[\"']?[\w.\-/]+[\"']?\s*:(?:\s|$)")


def parse_config(text: str, name: str = "") -> Parsed:
    """The tree of text, read as the format name's extension says, else as it looks."""
    if len(text) > MAX_CONFIG_BYTES:
        return Parsed(_lines(text[:MAX_CONFIG_BYTES]), "text",
                      f"over {MAX_CONFIG_BYTES // 1024} KiB; only its raw lines were analyzed")
    declared = next((fmt for ext, fmt in _EXTENSIONS.items() if name.lower().endswith(ext)), None)
    if "\n" not in text.strip() and not text.lstrip().startswith(("{", "[")) and declared is None:
        return Parsed(Section("", 1, [Leaf(name, text.strip(), 1)]), "value")
    fmt = declared or _sniff(text)
    reader = {"yaml": _yaml, "toml": _toml, "ini": _ini}.get(fmt)
    if reader is None:
        return Parsed(_lines(text), "text")
    try:
        return Parsed(reader(text), fmt)
    except _ConfigError as err:
        if declared is None and fmt == "toml":
            try:  # `[s3]` then `bucket = acme-data`: INI that only looked like TOML
                return Parsed(_ini(text), "ini")
            except _ConfigError:
                pass
        if declared is None:
            return Parsed(_lines(text), "text")  # it only looked like that format
        return Parsed(_lines(text), "text", f"not valid {fmt.upper()}: {err}; only its raw lines were analyzed")


class _ConfigError(Exception):
    pass


def _sniff(text: str) -> str:
    significant = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", ";"))]
    if not significant:
        return "text"
    first = significant[0].strip()
    if first.startswith(("{", "[{", "[\"", "[]")):
        return "yaml"  # JSON
    if _SECTION.match(first):
        body = [line for line in significant[1:] if not _SECTION.match(line)]
        return "toml" if body and all("=" in line for line in body) else "ini"
    if sum(1 for line in significant if _YAML_KEY.match(line)) * 2 >= len(significant):
        return "yaml"
    if all("=" in line for line in significant):
        return "ini"  # key = value lines (a properties file)
    return "text"


def _lines(text: str) -> Section:
    """Every non-empty line as a leaf without a key (patterns still apply to it)."""
    return Section("", 1, [Leaf("", line.strip(), number) for number, line in enumerate(text.splitlines(), 1)
                           if line.strip()])


# --- YAML / JSON ---------------------------------------------------------------------------------

def _yaml(text: str) -> Section:
    root = Section("", 1)
    try:
        loader = GuardedLoader(text)
    except yaml.YAMLError as err:  # a control character: the reader refuses the text up front
        raise _ConfigError(str(err)) from None
    scalars = collections = 0
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_expansion(node)
            if isinstance(node, (MappingNode, SequenceNode)):
                collections += 1
            elif not node.tag.endswith(":null"):
                scalars += 1
            _yaml_node(node, f"[{index}]" if index else "", "", root, top=True)
            index += 1
    except ManifestError as err:
        raise _ConfigError(f"{err.message} (line {err.line})") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _ConfigError(f"{' '.join(p for p in (err.context, err.problem) if p)}{where}") from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as err:
        raise _ConfigError(str(err) or type(err).__name__) from None
    finally:
        loader.dispose()
    # `{}`, `[]`, `groups: []` and an empty document are valid YAML that names nothing (Prometheus
    # renders its empty rule files so); a file of bare words is text a YAML key name promised wrongly
    if scalars and not collections:
        raise _ConfigError("no mapping or list in it")
    return root


def _yaml_node(node: Node, path: str, key: str, parent: Section, top: bool = False) -> None:
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        if node.tag.endswith((":null",)):
            return
        parent.leaves.append(Leaf(key, str(node.value), line))
    elif isinstance(node, MappingNode):
        section = parent if top and not path else Section(path, line)
        for key_node, value_node in node.value:
            child_key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            _yaml_node(value_node, _join(path, child_key), child_key, section)
        if section is not parent:
            parent.children.append(section)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            if isinstance(item, ScalarNode):
                _yaml_node(item, path, key, parent)
            else:
                _yaml_node(item, f"{path}[{index}]", key, parent)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --- TOML ----------------------------------------------------------------------------------------

def _toml(text: str) -> Section:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _ConfigError(str(err)) from None
    except RecursionError:
        raise _ConfigError("nested too deeply") from None
    lines = text.splitlines()
    headers: dict[str, int] = {}
    keys: dict[str, list[int]] = {}  # key -> the lines setting it, in order (one pass, not one per key)
    for number, line in enumerate(lines, 1):
        if match := _SECTION.match(line):
            path = ".".join(part.strip().strip("\"'") for part in match.group(1).split("."))
            headers.setdefault(path, number)
        elif match := _TOML_KEY.match(line):
            keys.setdefault(match.group(1).strip("\"'"), []).append(number)
    root = Section("", 1)
    try:
        _toml_table(data, "", root, keys, headers)
    except RecursionError:  # dotted keys nested deeper than the walk goes
        raise _ConfigError("nested too deeply") from None
    return root


def _toml_table(table: dict[str, Any], path: str, section: Section, keys: dict[str, list[int]],
                headers: dict[str, int]) -> None:
    start = headers.get(path, 1)
    for key, value in table.items():
        if isinstance(value, dict):
            child_path = _join(path, key)
            child = Section(child_path, headers.get(child_path, start))
            _toml_table(value, child_path, child, keys, headers)
            section.children.append(child)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                child = Section(f"{_join(path, key)}[{index}]", headers.get(_join(path, key), start))
                _toml_table(item, _join(path, key), child, keys, headers)
                section.children.append(child)
        else:
            line = next((n for n in keys.get(key, ()) if n >= start), start)
            for item in value if isinstance(value, list) else [value]:
                section.leaves.append(Leaf(key, str(item), line))


# --- INI and fluent-bit's classic format ------------------------------------------------------------

def _ini(text: str) -> Section:
    """`[SECTION]` headers and `key value` / `key = value` / `key: value` lines; fluent-bit repeats
    sections ([OUTPUT] twice becomes OUTPUT[0] and OUTPUT[1]); `@SET k=v` and `@INCLUDE` are leaves."""
    root = Section("", 1)
    current = root
    seen: dict[str, int] = {}
    totals = Counter(header.group(1).strip().upper() for raw in text.splitlines() if (header := _SECTION.match(raw)))
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = _SECTION.match(line)
        if header:
            name = header.group(1).strip()
            count = seen.get(name.upper(), 0)
            seen[name.upper()] = count + 1
            current = Section(f"{name}[{count}]" if totals[name.upper()] > 1 else name, number)
            root.children.append(current)
            continue
        if line.startswith("@SET"):
            key, _, value = line[4:].strip().partition("=")
            root.leaves.append(Leaf(key.strip(), value.strip(), number))
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            current.leaves.append(Leaf("", line, number))
        else:
            current.leaves.append(Leaf(match.group(1), match.group(2).strip().strip("\"'"), number))
    if not root.children and not root.leaves:
        raise _ConfigError("no sections or keys in it")
    return root
