"""The post-deployment command a reviewer runs to confirm where a resource lives.

Data-driven: ``analyzer/data/verify_commands.yaml`` maps a resource type to a command
template (and ``_fallback`` holds one generic command per cloud). The template's fields
come from the inventory row: ``{name}`` (the cloud-side name), ``{region}``, ``{account}``
(account, project or subscription), ``{parent}`` (the cloud-side name of the resource the
row lives in) and ``{address}``. Known values are shell-quoted; an unknown value becomes a
placeholder that says what to fill in, e.g. ``<bucket name of aws_s3_bucket.logs>``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from analyzer.data import load_data
from analyzer.models import InventoryRow, is_reference

DATA_FILE = "verify_commands.yaml"
_ACCOUNT_LABEL = {"aws": "account id", "gcp": "project id", "azure": "subscription id"}


@dataclass(frozen=True)
class VerifyCommand:
    command: str
    note: str
    specific: bool  # False when the per-cloud fallback was used


def command_table() -> dict[str, Any]:
    return load_data(DATA_FILE)



def _values(row: InventoryRow, entry: dict[str, Any], parent_name: str | None, *, quote: bool) -> dict[str, str]:
    known = {
        "name": row.name,
        "region": row.region.value,
        "account": row.account.value,
        "parent": parent_name,
        "address": row.address,
    }
    labels = {
        "name": entry.get("name", "name"),
        "region": "region",
        "account": _ACCOUNT_LABEL.get(row.cloud, "account"),
        "parent": entry.get("parent", "parent name"),
    }
    out: dict[str, str] = {}
    for key, value in known.items():
        if value:
            out[key] = shlex.quote(value) if quote and key != "address" else value
        else:
            out[key] = f"<{labels.get(key, key)} of {row.address}>"
    return out


def verify_command(row: InventoryRow, parent_name: str | None = None) -> VerifyCommand:
    """The command (and what to compare its output with) for one inventory row."""
    table = command_table()
    if row.refers_to is not None:
        return VerifyCommand(command=f"# confirmed by the command of {row.refers_to}",
                             note=f"{row.address} names the resource {row.refers_to} creates", specific=True)
    kind_type = table.get("_references", {}).get(row.cloud, {}).get(row.kind) if is_reference(row) else None
    found = table.get(kind_type or row.type)
    specific = isinstance(found, dict)
    entry: dict[str, Any] = (
        found if isinstance(found, dict) else table["_fallback"].get(row.cloud) or table["_fallback"]["unknown"]
    )
    command = str(entry["command"]).format_map(_values(row, entry, parent_name, quote=True))
    note = str(entry.get("note", "")).format_map(_values(row, entry, parent_name, quote=False))
    return VerifyCommand(command=command, note=note, specific=specific)


__all__ = ["VerifyCommand", "command_table", "verify_command"]
