"""HCL template strings given as plain text: literal text, `${ expr }` interpolations,
`%{ if }`/`%{ for }`.

Terraform's JSON syntax (`.tf.json`) holds templates as JSON strings; this module splits
such a string into parts and parses each interpolation with the expression parser it is
given. Native HCL templates are built from tree-sitter's tree instead (analyzer.hcl.cst).
"""

from __future__ import annotations

import re
from typing import Callable

from analyzer.hcl.ast import (
    Expr,
    Literal,
    Template,
    TemplateFor,
    TemplateIf,
    TemplatePart,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_FOR_HEAD = re.compile(r"^for\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\s+(.+)$", re.S)


class TemplateError(ValueError):
    pass


def unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and i + 5 < len(text) + 0:
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            if nxt == "U":
                try:
                    out.append(chr(int(text[i + 2 : i + 10], 16)))
                    i += 10
                    continue
                except ValueError:
                    pass
        out.append(ch)
        i += 1
    return "".join(out)


def _scan_to_close(text: str, start: int) -> int:
    """Index of the `}` closing the interpolation whose body starts at `start`."""
    depth = 0
    i = start
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
            elif ch == "$" and text.startswith("${", i):
                # nested template inside a quoted string: skip to its close
                i = _scan_to_close(text, i + 2) + 1
                continue
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise TemplateError("unclosed template interpolation")


def parse_template(
    text: str, parse_expr: Callable[[str], Expr], *, escapes: bool = True
) -> Expr:
    """Parse template text (without its quotes). A lone `${x}` yields x itself."""
    if "${" not in text and "%{" not in text:
        return Literal(unescape(text) if escapes else text)
    tokens = _tokenize(text, parse_expr, escapes)
    parts = _nest(tokens, 0, ())[0]
    if len(parts) == 1 and not isinstance(parts[0], (str, TemplateIf, TemplateFor)):
        return parts[0]
    return Template(parts)


def _tokenize(text: str, parse_expr: Callable[[str], Expr], escapes: bool) -> list[object]:
    tokens: list[object] = []
    buf: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("$${", i) or text.startswith("%%{", i):
            buf.append(text[i + 1 : i + 3])
            i += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            directive = text[i] == "%"
            end = _scan_to_close(text, i + 2)
            body = text[i + 2 : end]
            strip_left = body.startswith("~")
            strip_right = body.endswith("~")
            body = body.strip("~").strip()
            literal = "".join(buf)
            if strip_left:
                literal = _strip_before(literal, per_line=not escapes)
            if literal:
                tokens.append(unescape(literal) if escapes else literal)
            buf = []
            if directive:
                tokens.append(("directive", body, parse_expr))
            else:
                tokens.append(parse_expr(body))
            i = end + 1
            if strip_right:
                while i < n and text[i] in " \t\r\n":
                    i += 1
                    if text[i - 1] == "\n" and not escapes:
                        break
            continue
        buf.append(text[i])
        i += 1
    if buf:
        literal = "".join(buf)
        tokens.append(unescape(literal) if escapes else literal)
    return tokens


def _strip_before(literal: str, *, per_line: bool) -> str:
    """What a `~` strip marker leaves of the literal before it. Heredocs and template files
    are scanned one line per literal token, so there it strips the last line only (as HCL)."""
    if not per_line:
        return literal.rstrip()
    cut = literal.rfind("\n", 0, len(literal) - 1 if literal.endswith("\n") else len(literal))
    return literal[: cut + 1] + literal[cut + 1 :].rstrip()


def _nest(tokens: list[object], pos: int, stop: tuple[str, ...]) -> tuple[list[TemplatePart], int, str]:
    parts: list[TemplatePart] = []
    while pos < len(tokens):
        token = tokens[pos]
        if isinstance(token, tuple) and token and token[0] == "directive":
            _, body, parse_expr = token
            keyword = body.split(None, 1)[0] if body else ""
            if keyword in stop:
                return parts, pos, keyword
            if keyword == "if":
                cond = parse_expr(body[2:].strip())
                then, pos, ended = _nest(tokens, pos + 1, ("else", "endif"))
                other: list[TemplatePart] = []
                if ended == "else":
                    other, pos, ended = _nest(tokens, pos + 1, ("endif",))
                if ended != "endif":
                    raise TemplateError("%{if} without %{endif}")
                parts.append(TemplateIf(cond, then, other))
            elif keyword == "for":
                match = _FOR_HEAD.match(body)
                if not match:
                    raise TemplateError(f"invalid template directive: %{{{body}}}")
                first, second, coll = match.groups()
                inner, pos, ended = _nest(tokens, pos + 1, ("endfor",))
                if ended != "endfor":
                    raise TemplateError("%{for} without %{endfor}")
                key_var, value_var = (first, second) if second else (None, first)
                parts.append(TemplateFor(key_var, value_var, parse_expr(coll), inner))
            else:
                raise TemplateError(f"unexpected template directive: %{{{body}}}")
        else:
            parts.append(token)  # type: ignore[arg-type]
        pos += 1
    return parts, pos, ""


def literal_text(expr: Expr) -> str | None:
    return expr.value if isinstance(expr, Literal) and isinstance(expr.value, str) else None
