"""Where a module call's source is on disk: local paths, or `.terraform/modules` entries.

Nothing is ever downloaded: a registry or git source that `terraform init` has not
fetched is reported as not analyzed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.hcl import ast
from analyzer.models import ScanError
from analyzer.terraform.loader import load_dir

if TYPE_CHECKING:
    from analyzer.terraform.module import Declared, ModuleInstance

MAX_DEPTH = 24


def is_local_source(source: str) -> bool:
    return source.startswith("./") or source.startswith("../") or source in (".", "..")


def read_modules_json(root_dir: Path) -> dict[str, str]:
    """Module key ("a.b") -> directory, from `terraform init`'s manifest, if present."""
    manifest = root_dir / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
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
    if not target.is_dir():
        return ScanError(file=declared.file, line=line, address=address,
                         message=f"module source \"{source}\" not found ({module.tree.rel(target)} is not a folder); not analyzed")
    real = target.resolve()
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
