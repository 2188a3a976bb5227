"""The residency policy: `residency.yaml`, validated with errors naming file, line and key."""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from yaml.nodes import MappingNode, Node, SequenceNode

from analyzer.models import Finding, Severity
from analyzer.scan_config import ScanConfig
from analyzer.tree_guard import RefusedPath, read_regular_file

POLICY_FILE = "residency.yaml"
# a policy is a few dozen lines: anything far larger, deeper or wider is not one
MAX_POLICY_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_INT_DIGITS = 64


class PolicyError(ValueError):
    """A policy that cannot be used; the message names file, line and key."""


class PolicyException(BaseModel):
    """Suppresses one rule on the addresses it names until it expires. `address` matches the
    address the tool prints literally, `*` being the only wildcard (any run of characters):
    `module.x["events"].aws_s3_bucket.this` and `module.scratch[0].*` mean what they say."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(pattern=r"^CKV_RES_\d+$")
    address: str = Field(min_length=1, description='resource address; `*` matches any characters ("*" = every address)')
    reason: str = Field(min_length=3)
    expires: dt.date
    _line: int = PrivateAttr(default=0)  # where it is written in the policy file

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return re.compile(".*".join(re.escape(part) for part in self.address.split("*")), re.DOTALL)

    def matches(self, rule_id: str, address: str) -> bool:
        return self.rule == rule_id and self._pattern.fullmatch(address) is not None

    def describe(self) -> str:
        return f"{self.rule} {self.address}"


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(default=None, description="the one region the data plane lives in")
    regions: list[str] = Field(default_factory=list, description="extra allowed regions (single-region is the promise)")
    accounts: list[str] = Field(default_factory=list, description="AWS accounts / GCP projects / Azure subscriptions")
    allowed_registries: list[str] = Field(default_factory=list, description="registry hosts or prefixes images may come from")
    fail_on_unknown: bool = True
    exceptions: list[PolicyException] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    scan: ScanConfig = Field(default_factory=ScanConfig, description="scan options (analyzer/scan_config.py)")
    source: str | None = Field(default=None, exclude=True)

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts_as_strings(cls, value: Any) -> Any:
        # YAML reads an unquoted 12-digit account id as an int; anything else is left to fail validation
        if not isinstance(value, list):
            return value
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]

    def allowed_regions(self) -> list[str]:
        return ([self.region] if self.region else []) + [r for r in self.regions if r != self.region]

    def exception_for(self, rule_id: str, address: str, today: dt.date) -> tuple[PolicyException | None, bool]:
        """(matching exception, whether it has expired); a live match wins over expired ones."""
        matches = [e for e in self.exceptions if e.matches(rule_id, address)]
        live = [e for e in matches if e.expires >= today]
        if live:
            return live[0], False
        if matches:
            return max(matches, key=lambda e: e.expires), True
        return None, False

    def unused_exceptions(self, findings: Iterable[Finding]) -> list[PolicyException]:
        """Exceptions that match no finding of the scan (stale ones), in file order."""
        keys = {(f.rule_id, f.address or f.file) for f in findings}
        return [e for e in self.exceptions if not any(e.matches(rule, address) for rule, address in keys)]


def find_policy(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for candidate in [folder, *folder.resolve().parents]:
        path = candidate / POLICY_FILE
        if path.is_file():
            return path
    return None


class _PolicyLoader(yaml.SafeLoader):
    """The safe loader, keeping dates as text (pydantic validates them with file:line) and refusing
    integers no account id needs (Python refuses to convert them past 4,300 digits anyway)."""


def _bounded_int(loader: yaml.SafeLoader, node: Node) -> Any:
    digits = sum(c.isdigit() for c in str(node.value))
    if digits > MAX_INT_DIGITS:
        raise yaml.constructor.ConstructorError(None, None, f"an integer of {digits} digits", node.start_mark)
    return yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]


_PolicyLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
_PolicyLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


def _check_shape(root: Node) -> None:
    """Refuse a document nested deeper than MAX_DEPTH, or larger than MAX_NODES once aliases are
    expanded (an alias bomb needs only a few dozen aliases), before anything is built from it."""
    sizes: dict[int, int] = {}

    def size(node: Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _ShapeError(f"nested deeper than {MAX_DEPTH} levels", node)
        if id(node) in sizes:
            return sizes[id(node)]
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        if total > MAX_NODES:
            raise _ShapeError(f"expands to more than {MAX_NODES:,} values through aliases (alias bomb?)", node)
        sizes[id(node)] = total
        return total

    size(root, 0)


class _ShapeError(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.line = node.start_mark.line + 1


def _read_policy_text(path: Path) -> str:
    # regular files only, never blocking (a FIFO or /dev/zero named residency.yaml), size-capped
    try:
        raw = read_regular_file(path, f"policy file {path}", MAX_POLICY_BYTES)
    except RefusedPath as err:
        raise PolicyError(str(err)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PolicyError(f"{path}: cannot read policy file: not UTF-8 (byte {err.start})") from None


def _parse_policy_yaml(path: Path, text: str) -> tuple[Node | None, Any]:
    """(composed root node, data), or PolicyError naming the file and line."""
    loader = _PolicyLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_shape(node)
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise PolicyError(f"{path}{line}: invalid YAML: {problem}") from None
    except _ShapeError as err:
        raise PolicyError(f"{path}:{err.line}: invalid YAML: {err.message}") from None
    except RecursionError:
        raise PolicyError(f"{path}:{loader.line + 1}: invalid YAML: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as err:  # a scalar PyYAML cannot build
        raise PolicyError(f"{path}:{loader.line + 1}: invalid YAML: {err}") from None
    finally:
        loader.dispose()


def _problem_text(problem: Any) -> str:
    loc = problem["loc"]
    if problem["type"] == "missing" and len(loc) == 3 and loc[0] == "exceptions" and loc[2] == "address":
        return 'an exception needs an address: the resource address it suppresses, or "*" for every address'
    return str(problem["msg"])


def load_policy(path: Path) -> Policy:
    text = _read_policy_text(path)
    node, data = _parse_policy_yaml(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{path}:1: the policy must be a mapping of keys (region, accounts, ...)")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as err:
        lines = []
        for problem in err.errors():
            loc = [str(p) for p in problem["loc"]]
            lines.append(f"{path}:{_line_of(node, problem['loc'])}: {'.'.join(loc) or '(top)'}: {_problem_text(problem)}")
        if len(lines) == 1:
            raise PolicyError(f"invalid policy: {lines[0]}") from None
        raise PolicyError("invalid policy:\n  " + "\n  ".join(lines)) from None
    for index, exception in enumerate(policy.exceptions):
        exception._line = _line_of(node, ("exceptions", index))
    policy.source = str(path)
    return policy


def _line_of(node: Any, loc: tuple[Any, ...]) -> int:
    line = (node.start_mark.line + 1) if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def policy_from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    out: dict[str, Any] = {}
    if env.get("RESIDENCY_REGION"):
        out["region"] = env["RESIDENCY_REGION"].strip()
    if env.get("RESIDENCY_ACCOUNTS"):
        out["accounts"] = [a.strip() for a in env["RESIDENCY_ACCOUNTS"].split(",") if a.strip()]
    return out
