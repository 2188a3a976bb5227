"""Stock checkov host for the residency rules.

`checkov -d infra --external-checks-dir $(residency checkov-dir) --check CKV_RES_1,...`
imports this file. Each check looks the resource's `__address__` up, in the file checkov
reports, among the native findings of the folder that file was scanned from (`-d` folder,
or a `-f` file's own folder; built once per folder), instead of trusting checkov's provider
links, which miss provider blocks in other files. Two roots' resources of one address never
mix: the lookup is by file. A check that cannot decide
FAILS with a reason (checkov drops UNKNOWN silently) and catches its own errors (checkov
drops a crashing check and exits 0).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable

from analyzer.rules import RULES
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check
from checkov.terraform.checks.provider.base_check import BaseProviderCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from analyzer.catalog import catalog
from analyzer.helm.manifests import KUBERNETES_KINDS
from analyzer.models import Finding
from analyzer.policy import Policy, find_policy, load_policy, policy_from_env
from analyzer.scan import ScanOptions, build_inventory
from analyzer.verdicts import build_context, evaluate_rules

_KEYS = re.compile(r"\[[^\]]*\]")
Index = dict[tuple[str, Path, str], list[Finding]]  # (rule, absolute file, address) -> findings


@dataclass(frozen=True)
class _Targets:
    """What checkov was asked to scan: its -d/--directory folders and -f/--file files (absolute)."""

    dirs: tuple[Path, ...]
    files: tuple[Path, ...]


def _targets(argv: list[str] | None = None, env: dict[str, str] | None = None) -> _Targets:
    argv = sys.argv if argv is None else argv
    env = dict(os.environ) if env is None else env
    dirs: list[Path] = []
    files: list[Path] = []
    for i, arg in enumerate(argv):
        for flags, into in ((("-d", "--directory"), dirs), (("-f", "--file"), files)):
            if arg in flags and i + 1 < len(argv):
                into.append(Path(argv[i + 1]))
            elif arg.startswith(flags[1] + "="):
                into.append(Path(arg.split("=", 1)[1]))
    if env.get("RESIDENCY_SCAN_ROOT"):
        dirs.append(Path(env["RESIDENCY_SCAN_ROOT"]))
    if not dirs and not files:
        dirs.append(Path.cwd())
    return _Targets(tuple(p.resolve() for p in dirs), tuple(p.resolve() for p in files))


def _locate(scanned: str, targets: _Targets) -> tuple[Path, Path]:
    """(the folder whose residency scan judges this entity, the entity's file), from the path
    checkov reports (Terraform: relative to the folder or the files' common folder it was given,
    with a leading '/'; Kubernetes: absolute). A `-d` folder is scanned as `residency scan` would scan it (every root in it);
    a `-f` file by its own folder, the root it belongs to. Fails (LookupError) rather than guess."""
    relative = scanned.replace("\\", "/").lstrip("/")
    found: set[tuple[Path, Path]] = set()
    for folder in targets.dirs:
        candidate = (folder / relative).resolve()
        if relative and candidate.is_file():
            found.add((folder, candidate))
    for file in targets.files:
        if file.as_posix() == scanned or file.as_posix().endswith("/" + relative):
            found.add((file.parent, file))
    if not found and Path(scanned).is_absolute():  # the Kubernetes framework reports absolute paths
        real = Path(scanned).resolve()
        found.update((folder, real) for folder in targets.dirs if real.is_relative_to(folder) and real.is_file())
        found.update((file.parent, file) for file in targets.files if file == real)
    if len(found) == 1:
        return found.pop()
    if not found:
        raise LookupError(f"{scanned} is in none of the folders or files checkov was given; its root is unknown")
    raise LookupError(f"{scanned} matches several scanned files ({', '.join(sorted(str(f) for _, f in found))}); "
                      "its root is ambiguous")


@cache
def _index(folder: Path) -> Index:
    """Every native finding of `residency scan folder`, by rule, absolute file and address (also
    by the address without instance keys, which is how checkov names for_each/count resources)."""
    policy_path = find_policy(folder)
    policy = load_policy(policy_path) if policy_path else Policy()
    overrides = policy_from_env()
    if overrides:
        policy = policy.model_copy(update=overrides)
    inventory, _files, base = build_inventory([folder], ScanOptions())
    context = build_context(policy, inventory)
    index: Index = {}
    for finding in evaluate_rules(inventory, policy, context, base=base):
        file = (base / finding.file).resolve()
        keys = {finding.address, _KEYS.sub("", finding.address)}  # one key when there is no index
        for address in keys:
            index.setdefault((finding.rule_id, file, address), []).append(finding)
    return index


def _lookup(rule_id: str, address: str, scanned: str, targets: _Targets | None = None) -> list[Finding]:
    folder, file = _locate(scanned, targets or _targets())
    index = _index(folder)
    return index.get((rule_id, file, address)) or index.get((rule_id, file, _KEYS.sub("", address))) or []


def _scanned_file(check: Any) -> str:
    # checkov sets entity_path = f"{scanned_file}:{entity_type}:{entity_name}" before each check
    path = str(getattr(check, "entity_path", "") or "")
    return path.split(":", 1)[0]


def _judge(check: Any, address: Callable[[], str], what: str) -> CheckResult:
    """FAILED with the native findings' messages for the entity at address(), else PASSED; an error
    fails closed with its reason (checkov drops crashing checks and UNKNOWN results silently)."""
    try:
        findings = [f for f in _lookup(check.rule_id, address(), _scanned_file(check)) if f.suppressed is None]
    except Exception as err:  # noqa: BLE001 - fail closed, never crash inside checkov
        check.details = [f"residency could not evaluate this {what}: {type(err).__name__}: {err}"]
        return CheckResult.FAILED
    if findings:
        check.details = list(dict.fromkeys(f.message for f in findings))
        return CheckResult.FAILED
    return CheckResult.PASSED


class _ResidencyResourceCheck(BaseResourceCheck):
    def __init__(self, rule_id: str, name: str, types: list[str], guideline: str) -> None:
        self.rule_id = rule_id
        super().__init__(name=name, id=rule_id, categories=[CheckCategories.GENERAL_SECURITY],
                         supported_resources=types, guideline=guideline)

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return _judge(self, lambda: conf.get("__address__") or "", "resource")


class _ResidencyProviderCheck(BaseProviderCheck):
    def __init__(self, rule_id: str, name: str, guideline: str) -> None:
        self.rule_id = rule_id
        super().__init__(name=name, id=rule_id, categories=[CheckCategories.GENERAL_SECURITY],
                         supported_provider=["aws", "google", "azurerm"], guideline=guideline)

    def scan_provider_conf(self, conf: dict[str, Any]) -> CheckResult:
        def address() -> str:
            alias = conf.get("alias", [None])
            alias = alias[0] if isinstance(alias, list) else alias
            name = conf.get("__address__", "") or ""
            key = name.split(".", 1)[0] if name else ""
            return f"provider.{key}.{alias}" if alias else f"provider.{key}"
        return _judge(self, address, "provider")


class _ResidencyKubernetesCheck(BaseK8Check):
    """The same verdicts for rendered manifests (`checkov --framework kubernetes`): an object's
    address is `Kind/namespace/name`, as the native inventory names it."""

    def __init__(self, rule_id: str, name: str, guideline: str) -> None:
        self.rule_id = rule_id
        super().__init__(name=name, id=rule_id, categories=[CheckCategories.GENERAL_SECURITY],
                         supported_entities=sorted(KUBERNETES_KINDS), guideline=guideline)

    def scan_spec_conf(self, conf: dict[str, Any]) -> CheckResult:
        def address() -> str:
            raw = conf.get("metadata")
            metadata: dict[str, Any] = raw if isinstance(raw, dict) else {}
            namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else "default"
            name = metadata.get("name") or (f"{metadata['generateName']}*" if metadata.get("generateName") else None)
            return f"{conf.get('kind')}/{namespace}/{name}"  # as the native inventory names it
        return _judge(self, address, "object")


_TYPES = sorted(catalog())
for _rule in RULES:
    if _rule.check_row is not None:
        _ResidencyResourceCheck(_rule.id, _rule.name, _TYPES, _rule.guideline)
        _ResidencyKubernetesCheck(_rule.id, _rule.name, _rule.guideline)
    if _rule.check_provider is not None:
        _ResidencyProviderCheck(_rule.id, _rule.name, _rule.guideline)
