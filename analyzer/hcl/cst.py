"""Build analyzer.hcl.ast from tree-sitter-hcl's concrete syntax tree.

The grammar hides `_expr_term`, so an operand arrives as a flat run of sibling nodes: one
primary (or `(` expression `)`) followed by its `.attr`, `[index]` and splat steps. Binary
chains and `?:` chains are walked iteratively (a 1,000-term chain is 1,000 deep); other
nesting is capped at MAX_NESTING levels with a clean syntax error instead of a
RecursionError. Text (numbers, template literals) is always read from the original source
bytes, so the `1e3` mask the parser may apply never shows; bytes that are not UTF-8 (a lone
surrogate smuggled in through `--var`) read as U+FFFD, which every output format can write.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from tree_sitter import Node

from analyzer.hcl import ast
from analyzer.hcl.errors import HclSyntaxError

MAX_NESTING = 100  # levels of brackets, calls, templates and blocks
# a nesting level costs 2 to 4 units and at most 7 Python frames: 4 * 100 units stay well
# inside Python's default limit of 1,000 frames, whoever the caller is
_DEPTH_LIMIT = 4 * MAX_NESTING
_BINARY = frozenset({"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_TEMPLATE_MARKERS = frozenset({
    "template_interpolation", "template_if_intro", "template_else_intro", "template_if_end",
    "template_for_start", "template_for_end",
})
_WRAPPERS = frozenset({"literal_value", "template_expr", "collection_value", "for_expr", "operation"})
_TEMPLATE_CONTAINERS = frozenset({"template_directive", "template_if", "template_for"})
_INFINITE = 1 << 62
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


def _kids(node: Node) -> list[Node]:
    children = node.children
    if len(children) == 1 and children[0].type != "comment":
        return children
    return [c for c in children if c.type != "comment"]


def _line(node: Node) -> int:
    return node.start_point.row + 1


class Builder:
    """One file's source bytes; builds its body and expressions."""

    def __init__(self, source: bytes) -> None:
        self.src = source
        self.depth = 0
        # handlers live in the class-level _PRIMARIES: bound methods kept on the instance would
        # make every Builder a reference cycle, holding its file's bytes until a gc pass

    def text(self, node: Node) -> str:
        return self.src[node.start_byte: node.end_byte].decode("utf-8", "replace")

    def _enter(self, node: Node) -> None:
        self.depth += 1
        if self.depth > _DEPTH_LIMIT:
            raise HclSyntaxError(f"nesting deeper than {MAX_NESTING} levels", _line(node), node.start_point.column + 1)

    # --- bodies -------------------------------------------------------------------------

    def body(self, node: Node) -> tuple[list[ast.Block], dict[str, ast.Attribute]]:
        """Blocks and attributes of a config_file or body node."""
        blocks: list[ast.Block] = []
        attrs: dict[str, ast.Attribute] = {}
        for child in _kids(node):
            kind = child.type
            if kind == "body":
                inner_blocks, inner_attrs = self.body(child)
                blocks.extend(inner_blocks)
                attrs.update(inner_attrs)
            elif kind == "attribute":
                parts = child.children if child.child_count == 3 else _kids(child)  # name = value
                name = self.text(parts[0])
                if name in attrs:
                    raise HclSyntaxError(f"attribute redefined: `{name}` was already set on line {attrs[name].line}; "
                                         "each argument may be set only once", _line(child), child.start_point.column + 1)
                attrs[name] = ast.Attribute(name, self.expr(parts[2]), _line(child))
            elif kind == "block":
                blocks.append(self._block(child))
            else:
                raise HclSyntaxError("expected blocks and `name = value` arguments here", _line(child))
        return blocks, attrs

    def _block(self, node: Node) -> ast.Block:
        for _ in range(4):
            self._enter(node)
        parts = _kids(node)
        labels: list[str] = []
        inner: tuple[list[ast.Block], dict[str, ast.Attribute]] = ([], {})
        for part in parts[1:]:
            if part.type == "identifier":
                labels.append(self.text(part))
            elif part.type == "string_lit":
                labels.append(self._label(part))
            elif part.type == "body":
                inner = self.body(part)
        self.depth -= 4
        return ast.Block(self.text(parts[0]), labels, inner[1], inner[0], _line(node), node.end_point.row + 1)

    def _label(self, node: Node) -> str:
        value = self._quoted(node)
        if not isinstance(value, ast.Literal) or not isinstance(value.value, str):
            raise HclSyntaxError("a block label must be a plain quoted string", _line(node))
        return value.value

    # --- expressions --------------------------------------------------------------------

    def expr(self, node: Node) -> ast.Expr:
        """An `expression` node."""
        self.depth += 1
        if self.depth > _DEPTH_LIMIT:
            self._enter(node)
        kids = node.children
        if len(kids) == 1:  # the common case: one primary, no traversal steps (nor comments)
            only = kids[0]
            result = self._conditional(only) if only.type == "conditional" else self._primary(only)
        else:
            result = self._term(_kids(node))
        self.depth -= 1
        return result

    def _term(self, kids: list[Node]) -> ast.Expr:
        """A primary followed by its traversal steps."""
        first = kids[0]
        self._enter(first)
        line = _line(first)
        if first.type == "(":
            result = self.expr(kids[1])
            rest = kids[3:]
        else:
            result = self._primary(first)
            rest = kids[1:]
        for step in rest:
            if step.type == "get_attr":
                result = ast.GetAttr(result, self.text(_kids(step)[1]), line=line)
            elif step.type == "index":
                result = ast.Index(result, self._index_key(step), line=line)
            elif step.type == "splat":
                result = self._splat(result, _kids(step)[0], line)
            else:
                raise self._unsupported(step)
        self.depth -= 1
        return result

    def _primary(self, node: Node) -> ast.Expr:
        # wrappers (literal_value, template_expr, ...) are unwrapped here rather than by
        # recursing: one level of depth each, as a call per level would count, without the calls
        outer = self.depth
        while True:
            kind = node.type
            handler = _PRIMARIES.get(kind)
            if handler is None:
                raise self._unsupported(node)
            self.depth += 1
            if self.depth > _DEPTH_LIMIT:
                self._enter(node)
            if kind not in _WRAPPERS:
                break
            child = node.child(0)  # exactly one child, and no room for a comment
            assert child is not None
            node = child
        result = handler(self, node)
        self.depth = outer
        return result

    def _bool(self, node: Node) -> ast.Expr:
        return ast.Literal(self.text(node) == "true", line=_line(node))

    def _null(self, node: Node) -> ast.Expr:
        return ast.Literal(None, line=_line(node))

    def _variable(self, node: Node) -> ast.Expr:
        return ast.Name(self.text(node if node.child_count == 1 else _kids(node)[0]), line=_line(node))

    def _unsupported(self, node: Node) -> HclSyntaxError:
        return HclSyntaxError(f"unsupported syntax ({node.type})", _line(node), node.start_point.column + 1)

    def _wrapper(self, node: Node) -> ast.Expr:
        # literal_value, template_expr, ...: exactly one child, and no room for a comment
        child = node.child(0)
        assert child is not None
        return self._primary(child)

    def _number(self, node: Node) -> ast.Expr:
        text = self.text(node)
        line = _line(node)
        if not text[:1].isdigit() or text[:2].lower() == "0x":
            raise HclSyntaxError(f"invalid number `{text[:20]}`", line, node.start_point.column + 1)
        try:
            if text.isdigit():
                return ast.Literal(int(text), line=line)
            number = Decimal(text)
            if "." not in text and number == number.to_integral_value() and number.adjusted() < 400:
                return ast.Literal(int(number), line=line)
            return ast.Literal(float(text), line=line)
        except (ValueError, InvalidOperation):
            raise HclSyntaxError(f"number too long ({len(text)} digits)", line) from None

    def _tuple(self, node: Node) -> ast.Expr:
        return ast.TupleExpr([self.expr(c) for c in _kids(node) if c.type == "expression"], line=_line(node))

    def _object(self, node: Node) -> ast.Expr:
        items: list[tuple[ast.Expr, ast.Expr]] = []
        for elem in _kids(node):
            if elem.type != "object_elem":
                continue
            key_node, _, value_node = _kids(elem)[:3]
            key_kids = _kids(key_node)
            if len(key_kids) == 1 and key_kids[0].type == "variable_expr":
                key: ast.Expr = ast.Literal(self.text(key_kids[0]), line=_line(key_node))  # a bare name is a string key
            else:
                key = self.expr(key_node)
            items.append((key, self.expr(value_node)))
        return ast.ObjectExpr(items, line=_line(node))

    def _call(self, node: Node) -> ast.Expr:
        kids = _kids(node)
        args: list[ast.Expr] = []
        expand = False
        for part in kids[1:]:
            if part.type == "function_arguments":
                arg_nodes = _kids(part)
                args = [self.expr(a) for a in arg_nodes if a.type == "expression"]
                expand = any(a.type == "ellipsis" for a in arg_nodes)
        return ast.Call(self.text(kids[0]), args, expand, line=_line(node))

    def _index_key(self, node: Node) -> ast.Expr:
        inner = _kids(node)[0]
        if inner.type == "legacy_index":  # `list.0`
            return ast.Literal(int(self.text(inner)[1:].strip()), line=_line(inner))
        return self.expr(next(c for c in _kids(inner) if c.type == "expression"))

    def _splat(self, obj: ast.Expr, node: Node, line: int) -> ast.Expr:
        steps: list[tuple[str, Any]] = []
        for step in _kids(node)[1:]:
            if step.type == "get_attr":
                steps.append(("attr", self.text(_kids(step)[1])))
            else:
                steps.append(("index", self._index_key(step)))
        if node.type == "full_splat":
            return ast.Splat(obj, steps, line=line)
        # legacy `.*`: only the attribute accesses right after it apply to each element; an index
        # (and what follows) applies to the resulting list, as in Terraform
        cut = next((i for i, (kind, _) in enumerate(steps) if kind == "index"), len(steps))
        result: ast.Expr = ast.Splat(obj, steps[:cut], line=line)
        for kind, arg in steps[cut:]:
            result = ast.Index(result, arg, line=line) if kind == "index" else ast.GetAttr(result, arg, line=line)
        return result

    def _for(self, node: Node) -> ast.Expr:
        kids = _kids(node)
        intro = next(k for k in kids if k.type == "for_intro")
        intro_kids = _kids(intro)
        names = [self.text(k) for k in intro_kids if k.type == "identifier"]
        collection = self.expr(next(k for k in intro_kids if k.type == "expression"))
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        exprs = [self.expr(k) for k in kids if k.type == "expression"]
        cond_node = next((k for k in kids if k.type == "for_cond"), None)
        cond = self.expr(next(k for k in _kids(cond_node) if k.type == "expression")) if cond_node is not None else None
        line = _line(node)
        if node.type == "for_object_expr":
            group = any(k.type == "ellipsis" for k in kids)
            return ast.ForExpr(key_var, value_var, collection, exprs[1], exprs[0], cond, group, line=line)
        return ast.ForExpr(key_var, value_var, collection, exprs[0], None, cond, line=line)

    def _unary(self, node: Node) -> ast.Expr:
        kids = _kids(node)
        return ast.Unary(kids[0].type, self._term(kids[1:]), line=_line(node))

    def _binary(self, node: Node) -> ast.Expr:
        """Left-associative chains nest on the left: walk that spine without recursion."""
        pending: list[tuple[str, list[Node], int]] = []
        current = node
        while True:
            kids = _kids(current)
            at = next(i for i, k in enumerate(kids) if not k.is_named and k.type in _BINARY)
            left = kids[:at]
            pending.append((kids[at].type, kids[at + 1:], _line(current)))
            if len(left) == 1 and left[0].type == "operation":
                inner = _kids(left[0])
                if len(inner) == 1 and inner[0].type == "binary_operation":
                    current = inner[0]
                    continue
            result = self._term(left)
            break
        while pending:
            op, right, line = pending.pop()
            result = ast.Binary(op, result, self._term(right), line=line)
        return result

    def _conditional(self, node: Node) -> ast.Expr:
        """tree-sitter groups `a ? b : c ? d : e` as `(a ? b : c) ? d : e`; HCL's `?:` is
        right-associative, so the chain is regrouped (iteratively) as `a ? b : (c ? d : e)`."""
        pairs: list[tuple[Node, Node]] = []
        current = node
        while True:
            kids = _kids(current)
            pairs.append((kids[2], kids[4]))
            cond_kids = _kids(kids[0])
            if len(cond_kids) == 1 and cond_kids[0].type == "conditional":
                current = cond_kids[0]
                continue
            base = kids[0]
            break
        pairs.reverse()  # source order: base ? then1 : else1 ? then2 : else2 ...
        conds = [base] + [other for _, other in pairs[:-1]]
        result = self.expr(pairs[-1][1])
        for cond_node, (then_node, _) in zip(reversed(conds), reversed(pairs)):
            result = ast.Conditional(self.expr(cond_node), self.expr(then_node), result, line=_line(cond_node))
        return result

    # --- templates ----------------------------------------------------------------------

    def _quoted(self, node: Node) -> ast.Expr:
        # the common case first, from the node's own span: `"plain text"` (the quotes are one
        # byte each) needs none of the child nodes, which tree-sitter builds anew on each access
        start, end = node.start_byte + 1, node.end_byte - 1
        raw = self.src[start:end]
        if b"\\" not in raw and b"{" not in raw and b"\n" not in raw and b'"' not in raw:
            return ast.Literal(raw.decode("utf-8", "replace"), line=node.start_point.row + 1)
        kids = node.children
        start, end = kids[0].end_byte, kids[-1].start_byte
        if len(kids) <= 3 and (len(kids) < 3 or kids[1].type == "template_literal"):
            raw = self.src[start:end]
            if b"\\" not in raw and b"{" not in raw and b"\n" not in raw:  # the common case: plain text
                return ast.Literal(raw.decode("utf-8", "replace"), line=_line(node))
        tokens = self._template_tokens(node, start, end, heredoc=False)
        return self._finish_template(tokens, _line(node))

    def _heredoc(self, node: Node) -> ast.Expr:
        kids = node.children
        opener = next(k for k in kids if k.type == "heredoc_identifier")
        closer = kids[-1]
        start = self.src.index(b"\n", opener.end_byte) + 1 if b"\n" in self.src[opener.end_byte: closer.start_byte] \
            else closer.start_byte
        end = self.src.rfind(b"\n", start, closer.start_byte) + 1 or start
        tokens = self._template_tokens(node, start, end, heredoc=True)
        tokens = _split_lines(tokens)
        _apply_strips(tokens)
        if self.text(kids[0]) == "<<-":
            _flush(tokens)
        return _nest(tokens, _line(node))

    def _finish_template(self, tokens: list[list[Any]], line: int) -> ast.Expr:
        _apply_strips(tokens)
        return _nest(tokens, line)

    def _template_tokens(self, node: Node, start: int, end: int, *, heredoc: bool) -> list[list[Any]]:
        """The template's parts in source order: literals (the source bytes between markers,
        unescaped) and markers [kind, strip_left, strip_right, line, payload...]."""
        markers: list[Node] = []
        stack = [c for c in reversed(node.children)]
        while stack:
            child = stack.pop()
            if child.type in _TEMPLATE_MARKERS:
                markers.append(child)
            elif child.type in _TEMPLATE_CONTAINERS:
                stack.extend(reversed(child.children))
        tokens: list[list[Any]] = []
        position = start
        if not heredoc and b"\n" in self.src[start:end]:
            self._reject_newline(start, end, markers)
        for marker in markers:
            if marker.start_byte > position:
                tokens.append(["lit", self._literal(position, marker.start_byte, heredoc)])
            tokens.append(self._marker(marker))
            position = marker.end_byte
        if end > position:
            tokens.append(["lit", self._literal(position, end, heredoc)])
        return tokens

    def _reject_newline(self, start: int, end: int, markers: list[Node]) -> None:
        """A raw newline in a quoted string's text (not inside `${ }`) is an error in HCL."""
        position = start
        for marker in [*markers, None]:
            stop = marker.start_byte if marker is not None else end
            at = self.src.find(b"\n", position, stop)
            if at >= 0:
                from analyzer.hcl.parse import MULTILINE_STRING

                raise HclSyntaxError(MULTILINE_STRING, self.src.count(b"\n", 0, at) + 1)
            if marker is not None:
                position = marker.end_byte

    def _literal(self, start: int, end: int, heredoc: bool) -> str:
        raw = self.src[start:end].decode("utf-8", "replace")
        try:
            return _unescape(raw, quoted=not heredoc)
        except HclSyntaxError as err:
            err.line = self.src.count(b"\n", 0, start) + 1 + raw.count("\n", 0, err.column)
            err.column = 0
            raise

    def _marker(self, node: Node) -> list[Any]:
        kids = _kids(node)
        keyword = next((k for k in kids if not k.is_named), None)
        strips = [k.start_byte for k in kids if k.type == "strip_marker"]
        exprs = [k for k in kids if k.type == "expression"]
        if node.type == "template_interpolation":
            body_start = exprs[0].start_byte if exprs else kids[-1].start_byte
            left = any(s < body_start for s in strips)
            right = any(s >= body_start for s in strips)
            if not exprs:
                raise HclSyntaxError("empty template interpolation `${}`", _line(node))
            self._enter(node)
            value = self.expr(exprs[0])
            self.depth -= 1
            return ["interp", left, right, _line(node), value]
        pivot = keyword.start_byte if keyword is not None else node.start_byte
        left = any(s < pivot for s in strips)
        right = any(s > pivot for s in strips)
        kind = {"template_if_intro": "if", "template_else_intro": "else", "template_if_end": "endif",
                "template_for_start": "for", "template_for_end": "endfor"}[node.type]
        if kind in ("if", "for"):
            self._enter(node)
            value = self.expr(exprs[0])
            self.depth -= 1
            names = [self.text(k) for k in kids if k.type == "identifier"]
            return [kind, left, right, _line(node), value, names]
        return [kind, left, right, _line(node)]


