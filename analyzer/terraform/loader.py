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
from pathlib import Path
from typing import Callable

from analyzer.hcl import ast
from analyzer.hcl.json_syntax import parse_json_text
from analyzer.hcl.parse import HclSyntaxError, parse_file_text
from analyzer.models import ScanError
from analyzer.walk import SKIPPED_DIRS

MAX_FILE_BYTES = 8 * 1024 * 1024
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


def load_tree(root: Path, *, extra_files: list[Path] | None = None, rel_root: Path | None = None) -> SourceTree:
    root = root.resolve() if not root.is_symlink() else root.absolute()
    tree = SourceTree(root=rel_root or (root if root.is_dir() else root.parent))
    paths = discover(root, tree.errors, tree.rel)
    for extra in extra_files or []:
        if extra not in paths:
            paths.append(extra)
    results: dict[str, ast.FileBody] = {}
    for path in paths:
        name = str(path)
        try:
            text = read_text(path)
        except (OSError, ValueError) as err:
            message = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            tree.errors.append(ScanError(file=tree.rel(path), message=message))
            continue
        body, message, line = _parse_job(name, text)
        if body is None:
            tree.errors.append(ScanError(file=tree.rel(path), line=line, message=f"syntax error: {message}"))
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
    try:
        entries = sorted(p for p in folder.iterdir() if p.is_file() and terraform_file_kind(p.name))
    except OSError as err:
        tree.errors.append(ScanError(file=tree.rel(folder), message=f"cannot list module folder: {err.strerror}"))
        return
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
        body, message, line = _parse_job(str(path), text)
        if body is None:
            tree.errors.append(ScanError(file=tree.rel(path), line=line, message=f"syntax error: {message}"))
            continue
        body.path = tree.rel(path)
        tree.parsed_paths.add(path)
        tree.files[folder].append(body)
