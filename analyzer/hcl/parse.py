"""Parse HCL native syntax into analyzer.hcl.ast.

Uses the lark grammar of bc-python-hcl2 (the parser checkov pins) but builds our own tree
from lark's parse tree: hcl2's own dict output re-serialises expressions to strings,
drops parentheses and line numbers of attributes, which a residency proof cannot afford.
The grammar parses binary operators flat and right-recursive, so operator precedence and
`cond ? a : b` grouping are restored here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from analyzer.hcl import ast
from analyzer.hcl.template import TemplateError, parse_template

_PRECEDENCE = {
    "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}
_HEREDOC = re.compile(r"<<-?([A-Za-z][\w.-]*)\n(.*?)\n?[ \t]*\1\Z", re.S)
_SKIP = re.compile(r"(?:#|//)\s*checkov:skip=([A-Za-z0-9_]+)(?::\s*(.*))?")


class HclSyntaxError(ValueError):
    """A syntax error with the 1-based line (and column) where it was found."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _lark() -> Any:
    # Imported lazily: building the grammar costs ~50 ms and workers share it once loaded.
    from hcl2.parser import Hcl2

    return Hcl2.lark_parser


def parse_file_text(text: str, path: str) -> ast.FileBody:
    """Parse one `.tf`/`.tfvars` file. Raises HclSyntaxError with a line on bad input."""
    try:
        tree = _lark().parse(text + "\n")
    except UnexpectedInput as err:
        line = getattr(err, "line", 0) or 0
        column = getattr(err, "column", 0) or 0
        raise HclSyntaxError(_describe(err), line, column) from None
    except LarkError as err:
        raise HclSyntaxError(f"cannot parse: {err}".splitlines()[0]) from None
    body = _children(tree)[0]
    try:
        blocks, attrs = _body(body)
    except TemplateError as err:
        raise HclSyntaxError(str(err)) from None
    except RecursionError:
        raise HclSyntaxError("expression nesting too deep") from None
    result = ast.FileBody(path=path, blocks=blocks, attrs=attrs)
    if "checkov:skip" in text:
        for number, line_text in enumerate(text.splitlines(), start=1):
            for match in _SKIP.finditer(line_text):
                result.skips.setdefault(number, []).append((match.group(1), (match.group(2) or "").strip()))
    return result


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> ast.Expr:
    """Parse a standalone expression (template interpolations, `--var` values).

    Cached: interpolations like `${var.name}` repeat across files, and the tree is never
    mutated after parsing."""
    try:
        tree = _lark().parse(f"__expr = {text}\n")
    except (UnexpectedInput, LarkError) as err:
        raise TemplateError(f"invalid expression `{text.strip()[:60]}`: {str(err).splitlines()[0]}") from None
    attribute = _children(_children(tree)[0])[0]
    return _expr(_children(attribute)[1])


def _describe(err: UnexpectedInput) -> str:
    token = getattr(err, "token", None)
    if token is not None and str(token) != "":
        shown = str(token).replace("\n", "\\n")[:40]
        return f"unexpected `{shown}`"
    char = getattr(err, "char", None)
    if char:
        return f"unexpected character `{char}`"
    return "unexpected end of input (unclosed block, string or bracket?)"


def _children(tree: Tree) -> list[Any]:
    return [c for c in tree.children if not (isinstance(c, Token) and c.type.startswith("_NEW"))]


def _body(tree: Tree) -> tuple[list[ast.Block], dict[str, ast.Attribute]]:
    blocks: list[ast.Block] = []
    attrs: dict[str, ast.Attribute] = {}
    for child in _children(tree):
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name_tree, value = _children(child)
            name = _ident(name_tree)
            attrs[name] = ast.Attribute(name, _expr(value), child.meta.line)
        elif child.data == "block":
            parts = _children(child)
            type_ = _ident(parts[0])
            labels = [_label(p) for p in parts[1:-1]]
            inner_blocks, inner_attrs = _body(parts[-1])
            blocks.append(ast.Block(type_, labels, inner_attrs, inner_blocks, child.meta.line, child.meta.end_line))
    return blocks, attrs


def _ident(tree: Any) -> str:
    if isinstance(tree, Tree):
        return str(tree.children[0])
    return str(tree)


def _label(part: Any) -> str:
    if isinstance(part, Token) and part.type == "STRING_LIT":
        return str(part)[1:-1]
    return _ident(part)


