"""The residency policy: `residency.yaml`, validated with errors naming file, line and key."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analyzer.models import Severity
from analyzer.scan_config import ScanConfig

POLICY_FILE = "residency.yaml"


class PolicyError(ValueError):
    """A policy that cannot be used; the message names file, line and key."""


class PolicyException(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(pattern=r"^CKV_RES_\d+$")
    address: str = Field(default="*", description="resource address or glob")
    reason: str = Field(min_length=3)
    expires: dt.date

    def matches(self, rule_id: str, address: str) -> bool:
        return self.rule == rule_id and fnmatch.fnmatchcase(address, self.address)


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
        # YAML reads an unquoted 12-digit account id as an int
        return [str(v) for v in value] if isinstance(value, list) else value

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


def find_policy(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for candidate in [folder, *folder.resolve().parents]:
        path = candidate / POLICY_FILE
        if path.is_file():
            return path
    return None


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PolicyError(f"{path}: cannot read policy file: {err}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{path}{line}: invalid YAML: {getattr(err, 'problem', err)}") from None
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
            lines.append(f"{path}:{_line_of(node, problem['loc'])}: {'.'.join(loc) or '(top)'}: {problem['msg']}")
        raise PolicyError("invalid policy:\n  " + "\n  ".join(lines)) from None
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
