"""The format-neutral view of one resource instance that every extractor reads.

The extractors named in `data/catalog.yaml` (placement, multi-region tests, flows, images,
endpoints: analyzer/terraform/{placement,flows,flows_extra}.py) and the one row builder
(analyzer/rows.py) use only what this protocol lists. Two adapters implement it:

* `analyzer.terraform.module.ResourceInstance`: an HCL resource instance, evaluated;
* `analyzer.plan.view.PlanResource`: one resource of a `terraform show -json` plan or state.

`get(name, trace)` answers a value, an `Unknown` (with its reason, and `origin`: the address
of the resource the value comes from, which linking follows), or None (null). `declared` is the
declaration: `file`, and a block whose `attrs` are the arguments the configuration sets (each
with its `line` and an `expr` the evaluator reads in `scope`), whose `blocks` are its nested
blocks and whose `line` is the resource's. `provider()` is the provider configuration the
instance uses (`config.setting("region"|"account"|"project")` -> value with evidence steps,
`config.key`, `config.address`) and `via`, how it got there.
"""

from __future__ import annotations

from typing import Any, Protocol

from analyzer.hcl import ast
from analyzer.models import Evidence


class DeclaredView(Protocol):
    @property
    def block(self) -> ast.Block: ...

    @property
    def file(self) -> str: ...


class SettingView(Protocol):
    value: Any
    evidence: list[Evidence]


class ProviderConfigView(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def address(self) -> str: ...

    def setting(self, name: str) -> Any: ...  # SettingView


class ProviderRefView(Protocol):
    config: Any  # ProviderConfigView
    via: list[Evidence]


class ResourceView(Protocol):
    address: str
    scope: Any  # what the evaluator reads declared.block.attrs[...].expr in
    module: Any  # HCL only: the module's data sources (aws_iam_policy_document); a plan has none

    @property
    def type(self) -> str: ...

    @property
    def declared(self) -> Any: ...  # DeclaredView

    def get(self, name: str, trace: list[Evidence] | None) -> Any: ...

    def materialize(self) -> dict[str, Any]: ...

    def attr_line(self, name: str) -> int: ...

    def provider(self) -> Any: ...  # ProviderRefView
