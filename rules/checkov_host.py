"""Stock checkov host for the residency rules.

`checkov -d infra --external-checks-dir $(residency checkov-dir) --check CKV_RES_1,...`
imports this file. Each check looks the resource's `__address__` up in the analyzer's own
inventory of the scanned folder (built once per folder), instead of trusting checkov's
provider links, which miss provider blocks in other files. A check that cannot decide
FAILS with a reason (checkov drops UNKNOWN silently) and catches its own errors (checkov
drops a crashing check and exits 0).
"""

from __future__ import annotations

import os
import re
import sys
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


def _scan_roots() -> list[Path]:
    """The folders checkov was asked to scan (-d/--directory), else the working folder."""
    roots: list[Path] = []
    argv = sys.argv
    for i, arg in enumerate(argv):
        if arg in ("-d", "--directory") and i + 1 < len(argv):
            roots.append(Path(argv[i + 1]))
        elif arg.startswith("--directory="):
            roots.append(Path(arg.split("=", 1)[1]))
    env_root = os.environ.get("RESIDENCY_SCAN_ROOT")
    if env_root:
        roots.append(Path(env_root))
    return [r.resolve() for r in roots] or [Path.cwd()]


@cache
def _findings(root: Path) -> dict[tuple[str, str], list[Finding]]:
    policy_path = find_policy(root)
    policy = load_policy(policy_path) if policy_path else Policy()
    overrides = policy_from_env()
    if overrides:
        policy = policy.model_copy(update=overrides)
    inventory, _files, _base = build_inventory([root], ScanOptions())
    context = build_context(policy, inventory)
    index: dict[tuple[str, str], list[Finding]] = {}
    for finding in evaluate_rules(inventory, policy, context):
        index.setdefault((finding.rule_id, finding.address), []).append(finding)
        index.setdefault((finding.rule_id, _KEYS.sub("", finding.address)), []).append(finding)
    return index


def _lookup(rule_id: str, address: str) -> list[Finding]:
    found: list[Finding] = []
    for root in _scan_roots():
        index = _findings(root)
        found.extend(index.get((rule_id, address)) or index.get((rule_id, _KEYS.sub("", address))) or [])
    return found


def _judge(check: Any, address: Callable[[], str], what: str) -> CheckResult:
    """FAILED with the native findings' messages for the entity at address(), else PASSED; an error
    fails closed with its reason (checkov drops crashing checks and UNKNOWN results silently)."""
    try:
        findings = [f for f in _lookup(check.rule_id, address()) if f.suppressed is None]
    except Exception as err:  # noqa: BLE001 - fail closed, never crash inside checkov
        check.details = [f"residency could not evaluate this {what}: {type(err).__name__}: {err}"]
        return CheckResult.FAILED
    if findings:
        check.details = [f.message for f in findings]
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
