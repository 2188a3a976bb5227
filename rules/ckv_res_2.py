"""CKV_RES_2: a located resource's region cannot be resolved statically (fail closed)."""

from __future__ import annotations

from analyzer.rules.base import LOCATED_KINDS, Rule, RuleContext, Verdict

from analyzer.models import InventoryRow


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    if row.region.status != "unknown" or not context.fail_on_unknown or row.refers_to is not None:
        return []
    return [Verdict(f"region of {row.address} cannot be resolved statically: {row.region.reason}",
                    row.region.evidence, None, row.account.value)]


RULE = Rule(
    id="CKV_RES_2", name="Region cannot be resolved statically", severity="HIGH", target="row",
    kinds=LOCATED_KINDS, check_row=check,
    description="The analyzer cannot tell where the resource will be created: an unset variable, a data source or a computed value decides it.",
    guideline="Give the region a static value: a variable default, a .tfvars file, or scan with the apply's own "
              "`--var`/`--var-file`. Unknown is never a pass.",
)