_PRIMARIES: dict[str, Callable[[Builder, Node], ast.Expr]] = {
    "literal_value": Builder._wrapper,
    "numeric_lit": Builder._number,
    "bool_lit": Builder._bool,
    "null_lit": Builder._null,
    "string_lit": Builder._quoted,
    "template_expr": Builder._wrapper,
    "quoted_template": Builder._quoted,
    "heredoc_template": Builder._heredoc,
    "collection_value": Builder._wrapper,
    "tuple": Builder._tuple,
    "object": Builder._object,
    "variable_expr": Builder._variable,
    "function_call": Builder._call,
    "for_expr": Builder._wrapper,
    "for_tuple_expr": Builder._for,
    "for_object_expr": Builder._for,
    "operation": Builder._wrapper,
    "unary_operation": Builder._unary,
    "binary_operation": Builder._binary,
}


def _unescape(raw: str, *, quoted: bool) -> str:
    """HCL escapes: `$${` and `%%{` everywhere; backslash escapes only in quoted strings."""
    if "$${" in raw or "%%{" in raw:
        raw = raw.replace("$${", "${").replace("%%{", "%{")
    if not quoted or "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1] if i + 1 < n else ""
        if nxt in _ESCAPES and nxt:
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        width = 4 if nxt == "u" else 8 if nxt == "U" else 0
        digits = raw[i + 2: i + 2 + width]
        if not width or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise HclSyntaxError(f"invalid escape sequence `{raw[i:i + 2 + width][:12]}`", 0, i)
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HclSyntaxError(f"invalid escape sequence `\\{nxt}{digits}`: not a Unicode character "
                                 "that UTF-8 can encode", 0, i)
        out.append(chr(code))
        i += 2 + width
    return "".join(out)


