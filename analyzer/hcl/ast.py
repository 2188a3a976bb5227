"""Syntax tree for HCL expressions and bodies.

Plain slotted dataclasses: they are built once per file, cached by content hash (pickle),
and walked many times by the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(slots=True)
class Literal:
    value: Any


@dataclass(slots=True)
class Name:
    name: str


@dataclass(slots=True)
class GetAttr:
    obj: "Expr"
    name: str


@dataclass(slots=True)
class Index:
    obj: "Expr"
    key: "Expr"


@dataclass(slots=True)
class Splat:
    """`obj[*].a.b` or `obj.*.a`: steps are applied to each element."""

    obj: "Expr"
    steps: list[tuple[str, Any]]  # ("attr", name) | ("index", Expr)


@dataclass(slots=True)
class Call:
    name: str
    args: list["Expr"]
    expand: bool = False


@dataclass(slots=True)
class TupleExpr:
    items: list["Expr"]


@dataclass(slots=True)
class ObjectExpr:
    # (key expression, value expression); a bare identifier key is a Literal string
    items: list[tuple["Expr", "Expr"]]


@dataclass(slots=True)
class Unary:
    op: str
    operand: "Expr"


@dataclass(slots=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"


@dataclass(slots=True)
class Conditional:
    cond: "Expr"
    then: "Expr"
    other: "Expr"


@dataclass(slots=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: "Expr"
    value: "Expr"
    key: "Expr | None" = None  # set for object results
    cond: "Expr | None" = None
    group: bool = False


@dataclass(slots=True)
class TemplateIf:
    cond: "Expr"
    then: list["TemplatePart"]
    other: list["TemplatePart"]


@dataclass(slots=True)
class TemplateFor:
    key_var: str | None
    value_var: str
    collection: "Expr"
    body: list["TemplatePart"]


TemplatePart = Union[str, "Expr", TemplateIf, TemplateFor]


@dataclass(slots=True)
class Template:
    parts: list[TemplatePart]


Expr = Union[
    Literal, Name, GetAttr, Index, Splat, Call, TupleExpr, ObjectExpr, Unary, Binary,
    Conditional, ForExpr, Template,
]


@dataclass(slots=True)
class Attribute:
    name: str
    expr: Expr
    line: int
    file: str | None = None  # set when an override file replaced the block's own argument


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    attrs: dict[str, Attribute]
    blocks: list["Block"]
    line: int
    end_line: int

    def children(self, type_: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == type_]


@dataclass(slots=True)
class FileBody:
    """One parsed file: its top-level blocks (and attributes, for tfvars files)."""

    path: str
    blocks: list[Block] = field(default_factory=list)
    attrs: dict[str, Attribute] = field(default_factory=dict)
    # inline suppressions: line -> [(rule_id, reason)] from `# checkov:skip=ID: reason`
    skips: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def references(expr: Any) -> list[tuple[str, ...]]:
    """Dotted reference prefixes an expression uses, e.g. ("var", "region")."""
    found: list[tuple[str, ...]] = []
    _collect_refs(expr, found)
    return found


def _collect_refs(expr: Any, out: list[tuple[str, ...]]) -> None:
    chain = _ref_chain(expr)
    if chain:
        out.append(chain)
    if isinstance(expr, (GetAttr, Index)):
        _collect_refs(expr.obj, out) if not chain else None
        if isinstance(expr, Index):
            _collect_refs(expr.key, out)
        return
    if isinstance(expr, Name):
        return
    if isinstance(expr, Splat):
        _collect_refs(expr.obj, out)
    elif isinstance(expr, Call):
        for arg in expr.args:
            _collect_refs(arg, out)
    elif isinstance(expr, TupleExpr):
        for item in expr.items:
            _collect_refs(item, out)
    elif isinstance(expr, ObjectExpr):
        for key, value in expr.items:
            _collect_refs(key, out)
            _collect_refs(value, out)
    elif isinstance(expr, Unary):
        _collect_refs(expr.operand, out)
    elif isinstance(expr, Binary):
        _collect_refs(expr.left, out)
        _collect_refs(expr.right, out)
    elif isinstance(expr, Conditional):
        for part in (expr.cond, expr.then, expr.other):
            _collect_refs(part, out)
    elif isinstance(expr, ForExpr):
        for optional_part in (expr.collection, expr.value, expr.key, expr.cond):
            if optional_part is not None:
                _collect_refs(optional_part, out)
    elif isinstance(expr, Template):
        _collect_template_refs(expr.parts, out)


def _collect_template_refs(parts: list[Any], out: list[tuple[str, ...]]) -> None:
    for part in parts:
        if isinstance(part, str):
            continue
        if isinstance(part, TemplateIf):
            _collect_refs(part.cond, out)
            _collect_template_refs(part.then, out)
            _collect_template_refs(part.other, out)
        elif isinstance(part, TemplateFor):
            _collect_refs(part.collection, out)
            _collect_template_refs(part.body, out)
        else:
            _collect_refs(part, out)


def _ref_chain(expr: Any) -> tuple[str, ...]:
    names: list[str] = []
    node = expr
    while True:
        if isinstance(node, GetAttr):
            names.append(node.name)
            node = node.obj
        elif isinstance(node, Index):
            node = node.obj
            names.clear()  # keep only the part before an index
        elif isinstance(node, Name):
            names.append(node.name)
            return tuple(reversed(names))
        else:
            return ()