def _expr(node: Any) -> ast.Expr:
    if isinstance(node, Token):
        return _token(node)
    kind = node.data
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise TemplateError(f"unsupported syntax: {kind}")
    return handler(node)


def _token(token: Token) -> ast.Expr:
    if token.type == "STRING_LIT":
        return parse_template(str(token)[1:-1], parse_expression)
    return ast.Literal(str(token))


def _expr_term(node: Tree) -> ast.Expr:
    kids = _children(node)
    return _expr(kids[0])


def _identifier(node: Tree) -> ast.Expr:
    name = str(node.children[0])
    if name == "true":
        return ast.Literal(True)
    if name == "false":
        return ast.Literal(False)
    if name == "null":
        return ast.Literal(None)
    return ast.Name(name)


def _int(node: Tree) -> ast.Expr:
    return ast.Literal(int("".join(str(c) for c in node.children)))


def _float(node: Tree) -> ast.Expr:
    return ast.Literal(float("".join(str(c) for c in node.children)))


def _tuple(node: Tree) -> ast.Expr:
    return ast.TupleExpr([_expr(c) for c in _children(node) if isinstance(c, Tree) or _is_value_token(c)])


def _is_value_token(token: Any) -> bool:
    return isinstance(token, Token) and token.type == "STRING_LIT"


def _object(node: Tree) -> ast.Expr:
    items: list[tuple[ast.Expr, ast.Expr]] = []
    for elem in _children(node):
        if not isinstance(elem, Tree):
            continue
        key_node, value_node = [c for c in _children(elem) if isinstance(c, Tree) or _is_value_token(c)][:2]
        items.append((_object_key(key_node), _expr(value_node)))
    return ast.ObjectExpr(items)


def _object_key(node: Any) -> ast.Expr:
    if isinstance(node, Tree) and node.data == "identifier":
        return ast.Literal(str(node.children[0]))
    if isinstance(node, Tree) and node.data == "expr_term":
        inner = _children(node)[0]
        if isinstance(inner, Tree) and inner.data == "identifier":
            return ast.Literal(str(inner.children[0]))
    return _expr(node)


def _call(node: Tree) -> ast.Expr:
    kids = _children(node)
    name = _ident(kids[0])
    args = [_expr(a) for a in _children(kids[1])] if len(kids) > 1 else []
    return ast.Call(name, args)


def _provider_call(node: Tree) -> ast.Expr:
    kids = [k for k in _children(node) if isinstance(k, Tree)]
    idents = [_ident(k) for k in kids if k.data == "identifier"]
    args_tree = [k for k in kids if k.data == "arguments"]
    args = [_expr(a) for a in _children(args_tree[0])] if args_tree else []
    return ast.Call("provider::" + "::".join(idents), args)


def _index_term(node: Tree) -> ast.Expr:
    obj_node, index_node = _children(node)
    return ast.Index(_expr(obj_node), _index_key(index_node))


def _index_key(index_node: Tree) -> ast.Expr:
    kids = _children(index_node)
    if kids and isinstance(kids[0], Token) and kids[0].type == "DECIMAL":
        return ast.Literal(int("".join(str(k) for k in kids)))
    return _expr(kids[0])


def _get_attr_term(node: Tree) -> ast.Expr:
    obj_node, attr_node = _children(node)
    return ast.GetAttr(_expr(obj_node), _ident(_children(attr_node)[0]))


def _splat_term(node: Tree) -> ast.Expr:
    obj_node, splat_node = _children(node)
    steps: list[tuple[str, Any]] = []
    for step in _children(splat_node):
        if not isinstance(step, Tree):
            continue
        if step.data == "get_attr":
            steps.append(("attr", _ident(_children(step)[0])))
        else:
            steps.append(("index", _index_key(step)))
    if node.data == "full_splat_expr_term":
        return ast.Splat(_expr(obj_node), steps)
    # legacy `.*`: only the attribute accesses right after it apply to each element; an index
    # (and what follows) applies to the resulting list, as in Terraform
    cut = next((i for i, (kind, _) in enumerate(steps) if kind == "index"), len(steps))
    result: ast.Expr = ast.Splat(_expr(obj_node), steps[:cut])
    for kind, arg in steps[cut:]:
        result = ast.Index(result, arg) if kind == "index" else ast.GetAttr(result, arg)
    return result


