"""Placement values shared by every input format (HCL, plan JSON): a raw region or account
value, with its evidence, becomes a Placement with a status."""

from __future__ import annotations

from typing import Any

from analyzer import regions
from analyzer.models import Evidence, Placement
from analyzer.values import Unknown, to_display


def region_placement(cloud: str, value: Any, evidence: list[Evidence], what: str) -> Placement:
    if isinstance(value, Unknown):
        return Placement(status="unknown", reason=value.reason, evidence=evidence)
    if not isinstance(value, str) or not value:
        return Placement(status="unknown", reason=f"{what} is {to_display(value)!s}, not a region", evidence=evidence)
    info = regions.normalize(cloud, value)
    if info.status == "invalid":
        return Placement(value=value, status="unknown", reason=f"\"{value}\" is not a known {cloud} region", evidence=evidence)
    return Placement(value=info.value, status=info.status, evidence=evidence)


def account_placement(value: Any, evidence: list[Evidence]) -> Placement:
    if isinstance(value, Unknown):
        return Placement(status="unknown", reason=value.reason, evidence=evidence)
    if value is None or value == "":
        return Placement(status="unknown", reason="account is empty", evidence=evidence)
    return Placement(value=str(value), status="resolved", evidence=evidence)


def as_blocks(value: Any) -> list[dict[str, Any]]:
    """Nested blocks as a list of objects (a single object counts as one block)."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        return [value]
    return []
