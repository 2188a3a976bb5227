"""Placement shared by every input format (HCL, plan JSON): a raw region or account value, with
its evidence, becomes a Placement with a status; a provider configuration's settings give its
region and account by one set of rules, whichever format states them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer import regions
from analyzer.models import Cloud, Evidence, Placement, ProviderPlacement
from analyzer.values import Unknown, to_display

# anchored: a resource's own ARN starts with it (a URL merely containing one is not it)
ARN = re.compile(r"^arn:(aws[\w-]*):([\w-]+):([\w-]*):(\d{12})?:")
AZURE_SUB = re.compile(r"/subscriptions/([0-9a-fA-F-]{36})(?=/|$)", re.I)
CLOUD_OF_PROVIDER: dict[str, Cloud] = {
    "aws": "aws", "google": "gcp", "google-beta": "gcp", "azurerm": "azure", "azapi": "azure",
}
# per cloud: the provider argument that pins the account (AWS: see _aws_account), the hint when unset
_ACCOUNT = {"aws": ("account", " (set allowed_account_ids or assume_role.role_arn on the provider)"),
            "gcp": ("project", ""), "azure": ("subscription_id", " (ARM_SUBSCRIPTION_ID)")}


@dataclass
class Setting:
    """A value with the evidence steps that give it."""

    value: Any
    evidence: list[Evidence] = field(default_factory=list)


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


def arn_account(value: Any) -> str | None:
    match = ARN.match(value) if isinstance(value, str) else None
    return match.group(4) if match else None


class ProviderSettings:
    """A provider configuration's region and account, by one set of rules for every format.

    Region: `region` (GCP: else `zone`). Account: AWS `allowed_account_ids` when it lists one
    account, else the LAST `assume_role` block's role ARN (chained roles end as the last one);
    GCP `project`; Azure `subscription_id`. Unset: unknown, from the environment at apply time.
    A format gives the names below, `_attr` (an argument's value with its evidence steps, None
    when unset; `role` indexes the assume_role blocks), `_has` and `_decl` (where it is declared)."""

    name: str  # the provider's local name ("aws")
    cloud: Cloud
    address: str
    who: str  # how messages name it
    implicit: bool  # configured by nothing but the environment
    roles: int  # assume_role blocks
    _memo: dict[str, Setting]

    def _attr(self, name: str, role: int | None = None) -> Setting | None: raise NotImplementedError

    def _has(self, name: str, role: int | None = None) -> bool: raise NotImplementedError

    def _decl(self) -> list[Evidence]: raise NotImplementedError

    def setting(self, name: str) -> Setting:
        if name not in self._memo:
            # a provider region read from a data source of the same provider refers to itself
            self._memo[name] = Setting(Unknown(f"{self.address} {name} refers to itself (a reference cycle)"), self._decl())
            self._memo[name] = self._compute(name)
        return self._memo[name]

    def _missing(self, what: str, hint: str = "") -> Setting:
        return Setting(Unknown(f"{self.who} sets no {what}; it comes from the environment at apply time{hint}"), self._decl())

    def _compute(self, name: str) -> Setting:
        if name == "region":
            found = self._attr("region")
            if found is None and self.cloud == "gcp":
                found = self._attr("zone")
            return found or self._missing("region")
        if name == "zone":
            return self._attr("zone") or self._missing("zone")
        if name not in ("account", "project"):
            return Setting(Unknown(f"{self.address} has no setting {name}"), self._decl())
        if self.cloud not in _ACCOUNT:
            return Setting(Unknown(f"{self.name} providers have no account model"), self._decl())
        attr, hint = _ACCOUNT[self.cloud]
        return (self._aws_account() if self.cloud == "aws" else self._attr(attr)) or self._missing(attr, hint)

    def _aws_account(self) -> Setting | None:
        allowed = self._attr("allowed_account_ids") or Setting(None)
        if isinstance(allowed.value, Unknown):
            return allowed
        listed = allowed.value if isinstance(allowed.value, list) else []
        if len(listed) == 1:
            return Setting(listed[0], allowed.evidence)
        for index in reversed(range(self.roles)):  # chained roles: the last one decides
            role = self._attr("role_arn", index)
            if role is None:
                continue
            account = arn_account(role.value)
            if account is not None:
                return Setting(account, role.evidence)
            return Setting(Unknown(f"cannot read an account from assume_role.role_arn ({role.value})"), role.evidence)
        if listed:  # several allowed accounts and no role: whichever credentials apply it decide
            return Setting(Unknown(f"{self.who} allows several accounts: {', '.join(map(str, listed))}"), allowed.evidence)
        return None

    def allowed_accounts(self) -> list[str]:
        allowed = self._attr("allowed_account_ids") if self.cloud == "aws" else None
        if allowed is not None and isinstance(allowed.value, list):
            return [str(v) for v in allowed.value if isinstance(v, (str, int)) and not isinstance(v, bool)]
        return []

    @property
    def pinned(self) -> bool:
        """Whether the account is fixed by configuration rather than by ambient credentials."""
        if self.cloud == "aws":
            return self._has("allowed_account_ids") or any(self._has("role_arn", i) for i in range(self.roles))
        return self._has(_ACCOUNT[self.cloud][0]) if self.cloud in _ACCOUNT else not self.implicit


def provider_placement(config: ProviderSettings, *, root: str, file: str, line: int,
                       skips: dict[str, str] | None = None) -> ProviderPlacement:
    """The row of one provider configuration (what CKV_RES_5 and CKV_RES_8 judge)."""
    region = Placement(status="none")
    if config.cloud != "azure":  # Azure resources name their own location
        found = config.setting("region")
        region = region_placement(config.cloud, found.value, found.evidence, "provider region")
    account = config.setting("project" if config.cloud == "gcp" else "account")
    return ProviderPlacement(address=config.address, cloud=config.cloud, root=root, region=region,
                             account=account_placement(account.value, account.evidence), pinned=config.pinned,
                             allowed_accounts=config.allowed_accounts(), implicit=config.implicit,
                             file=file, line=line, skips=skips or {})
