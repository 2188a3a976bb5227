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
from analyzer.tree_guard import MAX_FILE_BYTES, Boundary, RefusedPath, read_regular_file, special_file_kind
from analyzer.walk import SKIPPED_DIRS

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
    # nothing outside it is read (tree_guard); None: the scanned folder's own boundary
    boundary: Boundary | None = None

    @property
    def guard(self) -> Boundary:
        return self.boundary or Boundary.for_scan(self.root)

    def rel(self, path: Path) -> str:
        """A path as reports show it: relative to the scan root, `../` for a module folder above
        it (never the scanning machine's absolute folders)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return Path(os.path.relpath(os.path.abspath(path), self.root)).as_posix()


def terraform_file_kind(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def discover(root: Path, errors: list[ScanError], rel: Callable[[Path], str],
             boundary: Boundary | None = None) -> list[Path]:
    """All Terraform files under root. Symlinked folders are followed once when they stay inside
    the boundary; a link that leaves it, loops or dangles, and a Terraform-named file that is not
    a regular file (a FIFO named main.tf), is an error naming the path, and nothing is read."""
    if root.is_file():
        return [root]
    guard = boundary or Boundary.for_scan(root)
    found: list[Path] = []
    visited: set[str] = set()

    def refuse(path: Path, message: str) -> None:
        errors.append(ScanError(file=rel(path), message=message))

    def walk(folder: Path) -> None:
        real = os.path.realpath(folder)
        if real in visited:
            if folder.is_symlink():
                refuse(folder, "symlink loop: this folder links back to one already scanned; not followed")
            return
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            refuse(folder, f"cannot list folder: {err.strerror}")
            return
        for entry in entries:
            path = Path(entry.path)
            kind = terraform_file_kind(entry.name)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows a link: the target is vetted below
            except OSError:
                is_link, is_dir = True, False
            if is_dir and entry.name in SKIPPED_DIRS:
                continue
            if is_link and (is_dir or kind):
                try:
                    guard.resolve(path, shown=rel(path))
                except RefusedPath as err:
                    refuse(path, str(err))
                    continue
            if is_dir:
                walk(path)
            elif kind:
                special = special_file_kind(path) if not is_link else None
                if special is not None:
                    refuse(path, f"{rel(path)} is {special}, not a regular file; never read, not analyzed")
                elif is_link and not os.path.exists(path):
                    refuse(path, f"broken or looping symlink: {rel(path)}; not analyzed")
                else:
                    found.append(path)

    walk(root)
    return found


def discover_folder(folder: Path, errors: list[ScanError], rel: Callable[[Path], str],
                    boundary: Boundary) -> list[Path]:
    """The Terraform files of one folder (a module's), vetted as discover vets them."""
    found: list[Path] = []
    try:
        names = sorted(os.listdir(folder))
    except OSError as err:
        errors.append(ScanError(file=rel(folder), message=f"cannot list module folder: {err.strerror}"))
        return found
    for name in names:
        path = folder / name
        if not terraform_file_kind(name) or os.path.isdir(path):
            continue
        special = special_file_kind(path)
        if special is not None:
            errors.append(ScanError(file=rel(path), message=f"{rel(path)} is {special}, not a regular file; never read, not analyzed"))
        elif os.path.islink(path) and not boundary.is_inside(path):
            try:
                boundary.resolve(path, shown=rel(path))
            except RefusedPath as err:
                errors.append(ScanError(file=rel(path), message=str(err)))
        else:
            found.append(path)
    return found


def decode_terraform(data: bytes) -> str:
    """A Terraform file's text, or ValueError with a user-facing reason."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes); not analyzed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(f"not valid UTF-8 (byte 0x{data[err.start]:02x} on line {line}); Terraform requires UTF-8") from None
    return text.removeprefix("\ufeff")


def read_text(path: Path, boundary: Boundary | None, *, shown: str | None = None,
              max_bytes: int = MAX_FILE_BYTES) -> str:
    """A Terraform file's text read through the boundary (None: a file the operator named,
    already vetted with operator_file); ValueError with a user-facing reason otherwise."""
    name = shown if shown is not None else str(path)
    if boundary is None:
        data = read_regular_file(path, name, max_bytes)
    else:
        data = boundary.read_bytes(path, shown=name, max_bytes=max_bytes)
    return decode_terraform(data)


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
              extra_files: list[Path] | None = None, rel_root: Path | None = None,
              boundary: Boundary | None = None) -> SourceTree:
    root = root.resolve() if not root.is_symlink() else root.absolute()
    tree = SourceTree(root=rel_root or (root if root.is_dir() else root.parent), cache_dir=cache_dir,
                      boundary=boundary or Boundary.for_scan(root))
    paths = discover(root, tree.errors, tree.rel, tree.boundary)
    for extra in extra_files or []:
        if extra not in paths:
            paths.append(extra)
    cache = ParseCache(cache_dir)
    pending: list[tuple[str, str, str]] = []  # (name, text, key)
    results: dict[str, ast.FileBody] = {}
    for path in paths:
        name = str(path)
        try:
            text = read_text(path, tree.guard, shown=tree.rel(path))
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
    entries = [p for p in discover_folder(folder, tree.errors, tree.rel, tree.guard) if ".tfvars" not in p.name]
    cache = ParseCache(tree.cache_dir)
    tree.files.setdefault(folder, [])
    tree.extra_dirs.add(folder)
    for path in entries:
        if path in tree.parsed_paths or ".tfvars" in path.name:
            continue
        try:
            text = read_text(path, tree.guard, shown=tree.rel(path))
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
