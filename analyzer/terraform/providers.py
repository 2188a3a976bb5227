"""Provider configurations of a module and the placement settings they give the resources using
them; the rules themselves are format-neutral (analyzer/placements.py ProviderSettings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analyzer.hcl import ast
from analyzer.models import Cloud, Evidence
from analyzer.placements import CLOUD_OF_PROVIDER, ProviderSettings, Setting
from analyzer.terraform.evaluate import Scope, evaluate_safely

if TYPE_CHECKING:
    from analyzer.terraform.module import ModuleInstance

__all__ = ["ProviderConfig", "ProviderRef", "Setting"]


@dataclass
class ProviderConfig(ProviderSettings):
    """A `provider` block (or the implicit empty default) in the module that declares it."""

    name: str  # provider local name, e.g. "aws"
    alias: str | None
    block: ast.Block | None
    module: "ModuleInstance"
    file: str
    _memo: dict[str, Setting] = field(default_factory=dict)
    cloud: Cloud = field(init=False)
    address: str = field(init=False)
    who: str = field(init=False)
    implicit: bool = field(init=False)
    roles: int = field(init=False)

    def __post_init__(self) -> None:
        self.cloud = CLOUD_OF_PROVIDER.get(self.name, "unknown")
        self.address = f"{self.module.address + '.' if self.module.address else ''}provider.{self.key}"
        self.implicit = self.block is None
        self.who = f"implicit provider {self.key}" if self.implicit else self.address
        self.roles = len(self.block.children("assume_role")) if self.block is not None else 0

    @property
    def key(self) -> str:
        return f"{self.name}.{self.alias}" if self.alias else self.name

    @property
    def line(self) -> int:
        return self.block.line if self.block is not None else 0

    def _block(self, role: int | None) -> ast.Block | None:
        return self.block if role is None or self.block is None else self.block.children("assume_role")[role]

    def _has(self, name: str, role: int | None = None) -> bool:
        block = self._block(role)
        return block is not None and name in block.attrs

    def _attr(self, name: str, role: int | None = None) -> Setting | None:
        block = self._block(role)
        if block is None or name not in block.attrs:
            return None
        attribute = block.attrs[name]
        trace: list[Evidence] = [Evidence(file=attribute.file or self.file, line=attribute.line, note=f"{self.address} {name}")]
        return Setting(evaluate_safely(attribute.expr, Scope(self.module), trace), trace)

    def _decl(self) -> list[Evidence]:
        if self.block is None:
            return [Evidence(file=self.module.rel_dir or ".", line=0, note=f"no provider \"{self.name}\" block: {self.key} is implicit")]
        return [Evidence(file=self.file, line=self.block.line, note=self.address)]


@dataclass
class ProviderRef:
    """A provider configuration as one module instance sees it, with how it got there."""

    config: ProviderConfig
    via: list[Evidence] = field(default_factory=list)
