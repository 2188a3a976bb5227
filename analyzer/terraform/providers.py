"""Provider configurations and the placement settings they give the resources using them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analyzer.hcl import ast
from analyzer.models import Cloud, Evidence
from analyzer.terraform.evaluate import Scope, evaluate_safely
from analyzer.values import Unknown

if TYPE_CHECKING:
    from analyzer.terraform.module import ModuleInstance

ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):")
CLOUD_OF_PROVIDER: dict[str, Cloud] = {
    "aws": "aws", "google": "gcp", "google-beta": "gcp", "azurerm": "azure", "azapi": "azure",
}

# where each cloud's provider keeps the account and region (first match wins)
_ACCOUNT_HINT = {
    "aws": "set allowed_account_ids or assume_role.role_arn on the provider",
    "gcp": "set project on the provider or the resource",
    "azure": "set subscription_id on the provider",
}


@dataclass
class Setting:
    value: Any
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ProviderConfig:
    """A `provider` block (or the implicit empty default) in the module that declares it."""

    name: str  # provider local name, e.g. "aws"
    alias: str | None
    block: ast.Block | None
    module: "ModuleInstance"
    file: str
    _memo: dict[str, Setting] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}.{self.alias}" if self.alias else self.name

    @property
    def address(self) -> str:
        prefix = f"{self.module.address}." if self.module.address else ""
        return f"{prefix}provider.{self.key}"

    @property
    def cloud(self) -> Cloud:
        return CLOUD_OF_PROVIDER.get(self.name, "unknown")

    @property
    def line(self) -> int:
        return self.block.line if self.block is not None else 0

    def setting(self, name: str) -> Setting:
        if name not in self._memo:
            # a provider region read from a data source of the same provider refers to itself
            self._memo[name] = Setting(Unknown(f"{self.address} {name} refers to itself (a reference cycle)"), self._decl())
            self._memo[name] = self._compute(name)
        return self._memo[name]

    def _attr(self, name: str, block: ast.Block | None = None) -> Setting | None:
        block = block or self.block
        if block is None or name not in block.attrs:
            return None
        attribute = block.attrs[name]
        trace: list[Evidence] = [Evidence(file=attribute.file or self.file, line=attribute.line, note=f"{self.address} {name}")]
        value = evaluate_safely(attribute.expr, Scope(self.module), trace)
        return Setting(value, trace)

    def _compute(self, name: str) -> Setting:
        cloud = self.cloud
        if name == "region":
            found = self._attr("region")
            if found is None and cloud == "gcp":
                zone = self._attr("zone")
                if zone is not None:
                    return zone
            return found or Setting(Unknown(self._missing("region")), self._decl())
        if name == "zone":
            return self._attr("zone") or Setting(Unknown(self._missing("zone")), self._decl())
        if name in ("account", "project"):
            return self._account()
        return Setting(Unknown(f"{self.address} has no setting {name}"), self._decl())

    def _decl(self) -> list[Evidence]:
        if self.block is None:
            return [Evidence(file=self.module.rel_dir or ".", line=0, note=f"no provider \"{self.name}\" block: {self.key} is implicit")]
        return [Evidence(file=self.file, line=self.block.line, note=self.address)]

    def _missing(self, what: str) -> str:
        where = self.address if self.block is not None else f"implicit provider {self.key}"
        return f"{where} sets no {what}; it comes from the environment at apply time"

    def _account(self) -> Setting:
        cloud = self.cloud
        if cloud == "aws":
            allowed = self._attr("allowed_account_ids")
            if allowed is not None and isinstance(allowed.value, list) and len(allowed.value) == 1:
                return Setting(allowed.value[0], allowed.evidence)
            if allowed is not None and isinstance(allowed.value, Unknown):
                return allowed
            # with several assume_role blocks the provider chains them: the last role decides
            for role_block in reversed(self.block.children("assume_role")) if self.block else []:
                role = self._attr("role_arn", role_block)
                if role is None:
                    continue
                if isinstance(role.value, str):
                    match = ARN_ACCOUNT.match(role.value)
                    if match:
                        return Setting(match.group(1), role.evidence)
                return Setting(Unknown(f"cannot read an account from assume_role.role_arn ({role.value})"), role.evidence)
            if allowed is not None and isinstance(allowed.value, list) and len(allowed.value) > 1:
                # several allowed accounts and no role: whichever credentials apply it decide
                return Setting(Unknown(f"{self.address} allows several accounts: {', '.join(map(str, allowed.value))}"), allowed.evidence)
            return Setting(Unknown(f"{self._missing('account')} ({_ACCOUNT_HINT['aws']})"), self._decl())
        if cloud == "gcp":
            found = self._attr("project")
            return found or Setting(Unknown(f"{self._missing('project')}"), self._decl())
        if cloud == "azure":
            found = self._attr("subscription_id")
            return found or Setting(Unknown(f"{self._missing('subscription_id')} (ARM_SUBSCRIPTION_ID)"), self._decl())
        return Setting(Unknown(f"{self.name} providers have no account model"), self._decl())

    def allowed_accounts(self) -> list[str]:
        if self.cloud != "aws" or self.block is None:
            return []
        allowed = self._attr("allowed_account_ids")
        if allowed is not None and isinstance(allowed.value, list):
            return [str(v) for v in allowed.value if isinstance(v, (str, int)) and not isinstance(v, bool)]
        return []

    @property
    def pinned(self) -> bool:
        """Whether the account is fixed by configuration rather than by ambient credentials."""
        if self.block is None:
            return False
        attrs = self.block.attrs
        if self.cloud == "aws":
            return "allowed_account_ids" in attrs or any("role_arn" in b.attrs for b in self.block.children("assume_role"))
        if self.cloud == "gcp":
            return "project" in attrs
        if self.cloud == "azure":
            return "subscription_id" in attrs
        return True


@dataclass
class ProviderRef:
    """A provider configuration as one module instance sees it, with how it got there."""

    config: ProviderConfig
    via: list[Evidence] = field(default_factory=list)