def _split_lines(tokens: list[list[Any]]) -> list[list[Any]]:
    """Heredoc literals become one token per line, as HCL's scanner makes them."""
    out: list[list[Any]] = []
    for token in tokens:
        if token[0] != "lit" or "\n" not in token[1]:
            out.append(token)
            continue
        out.extend(["lit", piece] for piece in _LINES.findall(token[1]))  # only "\n" ends a line in HCL
    return out


def _apply_strips(tokens: list[list[Any]]) -> None:
    """`~` after `${`/`%{` trims the literal before it; `~` before `}` the literal after it."""
    for index, token in enumerate(tokens):
        if token[0] == "lit":
            continue
        if token[1] and index > 0 and tokens[index - 1][0] == "lit":
            tokens[index - 1][1] = tokens[index - 1][1].rstrip()
        if token[2] and index + 1 < len(tokens) and tokens[index + 1][0] == "lit":
            tokens[index + 1][1] = tokens[index + 1][1].lstrip()


def _flush(tokens: list[list[Any]]) -> None:
    """`<<-`: remove the smallest indentation of the lines from each line (HCL's rules:
    whitespace-only lines do not count, a line starting with `${`/`%{` counts as zero)."""
    smallest = _INFINITE
    newline = True
    adjust: list[list[Any]] = []
    for token in tokens:
        if newline:
            newline = False
            if token[0] == "lit":
                trimmed = token[1].lstrip()
                if not trimmed and token[1].endswith("\n"):
                    spaces = _INFINITE
                else:
                    spaces = len(token[1]) - len(trimmed)
                    adjust.append(token)
            else:
                spaces = 0
            smallest = min(smallest, spaces)
        if token[0] == "lit" and token[1].endswith("\n"):
            newline = True
    if smallest == _INFINITE:
        return
    for token in adjust:
        token[1] = token[1][smallest:]


