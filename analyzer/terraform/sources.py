"""Where a module call's source is on disk: local paths, or `.terraform/modules` entries.

Nothing is ever downloaded: a registry or git source that `terraform init` has not
fetched is reported as not analyzed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from analyzer.hcl import ast
from analyzer.models import ScanError
from analyzer.terraform.loader import load_dir
from analyzer.tree_guard import Boundary, RefusedPath

if TYPE_CHECKING:
    from analyzer.terraform.module import Declared, ModuleInstance

MAX_DEPTH = 24


def is_local_source(source: str) -> bool:
    return source.startswith("./") or source.startswith("../") or source in (".", "..")


MODULES_JSON = Path(".terraform") / "modules" / "modules.json"
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024


def read_modules_json(root_dir: Path, boundary: Boundary, errors: list[ScanError], rel: Callable[[Path], str]) -> dict[str, str]:
    """Module key ("a.b") -> directory, from `terraform init`'s manifest, if present.

    Read through the boundary: a `.terraform` linked out of the tree, or a FIFO in place of the
    manifest, is an error on the manifest, not a read or a hang."""
    manifest = root_dir / MODULES_JSON
    if not os.path.lexists(manifest) and not os.path.lexists(root_dir / ".terraform"):
        return {}
    try:
        raw = boundary.read_bytes(manifest, shown=rel(manifest), max_bytes=_MAX_MANIFEST_BYTES)
    except RefusedPath as err:
        if os.path.lexists(manifest) or os.path.islink(root_dir / ".terraform"):
            errors.append(ScanError(file=rel(manifest), message=f"{err}; modules from `terraform init` not analyzed"))
        return {}
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        errors.append(ScanError(file=rel(manifest), message="not valid JSON; modules from `terraform init` not analyzed"))
        return {}
    out: dict[str, str] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("Key") and isinstance(entry.get("Dir"), str):
            out[entry["Key"]] = entry["Dir"]
    return out


def static_source(block: ast.Block) -> str | None:
    attribute = block.attrs.get("source")
    if attribute is not None and isinstance(attribute.expr, ast.Literal) and isinstance(attribute.expr.value, str):
        return attribute.expr.value
    return None


def resolve_source(module: "ModuleInstance", name: str, declared: "Declared") -> Path | ScanError:
    block = declared.block
    address = f"{module.address + '.' if module.address else ''}module.{name}"
    line = block.attrs["source"].line if "source" in block.attrs else block.line
    source = static_source(block)
    if source is None:
        message = ("module call has no source argument" if "source" not in block.attrs
                   else "module source must be a literal string (Terraform does not allow expressions here)")
        return ScanError(file=declared.file, line=line, address=address, message=f"{message}; not analyzed")
    if len(module.call_path) >= MAX_DEPTH:
        return ScanError(file=declared.file, line=line, address=address,
                         message=f"module nesting deeper than {MAX_DEPTH} levels; not analyzed")
    if is_local_source(source):
        target = Path(os.path.normpath(module.dir / source))  # Terraform cleans local paths: // is /
    else:
        key = ".".join((*module.call_path, name))
        found = module.modules_json.get(key)
        if found is None:
            return ScanError(file=declared.file, line=line, address=address,
                             message=f"module source \"{source}\" is not on disk (no .terraform/modules entry; "
                                     "run `terraform init -backend=false` before scanning); not analyzed")
        target = Path(os.path.normpath(module.root_dir / found))
    try:
        real = module.tree.guard.resolve(target, shown=module.tree.rel(target))
    except RefusedPath as err:
        if not os.path.lexists(target) and not os.path.islink(target):
            return ScanError(file=declared.file, line=line, address=address,
                             message=f"module source \"{source}\" not found ({module.tree.rel(target)} is not a folder); not analyzed")
        via = "" if is_local_source(source) else " (its folder from .terraform/modules/modules.json)"
        return ScanError(file=declared.file, line=line, address=address,
                         message=f"module source \"{source}\"{via}: {err}")
    if not real.is_dir():
        return ScanError(file=declared.file, line=line, address=address,
                         message=f"module source \"{source}\" not found ({module.tree.rel(target)} is not a folder); not analyzed")
    chain = [module]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    for ancestor in chain:
        if ancestor.real_dir == real:
            path = " -> ".join([module.tree.rel(m.dir) or "." for m in reversed(chain)] + [module.tree.rel(target)])
            return ScanError(file=declared.file, line=line, address=address,
                             message=f"module cycle: {path}; not analyzed past this call")
    load_dir(module.tree, target)
    return target
