"""A plan (or state) resource as a ResourceView (analyzer/resource_view.py), so the catalog's
extractors and the one row builder (analyzer/rows.py) read plans exactly as they read HCL.

* Values: `change.after` with every leaf `change.after_unknown` marks as `Unknown` ("known only
  after apply"); a state's `values` as they are.
* Arguments (`declared.block.attrs`): every key with a value, except one that is unknown and
  not set in `configuration` (it is the provider's default, so placement falls back to the
  provider, as for HCL). Each is a literal at the resource's line in the JSON.
* `Unknown.origin`: the resource a `configuration` expression references (through module
  outputs), so linking follows `aws_s3_bucket.replica.arn` to that bucket's row; an
  unconfigured computed attribute comes from the resource itself, as in HCL.
* The provider: the `provider_config_key` entry, whose settings the plan's configuration
  expressions give; a known own ARN (AWS) or resource ID (Azure) names the account (and an
  ARN the region) first: the plan knows what the provider's settings only imply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable

from analyzer.hcl import ast
from analyzer.models import Cloud, Evidence
from analyzer.placements import ARN, AZURE_SUB, Setting
from analyzer.terraform.budget import Budget
from analyzer.terraform.evaluate import Scope
from analyzer.terraform.module import Declared
from analyzer.values import Unknown

if TYPE_CHECKING:
    from analyzer.plan.inventory import PlanProvider


class PlanProviderConfig:
    """The provider configuration one plan resource uses, as the placement code asks for it: the
    resource's own known ARN (AWS: account, region) or ID (Azure: subscription) first, then its
    provider's settings."""

    def __init__(self, provider: PlanProvider | None, cloud: Cloud, own: PlanResource) -> None:
        self._provider, self.cloud, self._own = provider, cloud, own
        self.key = provider.key if provider is not None else "(none)"
        self.address = provider.address if provider is not None else None

    def setting(self, name: str) -> Setting:
        arn, rid = self._own.values.get("arn"), self._own.values.get("id")
        match = ARN.match(arn) if self.cloud == "aws" and isinstance(arn, str) else None
        group = {"region": 3, "account": 4}.get(name)
        if match and group and match.group(group):
            return self._own_step("arn", match.group(group))
        found = AZURE_SUB.match(rid) if self.cloud == "azure" and name == "account" and isinstance(rid, str) else None
        if found:
            return self._own_step("id", found.group(1))
        if self._provider is None:
            return Setting(Unknown("the resource's provider configuration is not in the JSON's configuration"))
        return self._provider.setting(name)

    def _own_step(self, attr: str, value: str) -> Setting:
        declared = self._own.declared
        return Setting(value, [Evidence(file=declared.file, line=declared.block.line, note=f"{self._own.address}.{attr}")])


@dataclass
class PlanProviderRef:
    config: PlanProviderConfig
    via: list[Evidence] = field(default_factory=list)


def with_origins(value: Any, expr: Any, resolve: Callable[[list[str]], str | None]) -> Any:
    """`value` with each Unknown leaf's origin set from the `configuration` expression that
    produces it (the resource its references name)."""
    if isinstance(value, Unknown):
        refs = expr.get("references") if isinstance(expr, dict) else None
        if isinstance(refs, list) and value.origin is None:
            origin = resolve([r for r in refs if isinstance(r, str)])
            return Unknown(value.reason, origin=origin) if origin else value
        return value
    leaf = isinstance(expr, dict) and ("references" in expr or "constant_value" in expr)
    if isinstance(value, dict):
        inner = expr[0] if isinstance(expr, list) and expr else expr
        return {k: with_origins(v, inner if leaf else (inner.get(k) if isinstance(inner, dict) else None), resolve)
                for k, v in value.items()}
    if isinstance(value, list):
        return [with_origins(item, expr if leaf else (expr[i] if isinstance(expr, list) and i < len(expr) else None), resolve)
                for i, item in enumerate(value)]
    return value


class PlanResource:
    """One managed resource of a plan or state, read through the ResourceView protocol."""

    module = SimpleNamespace(data={})  # a plan records no data-source configuration to evaluate

    def __init__(self, *, address: str, type_: str, name: str, values: dict[str, Any], configured: dict[str, Any],
                 file: str, line: int, scope: Scope, resolve: Callable[[list[str]], str | None]) -> None:
        self.address = address
        self.type = type_
        self.scope = scope
        self.values: dict[str, Any] = {}
        # argument -> the resource its configuration expression references (known value or not)
        self.references: dict[str, str] = {}
        for key, expr in configured.items():
            refs = expr.get("references") if isinstance(expr, dict) else None
            if isinstance(refs, list) and (found := resolve([r for r in refs if isinstance(r, str)])):
                self.references[key] = found
        for key, value in values.items():
            value = with_origins(value, configured.get(key), resolve)
            if isinstance(value, Unknown) and key not in configured and value.origin is None:
                value = Unknown(value.reason, origin=address)  # computed by this resource, as in HCL
            self.values[key] = value
        attrs = {key: ast.Attribute(key, ast.Literal(value, line), line)
                 for key, value in self.values.items()
                 if value is not None and not (isinstance(value, Unknown) and key not in configured)}
        self.declared = Declared(ast.Block("resource", [type_, name], attrs, [], line, line), file)
        self._provider: PlanProviderRef | None = None

    def bind_provider(self, provider: PlanProvider | None, cloud: Cloud, via: list[Evidence]) -> None:
        self._provider = PlanProviderRef(PlanProviderConfig(provider, cloud, self), via)

    def provider(self) -> PlanProviderRef:
        assert self._provider is not None, "bind_provider() first"
        return self._provider

    def get(self, name: str, trace: list[Evidence] | None) -> Any:
        if name in self.values:
            if trace is not None:
                trace.append(Evidence(file=self.declared.file, line=self.declared.block.line, note=f"{self.address}.{name}"))
            return self.values[name]
        return Unknown(f"{self.address}.{name} is not in the plan", origin=self.address)

    def materialize(self) -> dict[str, Any]:
        out = dict(self.values)
        for attr in ("id", "arn", "name"):
            out.setdefault(attr, Unknown(f"{self.address}.{attr} is not in the plan", origin=self.address))
        return out

    def attr_line(self, name: str) -> int:
        return self.declared.block.line


def plan_scope() -> Scope:
    """What the evaluator reads a plan resource's literal arguments in (one budget per plan)."""
    return Scope(None, budget=Budget())  # type: ignore[arg-type]
