"""Terraform's `fileset` glob patterns (bmatcuk/doublestar v1, as Terraform 1.x uses).

Checked against `terraform console` 1.11: `*` and `?` never cross `/` and match dotfiles;
`**` as a whole path component matches zero or more folders (elsewhere it is `*`);
`[abc]`, `[a-z]` and `[^abc]` are classes (`!` is a literal there, not a negation);
`{a,b}` are alternatives that cannot contain `/`; `\\` escapes the next character.
The pattern is joined to the base folder and cleaned lexically first (`sub/../a` is `a`).
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

_META = set("*?[{\\")


class GlobSyntaxError(ValueError):
    """The pattern is not valid (Terraform: `failed to glob pattern ...: syntax error in pattern`)."""


def has_meta(component: str) -> bool:
    return any(ch in _META for ch in component)


def split_pattern(base: str, pattern: str) -> tuple[str, list[str]]:
    """(the folder to start listing, the pattern components below it), after Terraform's
    `filepath.Join(path, pattern)`, which cleans `.`, `..` and trailing slashes lexically."""
    joined = posixpath.normpath(base.rstrip("/") + "/" + pattern)
    parts = joined.split("/")
    literal: list[str] = []
    for part in parts:
        if has_meta(part):
            break
        literal.append(part)
    rest = parts[len(literal):]
    start = "/".join(literal) or "/"
    if not rest:  # no wildcard at all: the start is the only candidate
        return posixpath.dirname(joined) or "/", [posixpath.basename(joined)]
    return start, rest


@lru_cache(maxsize=256)
def component_regex(component: str) -> re.Pattern[str]:
    """A compiled regex matching one path component (no `/`)."""
    return re.compile(_translate(component) + r"\Z", re.S)


def _translate(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            while i + 1 < len(text) and text[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 >= len(text):
                raise GlobSyntaxError("syntax error in pattern")
            i += 1
            out.append(re.escape(text[i]))
        elif ch == "[":
            end, klass = _class(text, i)
            out.append(klass)
            i = end
        elif ch == "{":
            end = _closing_brace(text, i)
            alternatives = _split_top(text[i + 1:end])
            out.append("(?:" + "|".join(_translate(alt) for alt in alternatives) + ")")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _class(text: str, start: int) -> tuple[int, str]:
    i = start + 1
    negate = i < len(text) and text[i] == "^"
    if negate:
        i += 1
    items: list[str] = []
    first = True
    while i < len(text) and (text[i] != "]" or first):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                raise GlobSyntaxError("syntax error in pattern")
            i += 1
            ch = text[i]
        if i + 2 < len(text) and text[i + 1] == "-" and text[i + 2] != "]":
            low, high = ch, text[i + 2]
            if low > high:
                raise GlobSyntaxError("syntax error in pattern")
            items.append(re.escape(low) + "-" + re.escape(high))
            i += 3
        else:
            items.append(re.escape(ch))
            i += 1
        first = False
    if i >= len(text) or not items:
        raise GlobSyntaxError("syntax error in pattern")
    return i, "[" + ("^/" if negate else "") + "".join(items) + "]"


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise GlobSyntaxError("syntax error in pattern")


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts
