"""Find, read and parse Terraform files safely.

Reading is defensive: size limit, binary detection, strict UTF-8, symlink loops. Each bad
file becomes a ScanError naming the file (and line, for syntax errors) while every other
file is still parsed. Parsing is neither cached nor spread over processes: tree-sitter
parses a 1,000-file estate in about the time it took to unpickle a parse cache, and a
cache of pickles is code a planted file could run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from analyzer.gc_policy import parsing
from analyzer.hcl import ast
from analyzer.hcl.json_syntax import parse_json_text
from analyzer.hcl.parse import HclSyntaxError, parse_file_text
from analyzer.models import ScanError
from analyzer.terraform.parallel_parse import parse_all
from analyzer.tree_guard import MAX_FILE_BYTES, Boundary, RefusedPath, read_regular_file, special_file_kind
from analyzer.walk import SKIPPED_DIRS, Excludes

_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


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
    # folder -> what it declares (analyzer/terraform/module.py FolderIndex), built on first use
    indexes: dict[Path, Any] = field(default_factory=dict, repr=False, compare=False)
    # nothing outside it is read (tree_guard); None: the scanned folder's own boundary
    boundary: Boundary | None = None

    @cached_property
    def _root_text(self) -> str:
        return str(self.root)

    @property
    def guard(self) -> Boundary:
        return self.boundary or Boundary.for_scan(self.root)

    def rel(self, path: Path) -> str:
        """A path as reports show it: relative to the scan root, `../` for a module folder above
        it (never the scanning machine's absolute folders)."""
        text, root = str(path), self._root_text
        if text.startswith(root) and text[len(root):len(root) + 1] == "/" and "/." not in text[len(root):]:
            return text[len(root) + 1:]  # the common case, without building Path objects
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
             boundary: Boundary | None = None, excludes: Excludes | None = None) -> list[Path]:
    """All Terraform files under root. Symlinked folders are followed once when they stay inside
    the boundary; a link that leaves it, loops or dangles, and a Terraform-named file that is not
    a regular file (a FIFO named main.tf), is an error naming the path, and nothing is read."""
    if root.is_file():
        return [root]
    guard = boundary or Boundary.for_scan(root)
    found: list[Path] = []
    visited: set[str] = set()
    keep = (excludes or Excludes()).walker(root)  # --skip-path, .gitignore (analyzer/walk.py)

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
            if (is_dir and entry.name in SKIPPED_DIRS) or keep.skip(path, is_dir):
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


def _parse_job(name: str, text: str) -> tuple[ast.FileBody | None, str, int]:
    """The parsed file, or (None, message, line): one bad file never stops the scan."""
    try:
        return parse_text(text, name), "", 0
    except HclSyntaxError as err:
        return None, str(err), err.line
    except RecursionError:
        return None, "nesting too deep to parse", 0
    except Exception as err:  # noqa: BLE001 - a parser bug must not stop the scan
        return None, f"parser failure: {type(err).__name__}: {err}", 0


def default_cache_dir() -> Path | None:
    """The cache base folder (the inventory cache lives in inventory/)."""
    if os.environ.get("RESIDENCY_NO_CACHE"):
        return None
    explicit = os.environ.get("RESIDENCY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "residency"


def load_tree(root: Path, *, extra_files: list[Path] | None = None, rel_root: Path | None = None,
              boundary: Boundary | None = None, excludes: Excludes | None = None) -> SourceTree:
    root = root.resolve() if not root.is_symlink() else root.absolute()
    tree = SourceTree(root=rel_root or (root if root.is_dir() else root.parent),
                      boundary=boundary or Boundary.for_scan(root))
    paths = discover(root, tree.errors, tree.rel, tree.boundary, excludes)
    for extra in extra_files or []:
        if extra not in paths:
            paths.append(extra)
    jobs: list[tuple[str, str]] = []
    for path in paths:  # every file is read here, through the tree guard, before any is parsed
        try:
            jobs.append((str(path), read_text(path, tree.guard, shown=tree.rel(path))))
        except (OSError, ValueError) as err:
            message = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            tree.errors.append(ScanError(file=tree.rel(path), message=message))
    results: dict[str, ast.FileBody] = {}
    with parsing():  # see analyzer/gc_policy.py
        parsed = parse_all(jobs, _parse_job)  # in two processes where that pays (parallel_parse.py)
    for (name, _), (body, message, line) in zip(jobs, parsed):
        if body is None:
            tree.errors.append(ScanError(file=tree.rel(Path(name)), line=line, message=f"syntax error: {message}"))
            continue
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
        body, message, line = _parse_job(str(path), text)
        if body is None:
            tree.errors.append(ScanError(file=tree.rel(path), line=line, message=f"syntax error: {message}"))
            continue
        body.path = tree.rel(path)
        tree.parsed_paths.add(path)
        tree.files[folder].append(body)
