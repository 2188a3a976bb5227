"""Is a JSON document a Terraform plan, a Terraform state, or neither?

`terraform show -json plan.out` writes `format_version` plus `planned_values`,
`resource_changes` and `configuration`; `terraform show -json` of a state writes
`format_version` plus `values` (absent for an empty state). Files are recognised by content
(a structural scan of their start, in any key order), never by name alone.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, Literal

from analyzer.tree_guard import Boundary, RefusedPath, special_file_kind
from analyzer.walk import SKIPPED_DIRS, Excludes

JsonKind = Literal["plan", "state"]

PLAN_KEYS = ("planned_values", "resource_changes", "configuration", "prior_state", "resource_drift")
# `terraform show -json` output saved under the names Terraform's docs use for plan files
PLAN_FILE_NAMES = frozenset({"tfplan", "plan", "terraform.tfplan"})
PLAN_FILE_SUFFIXES = (".tfplan",)
# How much of a file the detection reads. Key order is not relied on (`jq -S` sorts
# `configuration` first, and it can be large), but the signals are near the start.
_SNIFF_BYTES = 256 * 1024
# top-level keys only Terraform's JSON output has; `configuration` counts when it holds these
_TOP_KEYS = frozenset({"format_version", "planned_values", "resource_changes", "prior_state", "resource_drift"})
_CONFIGURATION_KEYS = frozenset({"provider_config", "root_module"})
_SIGNALS = tuple(f'"{key}"'.encode() for key in sorted(_TOP_KEYS | _CONFIGURATION_KEYS))
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)|[{}\[\],]')
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def detect(doc: Any) -> JsonKind | None:
    """"plan", "state", or None when `doc` is not Terraform's JSON output."""
    if not isinstance(doc, dict) or "format_version" not in doc:
        return None
    if any(key in doc for key in PLAN_KEYS):
        return "plan"
    if "values" in doc or "terraform_version" in doc:
        return "state"
    return None


def as_utf8(data: bytes) -> bytes:
    """UTF-16 with a byte-order mark (Windows PowerShell's `>` writes it) as UTF-8; other bytes as
    they are. A code unit cut in half at the end of a prefix is dropped."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "ignore").encode("utf-8", "surrogatepass")
    return data


def looks_like_terraform_json(head: bytes) -> bool:
    """Does this start of a file read as `terraform show -json` output, whatever its key order?

    A real scan of the JSON structure (strings skipped): a top-level object with a key only
    Terraform's output has, or a top-level `configuration` holding `provider_config` or
    `root_module`. Syntax errors after such a key do not matter: the loader reports them."""
    text = as_utf8(head).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{") or not any(signal in text for signal in _SIGNALS):
        return False
    # per open container: (is an object, expects a key next, the key it is the value of)
    stack: list[tuple[bool, bool, str | None]] = []
    last_key: str | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[:1]
        if first == b'"':
            if not stack or not stack[-1][0] or not stack[-1][1]:
                continue  # a string value
            is_object, _expects, owner = stack[-1]
            stack[-1] = (is_object, False, owner)
            last_key = token[1:-1].decode("utf-8", "replace")
            if len(stack) == 1 and last_key in _TOP_KEYS:
                return True
            if len(stack) == 2 and stack[-1][2] == "configuration" and last_key in _CONFIGURATION_KEYS:
                return True
        elif first in b"{[":
            owner = last_key if stack and stack[-1][0] else None
            stack.append((first == b"{", first == b"{", owner))
            last_key = None
        elif first in b"}]":
            if len(stack) <= 1:
                return False  # the top-level object ended without a signal
            stack.pop()
        elif stack and stack[-1][0]:  # a comma inside an object: a key comes next
            stack[-1] = (True, True, stack[-1][2])
    return False


def sniff(path: Path) -> bool:
    """Cheap test for a scanner walking a tree: does this file start like `terraform show -json`
    output? Reads at most 256 KiB of a regular file (never blocks on a FIFO)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, _SNIFF_BYTES)
    except OSError:
        return False
    finally:
        os.close(fd)
    return looks_like_terraform_json(head)


def is_plan_candidate(path: Path) -> bool:
    """A `.json` file that is not Terraform configuration or variables, or a file named like a
    saved plan (`tfplan`, `*.tfplan`); only content decides whether it is one."""
    name = path.name
    if name in PLAN_FILE_NAMES or name.endswith(PLAN_FILE_SUFFIXES):
        return True
    return name.endswith(".json") and not name.endswith((".tf.json", ".tfvars.json"))


def find_plan_files(root: Path, boundary: Boundary | None = None,
                    refused: list[tuple[Path, str]] | None = None, excludes: Excludes | None = None) -> list[Path]:
    """Every plan/state JSON under root, whatever it is called (symlinked folders not followed).

    A candidate is sniffed only when it resolves inside the boundary (default: root's own) and is
    a regular file: a link out of the tree or a FIFO named like a plan is put in `refused` with
    the reason, never opened."""
    if root.is_file():
        return [root] if is_plan_candidate(root) else []
    guard = boundary or Boundary.for_scan(root)
    found: list[Path] = []
    keep = (excludes or Excludes()).walker(root)  # --skip-path, .gitignore (analyzer/walk.py)
    for folder, dirs, files in os.walk(root):
        dirs[:], files = keep.prune(folder, [d for d in dirs if d not in SKIPPED_DIRS], files)
        for name in sorted(files):
            path = Path(folder) / name
            if not is_plan_candidate(path):
                continue
            try:
                real = guard.resolve(path, shown=name) if path.is_symlink() else path
            except RefusedPath as err:
                if refused is not None:
                    refused.append((path, str(err)))
                continue
            special = special_file_kind(real)
            if special is not None:
                if refused is not None:
                    refused.append((path, f"{name} is {special}, not a regular file; never read, not analyzed"))
                continue
            if real.is_file() and sniff(path):
                found.append(path)
    return found
