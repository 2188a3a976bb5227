"""Which YAML files in a tree are rendered Kubernetes manifests?

A candidate is a `.yaml`/`.yml` file that is not part of a Helm chart (Chart.yaml,
values*.yaml, anything inside a folder holding Chart.yaml: its templates are Go templates,
not YAML, and are rendered separately) and not the analyzer's own policy file. A cheap sniff
of the first 64 KiB then keeps the files with both an `apiVersion` and a `kind` key; a longer file
missing one of them there (a 70 KiB comment or annotation before `kind:`) is searched whole (up
to the size limit), so a manifest is never skipped for where its keys are.

Fail closed: a candidate whose head is not readable text (NUL bytes, invalid UTF-8) cannot be
sniffed, so it is kept and scan_manifests reports why it is not analyzed. Every candidate is
judged by the shared tree guard (analyzer/tree_guard.py): a symlink that resolves outside the
boundary or into `.git`, loops or dangles, and a named pipe or device named `*.yaml`, is not
read and comes back as a RefusedManifest (a CKV_RES_9 error for the caller), never as a path.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from analyzer.helm.manifests import MAX_FILE_BYTES
from analyzer.tree_guard import Boundary, RefusedPath, read_regular_file, special_file_kind
from analyzer.walk import SKIPPED_DIRS, Excludes

_SUFFIXES = (".yaml", ".yml")
_SNIFF_BYTES = 65536
_API_VERSION = re.compile(rb"""(?m)^[ \t]*(?:-[ \t]+)?["']?apiVersion["']?[ \t]*:|[{,][ \t]*["']?apiVersion["']?[ \t]*:""")
_KIND = re.compile(rb"""(?m)^[ \t]*(?:-[ \t]+)?["']?kind["']?[ \t]*:|[{,][ \t]*["']?kind["']?[ \t]*:""")
_NOT_MANIFESTS = {"chart.yaml", "chart.yml", "residency.yaml", "residency.yml"}


def _is_values_file(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("values") and lowered.endswith(_SUFFIXES)


def _in_chart_templates(path: Path) -> bool:
    """Inside `templates/` of a folder holding Chart.yaml."""
    if "templates" not in path.parts[:-1]:
        return False
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False


def is_manifest_candidate(path: Path) -> bool:
    """A `.yaml`/`.yml` file that is not a chart's Chart.yaml, values file or template."""
    name = path.name
    if not name.lower().endswith(_SUFFIXES) or name.lower() in _NOT_MANIFESTS or _is_values_file(name):
        return False
    return not _in_chart_templates(path)


def sniff(path: Path) -> bool:
    """Does the file look like Kubernetes objects (an `apiVersion` and a `kind` key)? Unreadable-
    as-text heads count as yes, so the scan reports them instead of passing."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return True  # scan_manifests reports why it cannot be read
    return _looks_like_objects(head, path)


def _looks_like_objects(head: bytes, path: Path) -> bool:
    if b"\x00" in head[:8192]:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut in half at the sniff boundary
            return True
    # the substring tests first: the patterns scan every byte, and most YAML in a repository
    # (factory data, CI configuration) names neither key
    has_api = b"apiVersion" in head and bool(_API_VERSION.search(head))
    has_kind = has_api and b"kind" in head and bool(_KIND.search(head))
    if has_api and has_kind:
        return True
    if len(head) < _SNIFF_BYTES:
        return False
    try:  # the keys may come after a long head: the whole file decides (it is at most the size limit)
        whole = read_regular_file(path, path.name, MAX_FILE_BYTES)
    except RefusedPath:
        return True  # too big or unreadable: scan_manifests reports why
    return b"apiVersion" in whole and bool(_API_VERSION.search(whole)) and bool(_KIND.search(whole))


@dataclass(frozen=True)
class RefusedManifest:
    """A manifest candidate that is not read: `path` as walked (not resolved), `reason` for CKV_RES_9."""

    path: Path
    reason: str

    def rel_to(self, base: Path) -> str:
        return rel_path(self.path, base)


def rel_path(path: Path, base: Path) -> str:
    """A walked file's path relative to base (resolved) by where the file *is*, its folder resolved
    and its own name kept: a symlinked manifest keeps its own name (its target may be elsewhere in
    the repository, or nowhere), and nothing raises."""
    try:
        return (path.parent.resolve() / path.name).relative_to(base).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.name


def find_manifests(root: Path, scan_root: Boundary | Path | None = None) -> list[Path]:
    """Every rendered-manifest file under root that may be read, sorted (see find_manifest_files)."""
    return find_manifest_files(root, scan_root)[0]


def find_manifest_files(root: Path, scan_root: Boundary | Path | None = None,
                        excludes: Excludes | None = None) -> tuple[list[Path], list[RefusedManifest]]:
    """(every rendered-manifest file under root, sorted; the candidates refused by the tree guard).

    Symlinked folders are not followed; chart folders (holding Chart.yaml) are left to the chart
    renderer. scan_root is the boundary (default: Boundary.for_scan(root)). root itself, a file the
    operator named, is returned as it is when it is a candidate."""
    if root.is_file():
        return ([root] if is_manifest_candidate(root) else []), []
    boundary = scan_root if isinstance(scan_root, Boundary) else (
        Boundary(scan_root.resolve()) if scan_root is not None else Boundary.for_scan(root))
    found: list[Path] = []
    refused: list[RefusedManifest] = []
    keep = (excludes or Excludes()).walker(root)  # --skip-path, .gitignore (analyzer/walk.py)
    for folder, dirs, files in os.walk(root):
        if "Chart.yaml" in files:
            dirs[:] = []
            continue
        dirs[:], files = keep.prune(folder, [d for d in dirs if d not in SKIPPED_DIRS], files)
        for name in sorted(files):
            path = Path(folder) / name
            if not is_manifest_candidate(path):
                continue
            shown = _shown(path, boundary)
            try:
                real = boundary.resolve(path, shown=shown)
                head = _head(real, shown)
            except RefusedPath as err:
                refused.append(RefusedManifest(path, str(err)))
                continue
            if _looks_like_objects(head, real):
                found.append(path)
    return found, refused


def _head(real: Path, shown: str) -> bytes:
    """The first _SNIFF_BYTES of a regular file; RefusedPath for anything else (checked on the open
    descriptor, opened without blocking, as tree_guard.read_regular_file does)."""
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        kind = special_file_kind(real)
        if kind is not None:  # a socket cannot even be opened
            raise RefusedPath(f"{shown} is {kind}, not a regular file; never read, not analyzed") from None
        raise RefusedPath(f"{shown} cannot be read: {err.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            kind = special_file_kind(real) or "not a regular file"
            raise RefusedPath(f"{shown} is {kind}, not a regular file; never read, not analyzed")
        return os.read(fd, _SNIFF_BYTES)
    finally:
        os.close(fd)


def _shown(path: Path, boundary: Boundary) -> str:
    """path relative to the boundary as written (never resolved), for messages."""
    try:
        folder = boundary.real_folder(path.parent) if path.parent.is_absolute() else None
        return ((folder or path.parent.resolve()) / path.name).relative_to(boundary.root).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.name
