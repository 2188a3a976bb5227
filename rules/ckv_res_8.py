"""CKV_RES_8: a provider's placement is not pinned (the account is whatever credentials apply it)."""

from __future__ import annotations

from analyzer.rules.base import Rule, RuleContext, Verdict

from analyzer.models import ProviderPlacement

HINT = {
    "aws": "set allowed_account_ids (or assume_role.role_arn)",
    "gcp": "set project",
    "azure": "set subscription_id",
}


def check(provider: ProviderPlacement, context: RuleContext) -> list[Verdict]:
    if provider.pinned:
        return []
    return [Verdict(f"{provider.address} does not pin its account: {HINT.get(provider.cloud, 'pin the account')}",
                    provider.account.evidence, provider.region.value, None)]


RULE = Rule(
    id="CKV_RES_8", name="Provider placement not pinned", severity="MEDIUM", target="provider", check_provider=check,
    description="Without allowed_account_ids/assume_role (AWS), project (GCP) or subscription_id (Azure), the "
                "resources land wherever the applying credentials point.",
    guideline="Pin the provider configuration to the customer's account.",
)
