"""Which rules run (--check/--skip-check) and which findings fail the build
(--hard-fail-on/--soft-fail-on), with checkov's meanings.

A selector is a rule ID (`CKV_RES_8`), a wildcard (`CKV_RES_*`) or a severity (`HIGH`):
- `--check HIGH` runs the rules of severity HIGH or above; `--skip-check LOW` skips LOW and below.
- `--hard-fail-on HIGH` fails on findings of HIGH or above; `--soft-fail-on MEDIUM` does not fail
  on MEDIUM and below. With only --hard-fail-on, findings it does not match do not fail; with
  --soft-fail-on, those it does not match still fail; a finding both match fails.
Severities are the effective ones: the policy's `severity:` overrides a rule's default.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analyzer.models import Finding

SEVERITY_ORDER = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")  # lowest first


class SelectorError(ValueError):
    """A selector that names no rule and no severity."""


def split_selectors(items: Iterable[str]) -> list[str]:
    """Repeatable and comma-separated values, as checkov takes them."""
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity)


def validate(selectors: Iterable[str], rule_ids: Iterable[str], flag: str) -> None:
    """SelectorError for a selector that is not a severity and matches no rule."""
    ids = list(rule_ids)
    for selector in selectors:
        if selector.upper() in SEVERITY_ORDER:
            continue
        if not fnmatch.filter(ids, selector):
            raise SelectorError(f"{flag} {selector}: no rule has this ID and it is not a severity "
                                f"({', '.join(reversed(SEVERITY_ORDER))}); `residency checks` lists the rules")


def _matches(selector: str, rule_id: str, severity: str, *, at_least: bool) -> bool:
    level = selector.upper()
    if level in SEVERITY_ORDER:
        return _rank(severity) >= _rank(level) if at_least else _rank(severity) <= _rank(level)
    return fnmatch.fnmatchcase(rule_id, selector)


def skipped_rules(severities: Mapping[str, str], check: list[str], skip_check: list[str]) -> set[str]:
    """The rule IDs not to run, from {rule ID: effective severity}."""
    skipped: set[str] = set()
    for rule_id, severity in severities.items():
        if check and not any(_matches(s, rule_id, severity, at_least=True) for s in check):
            skipped.add(rule_id)
        if any(_matches(s, rule_id, severity, at_least=False) for s in skip_check):
            skipped.add(rule_id)
    return skipped


@dataclass(frozen=True)
class FailPolicy:
    hard_fail_on: tuple[str, ...] = ()
    soft_fail_on: tuple[str, ...] = ()
    soft_fail: bool = False

    def fails(self, finding: Finding) -> bool:
        if self.soft_fail:
            return False
        if any(_matches(s, finding.rule_id, finding.severity, at_least=True) for s in self.hard_fail_on):
            return True
        if any(_matches(s, finding.rule_id, finding.severity, at_least=False) for s in self.soft_fail_on):
            return False
        return not self.hard_fail_on

    def failing(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if f.suppressed is None and self.fails(f)]
