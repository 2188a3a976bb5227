"""CKV_RES_9: an input could not be analyzed (fail closed)."""

from __future__ import annotations

from analyzer.rules.base import Rule, RuleContext, Verdict

from analyzer.models import ScanError


def check(error: ScanError, context: RuleContext) -> list[Verdict]:
    message = error.message if "not analyzed" in error.message else f"{error.message}; not analyzed"
    return [Verdict(message)]


RULE = Rule(
    id="CKV_RES_9", name="Input not analyzed", severity="HIGH", target="error", check_error=check,
    description="A file could not be parsed, a module source is not on disk, a chart could not be rendered: what it "
                "would create is unknown, so the scan cannot pass.",
    guideline="Fix the file, run `terraform init` so .terraform/modules holds remote modules, vendor Helm subcharts, "
              "or suppress explicitly with a policy exception naming the file.",
)
