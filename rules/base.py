"""What a residency rule is: an ID, a name, a severity, what it reads, and a pure check.

Rules read the inventory (rows, provider placements, inputs not analyzed) and the policy;
they never parse files. The same rule objects run natively (analyzer.scan) and inside
stock checkov (rules/checkov_host.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal, Mapping

from analyzer import kinds
from analyzer.models import (
    Evidence,
    InventoryRow,
    ProviderPlacement,
    RuleMeta,
    ScanError,
    Severity,
    is_reference,
)


@dataclass(frozen=True)
class RuleContext:
    """The policy as rules see it (region already inferred when none was configured)."""

    regions: tuple[str, ...]
    accounts: tuple[str, ...]
    allowed_registries: tuple[str, ...] = ()
    region_inferred: bool = False
    fail_on_unknown: bool = True
    known_registries: tuple[str, ...] = ()  # registries the scanned infrastructure creates
    # (root, provider address) -> why its account is unknown, for providers that pin no account:
    # their resources' unknown account is reported once on the provider (CKV_RES_8)
    unpinned_providers: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # ((root, region), ...) of the roots' default providers when no region is configured and they
    # disagree: no region is inferred and CKV_RES_2 asks for `--region` on each of them
    region_disagreement: tuple[tuple[str, str], ...] = ()


@dataclass
class Verdict:
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    region: str | None = None
    account: str | None = None
    line: int | None = None


Target = Literal["row", "provider", "error"]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    target: Target
    description: str
    guideline: str
    kinds: tuple[str, ...] = ()  # inventory kinds it applies to; empty = all
    check_row: Callable[[InventoryRow, RuleContext], list[Verdict]] | None = None
    check_provider: Callable[[ProviderPlacement, RuleContext], list[Verdict]] | None = None
    check_error: Callable[[ScanError, RuleContext], list[Verdict]] | None = None

    def meta(self) -> RuleMeta:
        return RuleMeta(id=self.id, name=self.name, severity=self.severity,
                        description=self.description, guideline=self.guideline)

    def applies_to(self, row: InventoryRow) -> bool:
        return not self.kinds or row.kind in self.kinds


def where(context: RuleContext) -> str:
    allowed = ", ".join(context.regions) or "(none configured)"
    return f"{allowed}{' (inferred)' if context.region_inferred else ''}"


# the kinds each rule judges, from the kind vocabulary (analyzer/data/kinds.yaml)
LOCATED_KINDS = kinds.names("located")
# CKV_RES_5 also judges identities (an IRSA/workload-identity role in another account) and
# account settings in Kubernetes configuration (GOOGLE_CLOUD_PROJECT)
ACCOUNT_KINDS = kinds.names("account_judged")
# CKV_RES_1 also judges regions named in Kubernetes configuration: a `region:` setting, an endpoint
REGION_KINDS = kinds.names("region_judged")


def subject(row: InventoryRow) -> str:
    """How messages name a row: its address, and for a reference read from Kubernetes configuration
    (address `Kind/namespace/name`) also what it names. Settings are worded by each rule."""
    if not is_reference(row) or row.kind == "setting":
        return row.address
    if not row.name:
        return f"{row.address} names a {row.kind.replace('_', ' ')} that"
    return f"{row.address} names {row.kind.replace('_', ' ')} {row.name}, which"


def judged_elsewhere(row: InventoryRow) -> str | None:
    """Why a row's own placement is not judged: it inherits it from a parent in the inventory, or
    it is a Helm reference to a scanned Terraform resource (that row is judged; a disagreement
    between the two is judged on the reference as a conflict)."""
    if row.parent is not None:
        return f"inherits its placement from {row.parent}"
    if row.refers_to is not None:
        return f"names {row.refers_to}, which is judged itself"
    return None


def conflict_verdicts(row: InventoryRow, field: str) -> list[Verdict]:
    """Helm configuration says one region/account, the Terraform creating the resource another."""
    verdicts = []
    for conflict in row.conflicts:
        if conflict.field != field:
            continue
        subject = f"{row.kind.replace('_', ' ')} {row.name}" if row.name else row.kind
        verdicts.append(Verdict(
            f"{row.address} names {subject} in {field} {conflict.helm.value}, but {conflict.address} creates it in "
            f"{conflict.terraform.value}", [*conflict.helm.evidence, *conflict.terraform.evidence],
            conflict.helm.value if field == "region" else row.region.value,
            conflict.helm.value if field == "account" else row.account.value))
    return verdicts
