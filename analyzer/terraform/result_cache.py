"""Whole-inventory cache for unchanged re-scans (pre-commit runs the same scan often).

An entry is keyed by the scan's options and records the content hash of every input it
read: the files under the scan root, module folders elsewhere, modules.json manifests and
--var-file files. It is used only when all of them still hash the same and no Terraform
file was added or removed; otherwise the scan runs (with the per-file parse cache).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from analyzer import __version__
from analyzer.models import Inventory, ScanError
from analyzer.terraform.loader import SourceTree, discover, terraform_file_kind
from analyzer.terraform.variables import CliVar
from analyzer.tree_guard import RefusedPath, read_regular_file

_SCHEMA = "residency-inventory-2"


def _digest(path: Path) -> str | None:
    # regular files only, never blocking: a FIFO or /dev/zero in place of an input is no digest
    try:
        data = read_regular_file(Path(os.path.realpath(path)), str(path))
    except RefusedPath:
        return None
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - change detection only


def snapshot_tree(root: Path) -> dict[str, str | None]:
    errors: list[ScanError] = []
    return {str(p): _digest(p) for p in discover(root, errors, str)}


def snapshot_dir(folder: Path) -> dict[str, str | None]:
    try:
        names = sorted(p for p in folder.iterdir() if p.is_file() and terraform_file_kind(p.name))
    except OSError:
        return {}
    return {str(p): _digest(p) for p in names}


def cache_key(root: Path, rel_root: Path, cli_vars: list[CliVar], env: Mapping[str, str],
              only_roots: frozenset[str] | None = None) -> str:
    parts = [_SCHEMA, __version__, str(root.resolve()), str(rel_root)]
    parts.append("roots=" + ("*" if only_roots is None else ",".join(sorted(only_roots))))
    for item in cli_vars:
        parts.append(f"{item.kind}={item.text}")
        if item.kind == "file":
            parts.append(_digest(Path(item.text)) or "missing")
    parts.extend(f"{k}={v}" for k, v in sorted(env.items()) if k.startswith("TF_VAR_") or k == "TF_WORKSPACE")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass
class _Entry:
    tree: dict[str, str | None]
    dirs: dict[str, dict[str, str | None]]
    files: dict[str, str | None]
    parsed_files: int
    inventory: Inventory


class ResultCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / "inventory" if directory is not None else None

    def get(self, key: str, tree_snapshot: dict[str, str | None]) -> tuple[Inventory, int] | None:
        if self.directory is None:
            return None
        try:
            with open(self.directory / key, "rb") as handle:
                entry: _Entry = pickle.load(handle)  # noqa: S301 - our own cache, outside the scanned tree
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
            return None
        if entry.tree != tree_snapshot:
            return None
        if any(snapshot_dir(Path(d)) != listing for d, listing in entry.dirs.items()):
            return None
        if any(_digest(Path(f)) != digest for f, digest in entry.files.items()):
            return None
        return entry.inventory, entry.parsed_files

    def put(self, key: str, tree_snapshot: dict[str, str | None], tree: SourceTree, inventory: Inventory) -> None:
        if self.directory is None:
            return
        entry = _Entry(tree=tree_snapshot, dirs={str(d): snapshot_dir(d) for d in tree.extra_dirs},
                       files={str(f): _digest(f) for f in tree.extra_files},
                       parsed_files=len(tree.parsed_paths), inventory=inventory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(entry, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.directory / key)
        except OSError:
            pass