def _heredoc(node: Tree) -> ast.Expr:
    raw = str(node.children[0])
    match = _HEREDOC.match(raw)
    if not match:
        raise TemplateError("invalid heredoc")
    text = match.group(2)
    if raw.startswith("<<-"):
        lines = text.split("\n")
        indent = min((len(l) - len(l.lstrip(" ")) for l in lines if l.strip()), default=0)
        text = "\n".join(l[indent:] for l in lines)
    return parse_template(text + "\n", parse_expression, escapes=False)


def _unary(node: Tree) -> ast.Expr:
    kids = _children(node)
    return ast.Unary(str(kids[0]), _expr(kids[1]))


def _conditional(node: Tree) -> ast.Expr:
    cond, then, other = [_expr(k) for k in _children(node)]
    return ast.Conditional(cond, then, other)


def _binary(node: Tree) -> ast.Expr:
    """Flatten the grammar's right-recursive chain, then rebuild it by precedence."""
    operands: list[ast.Expr] = []
    ops: list[str] = []
    tails: list[tuple[ast.Expr, ast.Expr]] = []
    current: Tree = node
    while True:
        left, term = _children(current)
        operands.append(_expr(left))
        op_node, right = _children(term)
        ops.append(str(op_node.children[0]) if isinstance(op_node, Tree) else str(op_node))
        if isinstance(right, Tree) and right.data == "conditional":
            cond, then, other = _children(right)
            tails.append((_expr(then), _expr(other)))
            right = cond
        if isinstance(right, Tree) and right.data == "binary_op":
            current = right
            continue
        operands.append(_expr(right))
        break
    result = _climb(operands, ops)
    for then, other in reversed(tails):
        result = ast.Conditional(result, then, other)
    return result


def _climb(operands: list[ast.Expr], ops: list[str]) -> ast.Expr:
    # shunting-yard; all HCL binary operators are left-associative
    out: list[ast.Expr] = [operands[0]]
    stack: list[str] = []
    for op, operand in zip(ops, operands[1:]):
        while stack and _PRECEDENCE[stack[-1]] >= _PRECEDENCE[op]:
            right = out.pop()
            out.append(ast.Binary(stack.pop(), out.pop(), right))
        stack.append(op)
        out.append(operand)
    while stack:
        right = out.pop()
        out.append(ast.Binary(stack.pop(), out.pop(), right))
    return out[0]


def _for(node: Tree) -> ast.Expr:
    kids = _children(node)
    intro = next(k for k in kids if isinstance(k, Tree) and k.data == "for_intro")
    cond_tree = next((k for k in kids if isinstance(k, Tree) and k.data == "for_cond"), None)
    exprs = [k for k in kids if (isinstance(k, Tree) and k.data not in ("for_intro", "for_cond")) or _is_value_token(k)]
    group = any(isinstance(k, Token) and str(k) == "..." for k in kids)
    intro_kids = _children(intro)
    idents = [_ident(k) for k in intro_kids if isinstance(k, Tree) and k.data == "identifier"]
    collection = [k for k in intro_kids if (isinstance(k, Tree) and k.data != "identifier") or _is_value_token(k)][0]
    key_var, value_var = (idents[0], idents[1]) if len(idents) == 2 else (None, idents[0])
    cond = None
    if cond_tree is not None:
        cond = _expr([k for k in _children(cond_tree) if isinstance(k, Tree) or _is_value_token(k)][0])
    if node.data == "for_object_expr":
        return ast.ForExpr(key_var, value_var, _expr(collection), _expr(exprs[1]), _expr(exprs[0]), cond, group)
    return ast.ForExpr(key_var, value_var, _expr(collection), _expr(exprs[0]), None, cond)


_HANDLERS = {
    "expr_term": _expr_term,
    "identifier": _identifier,
    "int_lit": _int,
    "float_lit": _float,
    "tuple": _tuple,
    "object": _object,
    "function_call": _call,
    "provider_function_call": _provider_call,
    "index_expr_term": _index_term,
    "get_attr_expr_term": _get_attr_term,
    "attr_splat_expr_term": _splat_term,
    "full_splat_expr_term": _splat_term,
    "heredoc_template": _heredoc,
    "heredoc_template_trim": _heredoc,
    "unary_op": _unary,
    "conditional": _conditional,
    "binary_op": _binary,
    "for_tuple_expr": _for,
    "for_object_expr": _for,
}
