"""CKV_RES_6: access or data flows to another account (policies, replication, log subscriptions)."""

from __future__ import annotations

import re

from analyzer.rules.base import Rule, RuleContext, Verdict
from analyzer.rules.destinations import UNKNOWN_DESTINATION_FLOWS, merge_by_destination

from analyzer.models import InventoryRow

ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
WILDCARD = "grants access to * "  # a wildcard principal narrowed by a Condition (flows.py)
# flows whose account is the one receiving the data or the access (a grantee, a replication or
# subscription destination); "replica"/"copy" flows name the source a resource copies from,
# and the copy's own account is the row's, judged by CKV_RES_2/5
GRANT_FLOWS = ("grant", "replication", "subscription")


def _unpinned_reasons(row: InventoryRow, context: RuleContext) -> set[str]:
    """Why the accounts of this root's unpinned providers are unknown: CKV_RES_8 reports each such
    provider once, so a grant to `data.aws_caller_identity.current` under one is not repeated."""
    return {reason for (root, _), reason in context.unpinned_providers.items() if root == row.root}


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    verdicts = []
    for flow in row.flows:
        account = flow.account
        if account.status == "unknown" and flow.kind == "grant" and WILDCARD in flow.description and context.fail_on_unknown:
            # a wildcard is anyone until its Condition proves an account: an unknown one fails closed
            verdicts.append(Verdict(f"{row.address} {flow.description}: the account it is limited to cannot be "
                                    f"resolved statically ({account.reason})", account.evidence, flow.region.value,
                                    None, flow.line))
            continue
        same_cause = (flow.kind in UNKNOWN_DESTINATION_FLOWS and flow.region.status == "unknown"
                      and flow.region.reason == account.reason)  # CKV_RES_4's finding: one cause, one finding
        if account.status == "unknown" and flow.kind in GRANT_FLOWS and context.fail_on_unknown \
                and not same_cause and account.reason not in _unpinned_reasons(row, context):
            # access given to an account nobody can name before apply (an unset variable, a data
            # source): unknown is a finding, never a pass
            verdicts.append(Verdict(f"{row.address} {flow.description}: the account it reaches cannot be resolved "
                                    f"statically ({account.reason})", account.evidence, flow.region.value, None, flow.line))
            continue
        if account.status != "resolved":
            continue
        if account.value == "*":
            verdicts.append(Verdict(f"{row.address} {flow.description}: anyone, in any account", account.evidence,
                                    flow.region.value, "*", flow.line))
        elif account.value and ORG_ID.match(account.value):
            # `aws:PrincipalOrgID` bounds the grant to an organization, whose accounts the policy does not list
            verdicts.append(Verdict(f"{row.address} {flow.description}: an organization, not a proof of account "
                                    f"(list the accounts with aws:PrincipalAccount)", account.evidence,
                                    flow.region.value, account.value, flow.line))
        elif context.accounts and account.value not in context.accounts:
            verdicts.append(Verdict(f"{row.address} {flow.description}: account {account.value} is not in the allowed "
                                    f"{', '.join(context.accounts)}", account.evidence, flow.region.value, account.value, flow.line))
    return merge_by_destination(verdicts, "grants", "account")


RULE = Rule(
    id="CKV_RES_6", name="Access or data flow to another account", severity="CRITICAL", target="row", check_row=check,
    description="A resource policy, KMS grant, IAM member, replication or log-subscription destination gives another "
                "account (or everyone) the data.",
    guideline="Restrict principals and destinations to the customer's accounts; remove wildcard principals.",
)
