"""HCL text helpers for the estate generator: Python values rendered as HCL expressions,
``terraform fmt``-style alignment, and the blocks every generated file repeats (variables,
outputs, ``terraform {}`` settings)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import T

_ATTR_LINE = re.compile(
    r'^(\s*)((?:[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)|"[^"\n]*")\s*=(?![=>])\s*(.*)$'
)


def indent(text: str, levels: int) -> str:
    pad = "  " * levels
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def bracket_delta(s: str) -> int:
    """Net count of opening minus closing brackets in one line of HCL, ignoring
    brackets inside quoted strings (but counting those inside ``${ }``)."""
    depth = 0
    interp: list[int] = []  # brace depth inside each open ${ / %{
    in_str = False
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if in_str:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_str = False
            elif c in "$%" and s[i + 1 : i + 2] == "{":
                interp.append(0)
                in_str = False
                i += 2
                continue
        else:
            if c == '"':
                in_str = True
            elif c == "#" and not interp:
                break
            elif c in "([{":
                if interp:
                    interp[-1] += 1
                else:
                    depth += 1
            elif c in ")]}":
                if interp:
                    if interp[-1] == 0 and c == "}":
                        interp.pop()
                        in_str = True
                    else:
                        interp[-1] -= 1
                else:
                    depth -= 1
        i += 1
    return depth


def align(text: str) -> str:
    """Align ``=`` the way ``terraform fmt`` does: runs of consecutive lines that each
    hold a complete single-line attribute are padded to a common column.  A line
    that opens a multi-line value, a closing bracket, a comment or a blank line
    ends the run."""
    out: list[str] = []
    run: list[tuple[str, str, str]] = []

    def flush() -> None:
        if run:
            width = max(len(k) for _, k, _ in run)
            out.extend(f"{ind}{k.ljust(width)} = {v}" for ind, k, v in run)
            run.clear()

    for line in text.split("\n"):
        m = _ATTR_LINE.match(line)
        if m and not m.group(3).startswith("<<") and bracket_delta(m.group(3)) == 0:
            if run and run[-1][0] != m.group(1):
                flush()
            run.append((m.group(1), m.group(2), m.group(3).rstrip()))
        else:
            flush()
            out.append(line.rstrip())
    flush()
    return "\n".join(out)


def hcl_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hcl_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) else hcl_str(k)


def hcl_value(v: object, level: int = 0) -> str:
    """Render a Python value as an HCL expression.  Dicts and lists of dicts become
    multi-line constructs whose inner lines are indented relative to ``level``;
    the first line carries no indentation (it follows ``key = ``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, Expr):
        return v.text
    if isinstance(v, str):
        return hcl_str(v)
    if isinstance(v, dict):
        if not v:
            return "{}"
        pad = "  " * (level + 1)
        body = [f"{pad}{hcl_key(k)} = {hcl_value(x, level + 1)}" for k, x in v.items()]
        return "{\n" + "\n".join(body) + "\n" + "  " * level + "}"
    if isinstance(v, (list, tuple, set)):
        items = list(v)
        if all(not isinstance(x, (dict, list, tuple)) for x in items):
            return "[" + ", ".join(hcl_value(x, level) for x in items) + "]"
        pad = "  " * (level + 1)
        body = [f"{pad}{hcl_value(x, level + 1)}," for x in items]
        return "[\n" + "\n".join(body) + "\n" + "  " * level + "]"
    raise TypeError(f"cannot render {type(v).__name__} as HCL")


@dataclass(frozen=True)
class Expr:
    """A raw HCL expression (rendered verbatim)."""

    text: str


def attrs(d: dict[str, object], level: int = 0) -> str:
    """Render ``key = value`` lines at ``level`` (unaligned; ``align`` pads later)."""
    pad = "  " * level
    return "\n".join(f"{pad}{hcl_key(k)} = {hcl_value(v, level)}" for k, v in d.items())


def join_blocks(*blocks: str) -> str:
    return "\n\n".join(b.strip("\n") for b in blocks if b and b.strip()) + "\n"


def variable(name: str, type_: str, description: str, default: object = ..., *, sensitive: bool = False,
             validation: tuple[str, str] | None = None, nullable: bool | None = None) -> str:
    lines = [f'variable "{name}" {{', f"  description = {hcl_str(description)}"]
    if "\n" in type_:
        lines.append("  type = " + type_.replace("\n", "\n  "))
    else:
        lines.append(f"  type = {type_}")
    if default is not ...:
        lines.append(f"  default = {hcl_value(default, 1)}")
    if sensitive:
        lines.append("  sensitive = true")
    if nullable is not None:
        lines.append(f"  nullable = {hcl_value(nullable)}")
    if validation:
        lines += [
            "",
            "  validation {",
            f"    condition = {validation[0]}",
            f"    error_message = {hcl_str(validation[1])}",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines)


def output(name: str, value: str, description: str, *, sensitive: bool = False) -> str:
    lines = [f'output "{name}" {{', f"  description = {hcl_str(description)}", f"  value = {value}"]
    if sensitive:
        lines.append("  sensitive = true")
    lines.append("}")
    return "\n".join(lines)


def tfvars(values: dict[str, object]) -> str:
    return attrs(values) + "\n"


def module_versions(provider: str, source: str, version: str, *, dr: bool = False) -> str:
    """A shared module's ``versions.tf``; ``dr`` declares the ``<provider>.dr`` alias the
    module expects its caller to pass in."""
    aliases = f"\n      configuration_aliases = [{provider}.dr]" if dr else ""
    return align(T(
        """
        terraform {
          required_version = ">= 1.5.0"

          required_providers {
            __PROVIDER__ = {
              source = "__SOURCE__"
              version = "__VERSION__"__ALIASES__
            }
          }
        }
        """,
        provider=provider, source=source, version=version, aliases=aliases,
    ))


def root_versions(provider: str, source: str, version: str, backend: str, settings: dict[str, object]) -> str:
    """A root's ``versions.tf``: the pinned provider and the state backend."""
    return align(T(
        """
        terraform {
          required_version = ">= 1.6.0"

          required_providers {
            __PROVIDER__ = {
              source = "__SOURCE__"
              version = "__VERSION__"
            }
          }

          backend "__BACKEND__" {
        __SETTINGS__
          }
        }
        """,
        provider=provider, source=source, version=version, backend=backend, settings=attrs(settings, 2),
    ))
