"""Read a plan/state JSON file defensively: size limit, strict UTF-8, clear errors naming the file."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from analyzer.plan.detect import JsonKind, detect

# Plans of large estates reach tens of MB; past this the file is refused, not parsed.
MAX_PLAN_BYTES = 256 * 1024 * 1024
SUPPORTED_MAJOR = "1"
# Python refuses int() of more than 4300 digits; Terraform numbers have any precision, and no
# placement is a number, so a longer integer is kept as its digits
_MAX_INT_DIGITS = 4000
# deeper values are reported, not walked: Terraform values never nest like this in practice,
# and the builder's recursion would exhaust the stack
MAX_DEPTH = 200
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)|[\[\]{}]')
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class PlanLoadError(ValueError):
    """The file cannot be read as Terraform plan/state JSON; `line` is 1-based (0: whole file)."""

    def __init__(self, rel: str, message: str, line: int = 0) -> None:
        super().__init__(f"{rel}: {message}")
        self.rel = rel
        self.message = message
        self.line = line


def _safe_int(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= _MAX_INT_DIGITS else digits


def deep_line(text: str, limit: int = MAX_DEPTH) -> int:
    """1-based line where the JSON text first nests deeper than `limit` (0 if it never does)."""
    depth = 0
    for match in _STRUCTURE.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif char in "]}":
            depth -= 1
    return 0


def depth_message(line: int) -> str:
    deeper = f"more than {MAX_DEPTH} levels deep" if line else "too deeply"
    return f"plan JSON nests values {deeper}; not analyzed"


def _read(path: Path, rel: str, max_bytes: int) -> bytes:
    """The file's bytes: a regular file only (a FIFO or device is refused without blocking)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise PlanLoadError(rel, f"cannot read plan JSON: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PlanLoadError(rel, "plan JSON is not a regular file (a FIFO, device or socket); not analyzed")
        if info.st_size > max_bytes:
            raise PlanLoadError(rel, f"plan JSON is {info.st_size / 1048576:.1f} MB, over the "
                                     f"{max_bytes / 1048576:.0f} MB limit; not analyzed")
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes and (chunk := os.read(fd, min(1 << 20, max_bytes + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise PlanLoadError(rel, f"cannot read plan JSON: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > max_bytes:  # grew while being read
        raise PlanLoadError(rel, f"plan JSON is over the {max_bytes / 1048576:.0f} MB limit; not analyzed")
    return b"".join(chunks)


def load_plan_json(path: Path, rel: str, max_bytes: int = MAX_PLAN_BYTES) -> tuple[JsonKind, dict[str, Any], str]:
    """(kind, document, text) of a `terraform show -json` file; PlanLoadError otherwise."""
    raw = _read(path, rel, max_bytes)
    try:
        # UTF-16 with a byte-order mark is what Windows PowerShell's `terraform show -json > plan.json` writes
        text = raw.decode("utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        encoding = "UTF-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "UTF-8"
        raise PlanLoadError(rel, f"plan JSON is not {encoding} (byte {exc.start})") from None
    if not text.strip():
        raise PlanLoadError(rel, "plan JSON is empty")
    try:
        doc = json.loads(text, parse_int=_safe_int)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise PlanLoadError(rel, f"plan JSON is truncated: it ends at line {exc.lineno} column {exc.colno} "
                                     "before the document is complete", exc.lineno) from None
        raise PlanLoadError(rel, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", exc.lineno) from None
    except RecursionError:
        line = deep_line(text)
        raise PlanLoadError(rel, depth_message(line), line) from None
    except ValueError as exc:  # e.g. a number Python cannot represent
        raise PlanLoadError(rel, f"plan JSON cannot be read: {exc}") from None
    kind = detect(doc)
    if kind is None:
        what = "an object" if isinstance(doc, dict) else f"a JSON {type(doc).__name__}"
        raise PlanLoadError(rel, f"not Terraform plan or state JSON: {what} without format_version "
                                 "(expected the output of `terraform show -json`)")
    version = doc.get("format_version")
    if not isinstance(version, str) or version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise PlanLoadError(rel, f"unsupported format_version {json.dumps(version)}: this analyzer reads "
                                 f"`terraform show -json` format {SUPPORTED_MAJOR}.x")
    return kind, doc, text
