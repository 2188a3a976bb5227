"""Whole-inventory cache for unchanged re-scans (pre-commit runs the same scan often).

An entry is keyed by the scan's options and records the content hash of every input it
read: the files under the scan root, module folders elsewhere, modules.json manifests and
--var-file files. It is used only when all of them still hash the same and no Terraform
file was added or removed; otherwise the scan runs (with the per-file parse cache).

The cache is data a repository must never be able to plant: entries are JSON validated by
the pydantic models (nothing in them can execute), a cache folder inside a scanned path or
its git work tree is refused, and an entry that is not a regular file of ours, is too
large, or does not validate is ignored (the scan then runs uncached).
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable, Mapping

from pydantic import BaseModel, ValidationError

from analyzer import __version__
from analyzer.models import Inventory, ScanError
from analyzer.terraform.loader import SourceTree, discover, terraform_file_kind
from analyzer.terraform.variables import CliVar
from analyzer.tree_guard import Boundary, RefusedPath, read_regular_file

_SCHEMA = "residency-inventory-4"  # 4: rows carry their origin; 3: JSON entries (2 was pickle; never read)
MAX_ENTRY_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024
# never block on a FIFO planted where a file is expected, never follow a link for an entry
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


@functools.cache
def engine_stamp() -> str:
    """The analyzer's own code and data files (names, sizes, modification times): an entry
    written by other code (an upgrade, or a development checkout between releases that keep one
    version number) is never read back, so a fix always reaches cached roots."""
    package = Path(__file__).resolve().parent.parent
    stamp = hashlib.sha256()
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".yaml", ".json")):
                try:
                    info = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                stamp.update(f"{os.path.relpath(os.path.join(folder, name), package)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return stamp.hexdigest()


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
    parts = [_SCHEMA, __version__, engine_stamp(), str(root.resolve()), str(rel_root)]
    parts.append("roots=" + ("*" if only_roots is None else ",".join(sorted(only_roots))))
    for item in cli_vars:
        parts.append(f"{item.kind}={item.text}")
        if item.kind == "file":
            parts.append(_digest(Path(item.text)) or "missing")
    parts.extend(f"{k}={v}" for k, v in sorted(env.items()) if k.startswith("TF_VAR_") or k == "TF_WORKSPACE")
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


# --- where the cache may live -------------------------------------------------------------

def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def cache_refusal(cache_dir: Path, scan_paths: list[Path]) -> str | None:
    """Why `cache_dir` must not be used for a scan of `scan_paths` (None: it may).

    A cache folder the scanned repository can write is a cache it can forge, so one inside a
    scanned path, or inside the git work tree a scanned path belongs to, is refused."""
    cache = cache_dir.resolve()
    for path in scan_paths:
        real = path.resolve()
        for owner in (real if real.is_dir() else real.parent, Boundary.for_scan(path).root):
            if _inside(cache, owner):
                return (f"cache folder {cache_dir} is inside the scanned tree {owner}; "
                        "scanning without the cache (set RESIDENCY_CACHE_DIR to a folder outside it)")
    return None


def _stderr_warning(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def usable_cache_dir(cache_dir: Path | None, scan_paths: list[Path],
                     warn: Callable[[str], None] = _stderr_warning) -> Path | None:
    """`cache_dir`, or None (with one warning) when the scanned tree could write it."""
    if cache_dir is None:
        return None
    reason = cache_refusal(cache_dir, scan_paths)
    if reason is not None:
        warn(reason)
        return None
    return cache_dir


# --- entries --------------------------------------------------------------------------------

class CacheEntry(BaseModel):
    schema_id: str = _SCHEMA
    tree: dict[str, str | None]
    dirs: dict[str, dict[str, str | None]]
    files: dict[str, str | None]
    parsed_files: int
    inventory: Inventory


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of `path` if it is a regular file of this user (not a link, FIFO or device)
    no larger than `limit`; None otherwise. Never blocks."""
    try:
        fd = os.open(path, _READ_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return None
        chunks: list[bytes] = []
        total = 0
        while total <= limit and (chunk := os.read(fd, min(_CHUNK, limit + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks) if total <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


class ResultCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / "inventory" if directory is not None else None

    def _path(self, key: str) -> Path | None:
        return self.directory / f"{key}.json" if self.directory is not None else None

    def get(self, key: str, tree_snapshot: dict[str, str | None]) -> tuple[Inventory, int] | None:
        path = self._path(key)
        data = _read_regular(path, MAX_ENTRY_BYTES) if path is not None else None
        if data is None:
            return None
        try:
            entry = CacheEntry.model_validate_json(data)
        except (ValidationError, ValueError, RecursionError):
            return None  # corrupt or foreign: scan instead
        if entry.schema_id != _SCHEMA or entry.tree != tree_snapshot:
            return None
        if any(snapshot_dir(Path(d)) != listing for d, listing in entry.dirs.items()):
            return None
        if any(_digest(Path(f)) != digest for f, digest in entry.files.items()):
            return None
        return entry.inventory, entry.parsed_files

    def put(self, key: str, tree_snapshot: dict[str, str | None], tree: SourceTree, inventory: Inventory) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            entry = CacheEntry(tree=tree_snapshot, dirs={str(d): snapshot_dir(d) for d in tree.extra_dirs},
                               files={str(f): _digest(f) for f in tree.extra_files},
                               parsed_files=len(tree.parsed_paths), inventory=inventory)
            data = entry.model_dump_json().encode("utf-8")
        except (ValueError, RecursionError):
            return  # e.g. a lone surrogate in a name: this inventory is simply not cached
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")  # created 0600
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)  # replaces a planted link or FIFO itself, never writes through it
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass
