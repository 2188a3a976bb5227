"""Terraform's JSON configuration syntax (`.tf.json`, `.tfvars.json`) into the same tree.

Strings are templates, as Terraform reads them; object values inside a block body are
offered both as attributes and as nested blocks, since only a provider schema could say
which one a key is.
"""

from __future__ import annotations

import json
import re
from typing import Any

from analyzer.hcl import ast
from analyzer.hcl.parse import HclSyntaxError, parse_expression
from analyzer.hcl.template import TemplateError, parse_template

_LABELS = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1, "output": 1}
_LITERAL_BODIES = {"variable"}  # variable defaults are literal JSON, not expressions
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _without_lone_surrogates(data: Any) -> Any:
    """`"\\ud800"` decodes to a lone surrogate no output format can encode; Go's JSON decoder
    (Terraform's) reads it as U+FFFD, and so do we. Iterative: the data may be deep."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value

    root = [data]
    pending: list[Any] = [root]
    while pending:
        container = pending.pop()
        if isinstance(container, list):
            for index, item in enumerate(container):
                container[index] = clean(item)
                if isinstance(item, (list, dict)):
                    pending.append(item)
        else:
            for key in list(container):
                item = container.pop(key)
                container[clean(key)] = clean(item)
                if isinstance(item, (list, dict)):
                    pending.append(item)
    return root[0]


def parse_json_text(text: str, path: str, *, tfvars: bool = False) -> ast.FileBody:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise HclSyntaxError(f"invalid JSON: {err.msg}", err.lineno, err.colno) from None
    except RecursionError:
        raise HclSyntaxError("invalid JSON: nesting too deep", 1) from None
    if _SURROGATE_ESCAPE.search(text):
        data = _without_lone_surrogates(data)
    if not isinstance(data, dict):
        raise HclSyntaxError("a Terraform JSON file must hold an object at the top level", 1)
    finder = _LineFinder(text)
    if tfvars:
        return ast.FileBody(path=path, attrs={k: ast.Attribute(k, ast.Literal(v), finder.line(k)) for k, v in data.items()})
    blocks: list[ast.Block] = []
    try:
        for block_type, content in data.items():
            if block_type == "//":
                continue
            depth = _LABELS.get(block_type, 0)
            for labels, body in _unwrap(content, depth):
                line = finder.line(labels[-1] if labels else block_type)
                blocks.append(_block(block_type, labels, body, line, literal=block_type in _LITERAL_BODIES))
    except (TemplateError, RecursionError) as err:
        raise HclSyntaxError(str(err) or "nesting too deep") from None
    return ast.FileBody(path=path, blocks=blocks)


def _unwrap(content: Any, depth: int) -> list[tuple[list[str], Any]]:
    if depth == 0:
        return [([], body) for body in (content if isinstance(content, list) else [content])]
    if not isinstance(content, dict):
        raise TemplateError("expected an object of labelled blocks")
    out: list[tuple[list[str], Any]] = []
    for label, inner in content.items():
        for labels, body in _unwrap(inner, depth - 1):
            out.append(([label, *labels], body))
    return out


def _block(type_: str, labels: list[str], body: Any, line: int, *, literal: bool = False) -> ast.Block:
    attrs: dict[str, ast.Attribute] = {}
    blocks: list[ast.Block] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "//":
                continue
            if literal and key == "type" and isinstance(value, str):
                expr: ast.Expr = parse_expression(value)  # `"object({...})"`: a type expression
            else:
                expr = ast.Literal(value) if literal else _expr(value)
            attrs[key] = ast.Attribute(key, expr, line)
            if not literal and isinstance(value, dict):
                blocks.append(_block(key, [], value, line))
            elif not literal and isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                blocks.extend(_block(key, [], v, line) for v in value)
    return ast.Block(type_, labels, attrs, blocks, line, line)


def _expr(value: Any) -> ast.Expr:
    if isinstance(value, str):
        return parse_template(value, parse_expression)
    if isinstance(value, list):
        return ast.TupleExpr([_expr(v) for v in value])
    if isinstance(value, dict):
        return ast.ObjectExpr([(ast.Literal(k), _expr(v)) for k, v in value.items()])
    return ast.Literal(value)


class _LineFinder:
    """Best-effort line of a JSON key (JSON parsing keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def line(self, key: str) -> int:
        match = re.search(r'"' + re.escape(key) + r'"\s*:', self.text)
        return self.text.count("\n", 0, match.start()) + 1 if match else 1
