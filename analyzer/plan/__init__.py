"""Terraform plan JSON (`terraform show -json plan.out`) as a residency inventory source.

`scan_plan(path, rel)` reads one plan file and returns an :class:`~analyzer.models.Inventory`:
one row per located resource that will exist after apply, with the region and account the
plan gives it, plus one provider placement per provider configuration.
"""

from analyzer.plan.detect import JsonKind, detect, sniff
from analyzer.plan.inventory import scan_plan
from analyzer.plan.load import MAX_PLAN_BYTES, PlanLoadError, load_plan_json

__all__ = ["JsonKind", "MAX_PLAN_BYTES", "PlanLoadError", "detect", "load_plan_json", "scan_plan", "sniff"]
