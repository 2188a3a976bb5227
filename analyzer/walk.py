"""What every input finder skips when it walks a tree (one list and one filter for every input kind).

`Excludes` is what the operator excluded (`--skip-path`, `.gitignore`, `.helmignore`); each
walker asks `Excludes.walker(root)` for a `PathFilter` and calls `skip(path, is_dir)` on every
entry, so Terraform, plan, manifest and chart discovery exclude exactly the same paths.
"""

from __future__ import annotations

import fnmatch
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
    """One walk's filter: the ignore files it read are kept for the rest of that walk."""

    root: Path
    excludes: Excludes
    _specs: dict[Path, list[pathspec.GitIgnoreSpec]] = field(default_factory=dict)
    _regexes: list[tuple[str, re.Pattern[str] | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._regexes = [(p, _compile(p)) for p in self.excludes.skip_paths]

    def skip(self, path: Path | str, is_dir: bool) -> bool:
        path = Path(path)
        if is_dir and path.name in SKIPPED_DIRS:
            return True
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return False  # not under this walk's root: nothing here excludes it
        if not rel.parts:
            return False  # the scanned folder itself is never excluded
        text = rel.as_posix()
        if self._skipped_by_flag(text):
            return True
        return self.excludes.gitignore and self._ignored(rel, is_dir)

    def prune(self, folder: str | Path, dirs: list[str], files: list[str]) -> tuple[list[str], list[str]]:
        """For an os.walk step: the sub-folders to descend into (sorted) and the files to look at."""
        base = Path(folder)
        kept_dirs = sorted(d for d in dirs if not self.skip(base / d, True))
        kept_files = [f for f in files if not self.skip(base / f, False)]
        return kept_dirs, kept_files

    def _skipped_by_flag(self, text: str) -> bool:
        parts = text.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        for pattern, regex in self._regexes:
            if regex is not None and regex.search(text):
                return True
            if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
                return True
        return False

    def _ignored(self, rel: Path, is_dir: bool) -> bool:
        """Git's rule: the deepest ignore file with a matching pattern decides (`!` re-includes)."""
        folders = [self.root.joinpath(*rel.parts[:i]) for i in range(len(rel.parts))]
        for depth in range(len(folders) - 1, -1, -1):
            below = Path(*rel.parts[depth:]).as_posix() + ("/" if is_dir else "")
            for spec in reversed(self._specs_of(folders[depth])):
                decision = spec.check_file(below).include
                if decision is not None:
                    return decision
        return False

    def _specs_of(self, folder: Path) -> list[pathspec.GitIgnoreSpec]:
        if folder not in self._specs:
            names = [".gitignore"] + ([".helmignore"] if (folder / "Chart.yaml").is_file() else [])
            self._specs[folder] = [spec for name in names if (spec := _read_spec(folder / name)) is not None]
        return self._specs[folder]


def _read_spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    """An ignore file's patterns; a link, a non-file or an oversized file is not read."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > IGNORE_FILE_LIMIT:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())
