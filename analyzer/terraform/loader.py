"""Find, read and parse Terraform files safely, in parallel, with a content-hash cache.

Reading is defensive: size limit, binary detection, strict UTF-8, symlink loops. Each bad
file becomes a ScanError naming the file (and line, for syntax errors) while every other
file is still parsed. Parsed trees are cached by content hash outside the scanned tree
(a cache inside it could be planted by the code under review).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.context
import os
import pickle
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from analyzer.hcl import ast
from analyzer.hcl.json_syntax import parse_json_text
from analyzer.hcl.parse import HclSyntaxError, parse_file_text
from analyzer.models import ScanError
from analyzer.tree_guard import Boundary
from analyzer.walk import SKIPPED_DIRS

MAX_FILE_BYTES = 8 * 1024 * 1024
_CACHE_VERSION = b"residency-ast-2"
_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
_PARALLEL_THRESHOLD = 48


@dataclass
class SourceTree:
    """Every Terraform file under a scan root, parsed, grouped by directory."""

    root: Path
    files: dict[Path, list[ast.FileBody]] = field(default_factory=dict)  # dir -> .tf/.tf.json
    tfvars: dict[Path, list[ast.FileBody]] = field(default_factory=dict)  # dir -> auto-loaded + other tfvars
    errors: list[ScanError] = field(default_factory=list)
    parsed_paths: set[Path] = field(default_factory=set)
    # inputs read besides the scanned tree (module folders elsewhere, modules.json):
    # the result cache must see a change to any of them
    extra_dirs: set[Path] = field(default_factory=set)
    extra_files: set[Path] = field(default_factory=set)
    cache_dir: Path | None = None
    # what file functions may read; None: Boundary.for_scan(root) (file_functions.FileContext)
    boundary: Boundary | None = None

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def terraform_file_kind(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def discover(root: Path, errors: list[ScanError], rel: Callable[[Path], str]) -> list[Path]:
    """All Terraform files under root; symlinked folders are followed once, loops reported."""
    found: list[Path] = []
    visited: set[str] = set()

    def walk(folder: Path) -> None:
        try:
            real = os.path.realpath(folder)
        except OSError as err:
            errors.append(ScanError(file=rel(folder), message=f"cannot resolve folder: {err.strerror}"))
            return
        if real in visited:
            if folder.is_symlink():
                errors.append(ScanError(file=rel(folder), message="symlink loop: this folder links back to one already scanned; not followed"))
            return
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            errors.append(ScanError(file=rel(folder), message=f"cannot list folder: {err.strerror}"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError as err:  # e.g. ELOOP on a self-referencing link
                errors.append(ScanError(file=rel(path), message=f"cannot read: {err.strerror or err}"))
                continue
            if is_dir:
                if entry.name not in SKIPPED_DIRS:
                    walk(path)
            elif is_file and terraform_file_kind(entry.name):
                found.append(path)
            elif entry.is_symlink() and terraform_file_kind(entry.name):
                errors.append(ScanError(file=rel(path), message="broken or looping symlink"))

    if root.is_file():
        return [root]
    walk(root)
    return found


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text, or ValueError with a user-facing reason."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"file is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit for one file; not analyzed")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes); not analyzed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(f"not valid UTF-8 (byte 0x{data[err.start]:02x} on line {line}); Terraform requires UTF-8") from None
    return text.removeprefix("\ufeff")


def parse_text(text: str, name: str) -> ast.FileBody:
    kind = terraform_file_kind(name)
    if kind in (".tf.json", ".tfvars.json"):
        return parse_json_text(text, name, tfvars=kind == ".tfvars.json")
    return parse_file_text(text, name)


def _lark_parser() -> object:
    from analyzer.hcl.parse import _lark

    return _lark()


def _fork_context() -> multiprocessing.context.BaseContext | None:
    # fork shares the already-built grammar; elsewhere fall back to the default
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _parse_job(job: tuple[str, str]) -> tuple[str, ast.FileBody | None, str, int]:
    name, text = job
    try:
        return name, parse_text(text, name), "", 0
    except HclSyntaxError as err:
        return name, None, str(err), err.line
    except RecursionError:
        return name, None, "nesting too deep to parse", 0
    except Exception as err:  # noqa: BLE001 - a parser bug must not stop the scan
        return name, None, f"parser failure: {type(err).__name__}: {err}", 0


def _parse_in_worker(job: tuple[str, str, str, str | None]) -> tuple[str, bytes | None, str, int]:
    """Parse in a pool worker; pickle once, for both the cache file and the trip back."""
    name, text, key, cache_dir = job
    _, body, message, line = _parse_job((name, text))
    if body is None:
        return name, None, message, line
    blob = pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)
    ParseCache(Path(cache_dir) if cache_dir else None).put_bytes(key, blob)
    return name, blob, "", 0


class ParseCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError:
                self.directory = None

    @staticmethod
    def key(text: str, name: str) -> str:
        kind = terraform_file_kind(name) or ""
        return hashlib.sha256(_CACHE_VERSION + kind.encode() + text.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> ast.FileBody | None:
        if self.directory is None:
            return None
        try:
            with open(self.directory / key[:2] / key, "rb") as handle:
                return pickle.load(handle)  # noqa: S301 - our own cache, outside the scanned tree
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
            return None

    def put(self, key: str, body: ast.FileBody) -> None:
        if self.directory is not None:
            self.put_bytes(key, pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL))

    def put_bytes(self, key: str, blob: bytes) -> None:
        if self.directory is None:
            return
        folder = self.directory / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, folder / key)
        except OSError:
            pass


def default_cache_dir() -> Path | None:
    """The cache base folder (parse cache in ast/, inventory cache in inventory/)."""
    if os.environ.get("RESIDENCY_NO_CACHE"):
        return None
    explicit = os.environ.get("RESIDENCY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "residency"


def load_tree(root: Path, *, cache_dir: Path | None = None, jobs: int | None = None,
              extra_files: list[Path] | None = None, rel_root: Path | None = None) -> SourceTree:
    root = root.resolve() if not root.is_symlink() else root.absolute()
    tree = SourceTree(root=rel_root or (root if root.is_dir() else root.parent), cache_dir=cache_dir)
    paths = discover(root, tree.errors, tree.rel)
    for extra in extra_files or []:
        if extra not in paths:
            paths.append(extra)
    cache = ParseCache(cache_dir)
    pending: list[tuple[str, str, str]] = []  # (name, text, key)
    results: dict[str, ast.FileBody] = {}
    for path in paths:
        name = str(path)
        try:
            text = read_text(path)
        except (OSError, ValueError) as err:
            message = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            tree.errors.append(ScanError(file=tree.rel(path), message=message))
            continue
        key = ParseCache.key(text, name)
        cached = cache.get(key)
        if cached is not None:
            cached.path = name
            results[name] = cached
        else:
            pending.append((name, text, key))
    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if workers > 1 and len(pending) >= _PARALLEL_THRESHOLD:
        _lark_parser()  # build the grammar once, before forking, so workers inherit it
        chunk = max(8, len(pending) // (workers * 4))
        work = [(name, text, key, str(cache_dir) if cache.directory else None) for name, text, key in pending]
        with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context()) as pool:
            for name, blob, message, line in pool.map(_parse_in_worker, work, chunksize=chunk):
                if blob is None:
                    tree.errors.append(ScanError(file=tree.rel(Path(name)), line=line, message=f"syntax error: {message}"))
                else:
                    results[name] = pickle.loads(blob)  # noqa: S301 - produced by our own worker
    else:
        for name, text, key in pending:
            _, body, message, line = _parse_job((name, text))
            if body is None:
                tree.errors.append(ScanError(file=tree.rel(Path(name)), line=line, message=f"syntax error: {message}"))
                continue
            cache.put(key, body)
            results[name] = body
    for name in sorted(results):
        path = Path(name)
        body = results[name]
        body.path = tree.rel(path)
        tree.parsed_paths.add(path)
        bucket = tree.tfvars if ".tfvars" in path.name else tree.files
        bucket.setdefault(path.parent, []).append(body)
    return tree


def load_dir(tree: SourceTree, folder: Path) -> None:
    """Parse one folder's Terraform files into the tree (module sources outside the scan)."""
    if folder in tree.files or folder in tree.tfvars:
        return
    try:
        entries = sorted(p for p in folder.iterdir() if p.is_file() and terraform_file_kind(p.name))
    except OSError as err:
        tree.errors.append(ScanError(file=tree.rel(folder), message=f"cannot list module folder: {err.strerror}"))
        return
    cache = ParseCache(tree.cache_dir)
    tree.files.setdefault(folder, [])
    tree.extra_dirs.add(folder)
    for path in entries:
        if path in tree.parsed_paths or ".tfvars" in path.name:
            continue
        try:
            text = read_text(path)
        except (OSError, ValueError) as err:
            tree.errors.append(ScanError(file=tree.rel(path), message=str(err)))
            continue
        key = ParseCache.key(text, str(path))
        body = cache.get(key)
        if body is None:
            _, body, message, line = _parse_job((str(path), text))
            if body is None:
                tree.errors.append(ScanError(file=tree.rel(path), line=line, message=f"syntax error: {message}"))
                continue
            cache.put(key, body)
        body.path = tree.rel(path)
        tree.parsed_paths.add(path)
        tree.files[folder].append(body)
