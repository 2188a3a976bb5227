"""CKV_RES_2: a located resource's region or account cannot be resolved statically (fail closed)."""

from __future__ import annotations

from analyzer.rules.base import ACCOUNT_KINDS, LOCATED_KINDS, Rule, RuleContext, Verdict, subject

from analyzer.models import InventoryRow, ProviderPlacement

WORD = {"aws": "account", "gcp": "project", "azure": "subscription"}


def _account_word(row: InventoryRow) -> str:
    if row.kind == "identity" and (row.name or "").endswith(".iam.gserviceaccount.com"):
        return "project"  # a GKE workload identity names a project
    return WORD.get(row.cloud, "account")


def _from_unpinned_provider(row: InventoryRow, context: RuleContext) -> bool:
    """The account is whatever credentials apply the row's provider: CKV_RES_8 reports that once
    per provider, so every resource of it is not reported again."""
    reason = context.unpinned_providers.get((row.root, row.provider or ""))
    return reason is not None and reason == row.account.reason


def check(row: InventoryRow, context: RuleContext) -> list[Verdict]:
    if not context.fail_on_unknown or row.refers_to is not None:
        return []  # a Helm reference to a scanned Terraform resource: that row is judged
    verdicts = []
    region_unknown = row.kind in LOCATED_KINDS and row.region.status == "unknown"
    if region_unknown:
        verdicts.append(Verdict(f"region of {row.address} cannot be resolved statically: {row.region.reason}",
                                row.region.evidence, None, row.account.value))
    account = row.account
    if (account.status == "unknown" and not _from_unpinned_provider(row, context)
            and not (region_unknown and account.reason == row.region.reason)):  # one cause, one finding
        verdicts.append(Verdict(f"{_account_word(row)} of {subject(row)} cannot be resolved statically: {account.reason}",
                                account.evidence, row.region.value, None))
    return verdicts


def check_provider(provider: ProviderPlacement, context: RuleContext) -> list[Verdict]:
    """The roots deploy to different regions and no region is configured: the data plane's region
    cannot be inferred; each root's default provider says so."""
    roots = dict(context.region_disagreement)
    parts = provider.address.split(".")
    if provider.root not in roots or len(parts) != 2 or roots[provider.root] != provider.region.value:
        return []
    listed = ", ".join(f"{root}: {region}" for root, region in context.region_disagreement)
    return [Verdict(f"the data plane's region cannot be inferred: the scanned roots' default providers disagree "
                    f"({listed}); scan with --region (or set `region` in residency.yaml)",
                    provider.region.evidence, provider.region.value, provider.account.value)]


RULE = Rule(
    id="CKV_RES_2", name="Region or account cannot be resolved statically", severity="HIGH", target="row",
    kinds=ACCOUNT_KINDS, check_row=check, check_provider=check_provider,
    description="The analyzer cannot tell where the resource will be created, or in which account/project/"
                "subscription: an unset variable, a data source, a computed value or a rendered value that is not an "
                "account decides it.",
    guideline="Give the region and account a static value: a variable default, a .tfvars file, or scan with the "
              "apply's own `--var`/`--var-file` (Helm: `--values`/`--set`). Unknown is never a pass.",
)