def _nest(tokens: list[list[Any]], line: int) -> ast.Expr:
    """Template parts with `%{ if }`/`%{ for }` bodies nested (the grammar already
    guarantees they are balanced). A lone `${x}` is x itself, as in Terraform."""
    root: list[ast.TemplatePart] = []
    current = root
    open_directives: list[tuple[Any, list[ast.TemplatePart]]] = []
    for token in tokens:
        kind = token[0]
        if kind == "lit":
            if not token[1]:
                continue
            if current and isinstance(current[-1], str):
                current[-1] += token[1]
            else:
                current.append(token[1])
        elif kind == "interp":
            current.append(token[4])
        elif kind == "if":
            node_if = ast.TemplateIf(token[4], [], [], line=token[3])
            current.append(node_if)
            open_directives.append((node_if, current))
            current = node_if.then
        elif kind == "else":
            current = open_directives[-1][0].other
        elif kind == "for":
            names = token[5]
            key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            node_for = ast.TemplateFor(key_var, value_var, token[4], [], line=token[3])
            current.append(node_for)
            open_directives.append((node_for, current))
            current = node_for.body
        else:  # endif / endfor
            current = open_directives.pop()[1]
    if not root:
        return ast.Literal("", line=line)
    if len(root) == 1:
        only = root[0]
        if isinstance(only, str):
            return ast.Literal(only, line=line)
        if not isinstance(only, (ast.TemplateIf, ast.TemplateFor)):
            return only
    return ast.Template(root, line=line)
