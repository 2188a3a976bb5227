"""Syntax tree for HCL expressions and bodies.

Plain slotted dataclasses: they are built once per file and walked many times by the
evaluator. Every expression carries the 1-based line it starts on (0 when it was not read
from HCL source, e.g. a `--var` value); the line never takes part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(slots=True)
class Literal:
    value: Any
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Name:
    name: str
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class GetAttr:
    obj: "Expr"
    name: str
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Index:
    obj: "Expr"
    key: "Expr"
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Splat:
    """`obj[*].a.b` or `obj.*.a`: steps are applied to each element."""

    obj: "Expr"
    steps: list[tuple[str, Any]]  # ("attr", name) | ("index", Expr)
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Call:
    name: str
    args: list["Expr"]
    expand: bool = False
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class TupleExpr:
    items: list["Expr"]
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class ObjectExpr:
    # (key expression, value expression); a bare identifier key is a Literal string
    items: list[tuple["Expr", "Expr"]]
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Unary:
    op: str
    operand: "Expr"
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Conditional:
    cond: "Expr"
    then: "Expr"
    other: "Expr"
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: "Expr"
    value: "Expr"
    key: "Expr | None" = None  # set for object results
    cond: "Expr | None" = None
    group: bool = False
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class TemplateIf:
    cond: "Expr"
    then: list["TemplatePart"]
    other: list["TemplatePart"]
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class TemplateFor:
    key_var: str | None
    value_var: str
    collection: "Expr"
    body: list["TemplatePart"]
    line: int = field(default=0, compare=False, repr=False)


TemplatePart = Union[str, "Expr", TemplateIf, TemplateFor]


@dataclass(slots=True)
class Template:
    parts: list[TemplatePart]
    line: int = field(default=0, compare=False, repr=False)


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
    """Dotted reference prefixes an expression uses, e.g. ("var", "region").

    Iterative: a 1,000-term operator chain is a 1,000-deep tree."""
    found: list[tuple[str, ...]] = []
    pending: list[Any] = [expr]
    while pending:
        node = pending.pop()
        if node is None or isinstance(node, str):
            continue
        chain = _ref_chain(node)
        if chain:
            found.append(chain)
        pending.extend(reversed(_operands(node, bool(chain))))
    return found


def _operands(node: Any, is_chain: bool) -> list[Any]:
    """The sub-expressions to visit after `node`, in source order."""
    if isinstance(node, GetAttr):
        return [] if is_chain else [node.obj]
    if isinstance(node, Index):
        return [node.key] if is_chain else [node.obj, node.key]
    if isinstance(node, Splat):
        return [node.obj]
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, TupleExpr):
        return list(node.items)
    if isinstance(node, ObjectExpr):
        return [part for item in node.items for part in item]
    if isinstance(node, Unary):
        return [node.operand]
    if isinstance(node, Binary):
        return [node.left, node.right]
    if isinstance(node, Conditional):
        return [node.cond, node.then, node.other]
    if isinstance(node, ForExpr):
        return [node.collection, node.value, node.key, node.cond]
    if isinstance(node, Template):
        return list(node.parts)
    if isinstance(node, TemplateIf):
        return [node.cond, *node.then, *node.other]
    if isinstance(node, TemplateFor):
        return [node.collection, *node.body]
    return []


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
