"""What every input finder skips when it walks a tree (one list and one filter for every input kind).

`Excludes` is what the operator excluded (`--skip-path`, `.gitignore`, `.helmignore`); each
walker asks `Excludes.walker(root)` for a `PathFilter` and calls `skip(path, is_dir)` on every
entry, so Terraform, plan, manifest and chart discovery exclude exactly the same paths.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

# VCS data, Terraform's own download cache (read only through modules.json), tool caches
SKIPPED_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__", ".residency-cache"})
IGNORE_FILE_LIMIT = 1024 * 1024  # a larger .gitignore is not read (and excludes nothing)


def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # `**/gen` or `*.yaml` are globs, not regular expressions


@dataclass(frozen=True)
class Excludes:
    """Paths the walkers skip. skip_paths: checkov's --skip-path, each a regular expression searched
    in the path relative to the scanned folder, or a glob matching it (or a folder above it);
    gitignore: honour .gitignore files from the scanned folder down, and a chart's .helmignore."""

    skip_paths: tuple[str, ...] = ()
    gitignore: bool = True

    def walker(self, root: Path) -> PathFilter:
        return PathFilter(root=Path(root), excludes=self)

    def cache_tag(self) -> str:
        """What the Terraform result cache must key on besides the tree (ignore files are in the tree)."""
        return f"skip={chr(0).join(self.skip_paths)};gitignore={self.gitignore}"


@dataclass
class PathFilter:
    """One walk's filter: the ignore files it read are kept for the rest of that walk.

    Paths are handled as strings: a walk asks about every entry of the tree, and building
    Path objects for each one cost more than the rest of discovery."""

    root: Path
    excludes: Excludes
    _specs: dict[str, list[pathspec.GitIgnoreSpec]] = field(default_factory=dict)
    _regexes: list[tuple[str, re.Pattern[str] | None]] = field(default_factory=list)
    _root_text: str = ""

    def __post_init__(self) -> None:
        self._regexes = [(p, _compile(p)) for p in self.excludes.skip_paths]
        self._root_text = str(self.root)

    def skip(self, path: Path | str, is_dir: bool) -> bool:
        text = os.fspath(path)
        if is_dir and os.path.basename(text) in SKIPPED_DIRS:
            return True
        rel = self._relative(text)
        if not rel:
            return False  # the scanned folder itself is never excluded; nor is a path outside it
        if self._regexes and self._skipped_by_flag(rel):
            return True
        return self.excludes.gitignore and self._ignored(rel, is_dir)

    def prune(self, folder: str | Path, dirs: list[str], files: list[str]) -> tuple[list[str], list[str]]:
        """For an os.walk step: the sub-folders to descend into (sorted) and the files to look at."""
        base = os.fspath(folder)
        kept_dirs = sorted(d for d in dirs if not self.skip(os.path.join(base, d), True))
        kept_files = [f for f in files if not self.skip(os.path.join(base, f), False)]
        return kept_dirs, kept_files

    def _relative(self, text: str) -> str:
        """path relative to the walk's root, '/'-separated; "" for the root or a path outside it."""
        root = self._root_text
        if text.startswith(root):
            rest = text[len(root):]
            if not rest:
                return ""
            if not root.endswith("/"):
                rest = rest[1:] if rest[0] == "/" else "\0"  # "\0": /a/bc is not under /a/b
            probe = f"/{rest}/"
            if "\0" not in rest and "//" not in probe and "/./" not in probe and "/../" not in probe:
                return rest.rstrip("/")
        try:  # relative or unnormalised spellings: let pathlib decide
            rel = Path(text).relative_to(self.root)
        except ValueError:
            return ""
        return rel.as_posix() if rel.parts else ""

    def _skipped_by_flag(self, text: str) -> bool:
        parts = text.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        for pattern, regex in self._regexes:
            if regex is not None and regex.search(text):
                return True
            if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
                return True
        return False

    def _ignored(self, rel: str, is_dir: bool) -> bool:
        """Git's rule: the deepest ignore file with a matching pattern decides (`!` re-includes)."""
        parts = rel.split("/")
        folders = [self._root_text]
        for part in parts[:-1]:
            folders.append(os.path.join(folders[-1], part))
        for depth in range(len(folders) - 1, -1, -1):
            specs = self._specs_of(folders[depth])
            if not specs:
                continue
            below = "/".join(parts[depth:]) + ("/" if is_dir else "")
            for spec in reversed(specs):
                decision = spec.check_file(below).include
                if decision is not None:
                    return decision
        return False

    def _specs_of(self, folder: str) -> list[pathspec.GitIgnoreSpec]:
        specs = self._specs.get(folder)
        if specs is None:
            base = Path(folder)
            names = [".gitignore"] + ([".helmignore"] if (base / "Chart.yaml").is_file() else [])
            specs = self._specs[folder] = [spec for name in names if (spec := _read_spec(base / name)) is not None]
        return specs


def _read_spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    """An ignore file's patterns; a link, a non-file or an oversized file is not read."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > IGNORE_FILE_LIMIT:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())
