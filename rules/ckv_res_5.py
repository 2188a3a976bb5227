"""CKV_RES_5: a resource or provider lands in an account/project/subscription outside the allowed set."""

from __future__ import annotations

from analyzer.rules.base import ACCOUNT_KINDS, Rule, RuleContext, Verdict, conflict_verdicts, subject

from analyzer.models import InventoryRow, ProviderPlacement

WORD = {"aws": "account", "gcp": "project", "azure": "subscription"}


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    account = row.account
    if row.refers_to is not None:
        return conflict_verdicts(row, "account")  # the Terraform row it names is judged itself
    if account.status != "resolved" or not context.accounts or account.value in context.accounts:
        return []
    word = WORD.get(row.cloud, "account")
    if row.kind == "identity" and (row.name or "").endswith(".iam.gserviceaccount.com"):
        word = "project"  # a GKE workload identity (the ServiceAccount row itself is Kubernetes)
    placed = f"names {word} {account.value}" if row.kind == "setting" else f"is in {word} {account.value}"
    return [Verdict(f"{subject(row)} {placed}, not in the allowed {', '.join(context.accounts)}",
                    account.evidence, row.region.value, account.value)]


def check_provider(provider: ProviderPlacement, context: RuleContext) -> list[Verdict]:
    if not context.accounts:
        return []
    account = provider.account
    word = WORD.get(provider.cloud, "account")
    allowed = ", ".join(context.accounts)
    if account.status == "resolved" and account.value not in context.accounts:
        return [Verdict(f"{provider.address} deploys into {word} {account.value}, not in the allowed {allowed}",
                        account.evidence, provider.region.value, account.value)]
    foreign = [a for a in provider.allowed_accounts if a not in context.accounts]
    if foreign:
        return [Verdict(f"{provider.address} allows applying into {word}s {', '.join(foreign)}, not in the allowed {allowed}",
                        account.evidence, provider.region.value, foreign[0])]
    if account.status == "unknown" and provider.pinned and context.fail_on_unknown:
        # pinned through a value the analyzer cannot see (e.g. an unset variable): fail closed
        return [Verdict(f"{provider.address} {word} cannot be resolved statically: {account.reason}",
                        account.evidence, provider.region.value, None)]
    return []


RULE = Rule(
    id="CKV_RES_5", name="Foreign account, project or subscription", severity="CRITICAL", target="row",
    kinds=ACCOUNT_KINDS, check_row=check, check_provider=check_provider,
    description="The resource (or the provider creating it) is pinned to an AWS account, GCP project or Azure "
                "subscription that is not the customer's.",
    guideline="Point the provider's allowed_account_ids/assume_role, project or subscription_id at the customer's account, "
              "or add the account to `accounts` in residency.yaml if it is the customer's.",
)
