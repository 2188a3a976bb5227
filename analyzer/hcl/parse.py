"""Parse HCL native syntax into analyzer.hcl.ast.

tree-sitter's HCL grammar gives a concrete syntax tree with positions for every file
Terraform accepts; this module builds the project's typed tree from it (analyzer.hcl.cst
does the walking). The grammar's few departures from HashiCorp's parser are corrected there:
`1e3`, right-associative `?:`, the legacy `.*` splat, heredoc indentation, strip markers and
escapes. Errors (tree-sitter ERROR/MISSING nodes, invalid escapes, redefined attributes)
become HclSyntaxError at the first offending line.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from analyzer.hcl import ast
from analyzer.hcl.errors import HclSyntaxError
from analyzer.hcl.template import TemplateError

__all__ = ["HclSyntaxError", "parse_file_text", "parse_expression"]

_LANGUAGE = Language(tree_sitter_hcl.language())
_QUOTED = Query(_LANGUAGE, "[(quoted_template) (string_lit)] @q")
_NUMBERS = Query(_LANGUAGE, "(numeric_lit) @n")
MULTILINE_STRING = "unterminated string: a quoted string may not span lines (use \\n or a heredoc)"
_SKIP = re.compile(r"(?:#|//)\s*checkov:skip=([A-Za-z0-9_]+)(?::\s*(.*))?")
# tree-sitter-hcl only reads an exponent after a decimal point; `1e3` lexes as `1` then `e3`
_EXPONENT_HINT = re.compile(rb"[0-9][eE][+-]?[0-9]")
_EXPONENT_NUMBER = re.compile(rb"(?<![\w.\-])[0-9]+[eE][+-]?[0-9]+")
_SNIPPET = 24
_WHOLE = frozenset({"block", "attribute", "body"})
_CLOSERS = {
    "}": "}", "]": "]", ")": ")", "block_end": "}", "object_end": "}", "tuple_end": "]",
    "quoted_template_end": '"', "template_interpolation_end": "}", "template_directive_end": "}",
    "heredoc_identifier": "heredoc end marker",
}


def parse_file_text(text: str, path: str) -> ast.FileBody:
    """Parse one `.tf`/`.tfvars` file. Raises HclSyntaxError with a line on bad input."""
    from analyzer.hcl.cst import Builder

    source = text.encode("utf-8", "surrogatepass")
    tree = _parse(source)
    builder = Builder(source)
    blocks, attrs = builder.body(tree.root_node)
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
        body = parse_file_text(f"__expr = {text}\n", "<expression>")
    except HclSyntaxError as err:
        raise TemplateError(f"invalid expression `{text.strip()[:60]}`: {err}") from None
    if body.blocks or list(body.attrs) != ["__expr"]:
        raise TemplateError(f"invalid expression `{text.strip()[:60]}`: more than one expression")
    return body.attrs["__expr"].expr


def _parse(source: bytes) -> Tree:
    parser = Parser(_LANGUAGE)
    tree = parser.parse(source)
    if _EXPONENT_HINT.search(source):  # a misread `1e3` may even parse without an error node
        tree = _reparse_exponents(parser, source, tree)
    if tree.root_node.has_error:
        error = _first_error(tree.root_node, source)
        split = _first_multiline_string(tree.root_node, source)
        raise split if split is not None and split.line <= error.line else error
    return tree


def _reparse_exponents(parser: Parser, source: bytes, tree: Tree) -> Tree:
    """Reparse with each misread exponent number masked as digits of the same length.

    Only numbers tree-sitter itself lexed as a number (never text inside strings or
    comments) are masked; the builder reads every number from the original bytes."""
    masked = bytearray(source)
    candidates = [match.span() for match in _EXPONENT_NUMBER.finditer(source)]
    for _ in range(8):  # error recovery can hide a later number until an earlier one is fixed
        numbers = {node.start_byte for node in QueryCursor(_NUMBERS).captures(tree.root_node).get("n", [])}
        fixed = [(start, end) for start, end in candidates if start in numbers]
        if not fixed:
            break
        for start, end in fixed:
            masked[start:end] = re.sub(rb"[eE+\-]", b"0", source[start:end])
        candidates = [span for span in candidates if span[0] not in numbers]
        tree = parser.parse(bytes(masked))
    return tree


def _first_error(root: Node, source: bytes) -> HclSyntaxError:
    """The first ERROR or MISSING node in source order, as a user-facing error."""
    node = root
    while True:
        nxt = next((c for c in node.children if c.is_error or c.is_missing or c.has_error), None)
        if nxt is None or node.is_error or node.is_missing:
            break
        node = nxt
    if node.is_error:
        node = _culprit(node)
    line, column = node.start_point.row + 1, node.start_point.column + 1
    if node.is_missing and not source[node.start_byte:].strip():
        # at the end of the file: name the last line that has content, as users look there
        before = source[: node.start_byte].rstrip()
        return HclSyntaxError("unexpected end of input (unclosed block, string or bracket?)",
                              before.count(b"\n") + 1, len(before) - before.rfind(b"\n"))
    if node.is_missing and node.type in _CLOSERS:
        return HclSyntaxError(f"missing `{_CLOSERS[node.type]}` (unclosed block, bracket, string or heredoc?)", line, column)
    if node.is_missing:
        rest = source[node.start_byte: node.start_byte + 200].split()
        if not rest:
            return HclSyntaxError("unexpected end of input (unclosed block, string or bracket?)", line, column)
        return HclSyntaxError(f"unexpected `{snippet(rest[0])}`", line, column)
    first = next((c for c in node.children if not c.has_error and c.end_byte > c.start_byte), None)
    shown = source[node.start_byte: node.end_byte].split(b"\n", 1)[0]
    if not shown.strip():
        return HclSyntaxError("unexpected end of input (unclosed block, string or bracket?)", line, column)
    token = source[first.start_byte: first.end_byte] if first is not None and first.child_count == 0 else shown
    return HclSyntaxError(f"unexpected `{snippet(token)}`", line, column)


def _first_multiline_string(root: Node, source: bytes) -> HclSyntaxError | None:
    """tree-sitter lets a quoted string run over lines (Terraform does not), so an unclosed
    quote surfaces lines later; name the string that broke instead."""
    for node in QueryCursor(_QUOTED).captures(root).get("q", []):
        if node.start_point.row == node.end_point.row:
            continue
        literal = bytearray(source[node.start_byte: node.end_byte])
        for child in node.children:  # newlines inside `${ }` and `%{ }` are allowed
            if child.type in ("template_interpolation", "template_directive"):
                literal[child.start_byte - node.start_byte: child.end_byte - node.start_byte] = b" " * (child.end_byte - child.start_byte)
        if b"\n" in literal:
            line = node.start_point.row + 1 + literal[: literal.index(b"\n")].count(b"\n")
            return HclSyntaxError(MULTILINE_STRING, line, node.start_point.column + 1)
    return None


def _culprit(error: Node) -> Node:
    """Inside an ERROR node, skip what parsed whole (comments, blocks, arguments): error
    recovery often wraps a file from its first line, while the fault is further down."""
    node = error
    while True:
        rest = [c for c in node.children if not (c.type == "comment" or (c.type in _WHOLE and not c.has_error))]
        if not rest:
            return node
        first = rest[0]
        if first.is_error and first.child_count:
            node = first
            continue
        return first


def snippet(data: bytes) -> str:
    """A short, printable excerpt of source text for an error message."""
    text = data.decode("utf-8", "replace").split("\n", 1)[0]
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:_SNIPPET])
    return shown + ("…" if len(text) > _SNIPPET else "")
