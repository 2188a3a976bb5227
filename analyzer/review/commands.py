"""The post-deployment command a reviewer runs to confirm where a resource lives.

Data-driven: ``analyzer/data/verify_commands.yaml`` maps a resource type to a command, written
as a list of words (``argv``), and ``_fallback`` holds one generic command per cloud. A word's
fields come from the inventory row: ``{name}`` (the cloud-side name), ``{region}``,
``{account}`` (account, project or subscription) and ``{parent}`` (the cloud-side name of the
resource the row lives in); fields listed under ``ask`` are never known. An unknown value
becomes a placeholder that says what to fill in, e.g. ``<bucket name of aws_s3_bucket.logs>``.

Quoting is structural, so a value is quoted exactly once whatever it holds: a field inside a
nested language is first written as that language's literal (``{name:jmespath}``,
``{name:json}``, ``{name:asset}``), then each finished word is shell-quoted once, with
``shlex.quote``, or as ``$'...'`` with visible escapes when it holds a newline, a control or
bidi character or an undecodable byte (bash, zsh and ksh read both forms).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any

from analyzer.data import load_data
from analyzer.models import InventoryRow, is_reference
from analyzer.report.escape import escape_char, has_invisible, visible

DATA_FILE = "verify_commands.yaml"
ROW_FIELDS = ("name", "region", "account", "parent")
_OPTION = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9-]*=")
_ACCOUNT_LABEL = {"aws": "account id", "gcp": "project id", "azure": "subscription id"}


@dataclass(frozen=True)
class VerifyCommand:
    command: str
    note: str
    specific: bool  # False when the per-cloud fallback was used
    argv: tuple[str, ...] = ()  # the words the shell passes to the program (empty for a comment)


def command_table() -> dict[str, Any]:
    return load_data(DATA_FILE)


# --- literals of the languages a value can sit in -------------------------------------------


def jmespath_literal(value: str) -> str:
    """A JMESPath JSON literal: `` `"..."` ``, JSON-escaped (ASCII only), backticks escaped."""
    return "`" + json.dumps(value, ensure_ascii=True).replace("`", "\\`") + "`"


def asset_phrase(value: str) -> str:
    """A quoted phrase of Cloud Asset Inventory's search syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


CONTEXTS: dict[str, Callable[[str], str]] = {
    "": lambda value: value,
    "jmespath": jmespath_literal,
    "json": lambda value: json.dumps(value, ensure_ascii=True),
    "asset": asset_phrase,
}


def _ansi_c(char: str) -> str:
    """One character inside bash's ``$'...'``: there ``\\xHH`` is a raw byte, which is right for
    an undecodable byte of a file name but not for U+0080..U+00FF (two bytes in UTF-8)."""
    if has_invisible(char):
        return f"\\u{ord(char):04x}" if 0x80 <= ord(char) <= 0xFF else escape_char(char)
    return "\\" + char if char in "\\'" else char


def _quote(text: str) -> str:
    if not has_invisible(text) and "##[" not in text:
        return shlex.quote(text)
    body = "".join(_ansi_c(c) for c in text)
    # "##[" would be a workflow command in a CI log (analyzer.report.escape.ci_inert)
    return "$'" + body.replace("##[", "#\\x23[") + "'"


def shell_word(word: str) -> str:
    """``word`` quoted once for a POSIX shell; ``$'...'`` when it holds invisible characters,
    which then show as escapes (``\\n``, ``\\x1b``, ``\\u202e``, ``\\xff``) yet reach the
    program unchanged. An option's ``--flag=`` prefix stays outside the quotes (same word)."""
    option = _OPTION.match(word)
    if option and option.end() < len(word):
        return option.group() + _quote(word[option.end():])
    return _quote(word)


def fill(template: str, values: Mapping[str, str | None], labels: Mapping[str, str], address: str, *,
         word: bool = False) -> str:
    """``template`` with each ``{field}`` or ``{field:context}`` replaced; an unknown value is
    the placeholder ``<label of address>``. In a command ``word``, a value that would start the
    word with ``-`` is a placeholder too: no cloud name starts so, and the program would read
    it as an option (gcloud reads ``--flags-file=...`` even after ``--``). KeyError/ValueError
    for an undeclared field or context (a test loads every template)."""
    out: list[str] = []
    for literal, field, context, conversion in Formatter().parse(template):
        out.append(literal)
        if field is None:
            continue
        if conversion or field not in labels:
            raise ValueError(f"{template!r}: unknown field {{{field}}}")
        value = values.get(field)
        if not value or (word and not context and value.startswith("-") and not any(out)):
            value = f"<{labels[field]} of {address}>"
        out.append(CONTEXTS[context or ""](value))
    return "".join(out)


def _labels(row: InventoryRow, entry: dict[str, Any]) -> dict[str, str]:
    return {
        "name": entry.get("name", "name"),
        "region": "region",
        "account": _ACCOUNT_LABEL.get(row.cloud, "account"),
        "parent": entry.get("parent", "parent name"),
        "address": "address",
        **entry.get("ask", {}),
    }


def _entry(row: InventoryRow, table: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    kind_type = table.get("_references", {}).get(row.cloud, {}).get(row.kind) if is_reference(row) else None
    found = table.get(kind_type or row.type)
    if isinstance(found, dict):
        return found, True
    return table["_fallback"].get(row.cloud) or table["_fallback"]["unknown"], False


def verify_command(row: InventoryRow, parent_name: str | None = None) -> VerifyCommand:
    """The command (and what to compare its output with) for one inventory row."""
    if row.refers_to is not None:
        return VerifyCommand(command=f"# confirmed by the command of {visible(row.refers_to)}",
                             note=f"{row.address} names the resource {row.refers_to} creates", specific=True)
    entry, specific = _entry(row, command_table())
    values = {"name": row.name, "region": row.region.value, "account": row.account.value, "parent": parent_name,
              "address": row.address}
    labels = _labels(row, entry)
    note = fill(str(entry.get("note", "")), values, labels, row.address)
    if "comment" in entry:  # one line whatever the address holds: a newline would end the comment
        return VerifyCommand(command="# " + visible(fill(entry["comment"], values, labels, row.address)),
                             note=note, specific=specific)
    argv = tuple(fill(str(word), values, labels, row.address, word=True) for word in entry["argv"])
    return VerifyCommand(command=" ".join(shell_word(word) for word in argv), note=note, specific=specific,
                         argv=argv)


__all__ = ["CONTEXTS", "ROW_FIELDS", "VerifyCommand", "command_table", "fill", "jmespath_literal", "shell_word",
           "verify_command"]
