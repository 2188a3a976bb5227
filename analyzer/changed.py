"""Pull-request mode (`--changed-from REF`): scan only the inputs a change affects.

How it decides:

1. The changed files are ``git diff --name-only REF...HEAD`` (what the branch changed since
   it left REF) plus uncommitted work: ``git diff --name-only HEAD`` (staged and unstaged)
   and ``git ls-files --others --exclude-standard`` (new files), run in the repository of
   the first scanned path. Nothing is fetched; if git fails or REF is not a commit, the
   command exits 2.
2. Each input format (analyzer/formats.py) says which of its units the changed files affect:
   a Terraform root when a Terraform file in its folder or in a folder it calls through
   local module sources (transitively) changed; a chart when any file under its folder
   changed (templates, its values files, vendored subcharts) or a --values/--set-file file;
   a manifest or a plan when its own file changed. A plan and the Terraform root beside it
   are selected together (they are joined). A change to the policy file the scan uses or to
   a --var-file selects everything.
3. git never runs a program the repository's config names (fsmonitor, hooks, external diff,
   textconv, clean/smudge filters, pager): see ``_Git``.
4. The scan evaluates only the selected units (scan.collect_pieces `select`), each whole:
   a root with all its modules. Errors met in units not selected are dropped.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.formats import Selection, discover, select_units
from analyzer.models import Inventory
from analyzer.terraform.loader import SourceTree
from analyzer.walk import Excludes


class ChangedError(Exception):
    """git could not tell what changed (not a repository, unknown ref, git missing)."""


# Git in a scanned repository runs with that repository's config, which the repository's
# author may control (an unpacked archive, a nested checkout): every setting that makes git
# run a program is switched off, global/system config is ignored, nothing prompts, pages or
# writes the index, and each call is bounded in time.
GIT_TIMEOUT_SECONDS = 120
_OVERRIDES: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"), ("core.hooksPath", "/dev/null"), ("diff.external", ""),
    ("core.pager", "cat"), ("core.quotepath", "off"), ("core.untrackedCache", "false"),
    ("diff.relative", "false"), ("diff.orderFile", "/dev/null"),
)
_DIFF_FLAGS = ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all", "--name-only")
# the only git variables kept from the caller: it limits where git looks for a repository
_KEPT_GIT_VARIABLES = ("GIT_CEILING_DIRECTORIES",)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT_GIT_VARIABLES}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
               GIT_OPTIONAL_LOCKS="0", GIT_ATTR_NOSYSTEM="1", GIT_NO_REPLACE_OBJECTS="1", GIT_PAGER="cat",
               LC_ALL="C")
    return env


def _with_config(env: dict[str, str], settings: list[tuple[str, str]]) -> dict[str, str]:
    # GIT_CONFIG_KEY_n/VALUE_n: command-line scope, and any driver name is passed verbatim
    out = dict(env, GIT_CONFIG_COUNT=str(len(settings)))
    for index, (key, value) in enumerate(settings):
        out[f"GIT_CONFIG_KEY_{index}"] = key
        out[f"GIT_CONFIG_VALUE_{index}"] = value
    return out


def _run(cwd: Path, args: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "--no-pager", *args], cwd=cwd, capture_output=True, text=True,  # noqa: S603,S607
                              errors="surrogateescape", check=False, env=env, stdin=subprocess.DEVNULL,
                              timeout=GIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as err:
        raise ChangedError(f"git {' '.join(args)} did not finish in {GIT_TIMEOUT_SECONDS} s") from err
    except OSError as err:
        raise ChangedError(f"cannot run git: {err}") from err


def _user_safe_directories() -> list[str]:
    """The caller's own `safe.directory` entries (global and system config): ignoring those
    files must not break a CI checkout owned by another user that the caller already trusts."""
    values: list[str] = []
    for scope in ("--system", "--global"):
        try:
            done = subprocess.run(["git", "config", scope, "--get-all", "safe.directory"], cwd=os.path.abspath(os.sep),  # noqa: S603,S607
                                  capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
                                  timeout=GIT_TIMEOUT_SECONDS)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            values += [line for line in done.stdout.splitlines() if line]
    return values


class _Git:
    """git commands in one repository with every program-running setting switched off."""

    def __init__(self) -> None:
        self.settings = [*_OVERRIDES, *(("safe.directory", v) for v in _user_safe_directories())]
        self.env = _with_config(_base_env(), self.settings)

    def __call__(self, cwd: Path, *args: str) -> str:
        done = _run(cwd, args, self.env)
        if done.returncode != 0:
            raise ChangedError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}")
        return done.stdout

    def disable_filters(self, top: Path) -> None:
        """Clean/smudge filters (`filter=NAME` in .gitattributes) run whenever git hashes a
        working-tree file; there is no switch for all of them, so each configured one is emptied."""
        done = _run(top, ("config", "--null", "--get-regexp", r"^filter\."), self.env)
        names = set()
        for item in done.stdout.split("\0"):
            key = item.split("\n", 1)[0]
            if key.count(".") >= 2:
                names.add(key[len("filter."):key.rindex(".")])
        for name in sorted(names):
            self.settings += [(f"filter.{name}.{var}", "") for var in ("clean", "smudge", "process")]
            self.settings.append((f"filter.{name}.required", "false"))
        self.env = _with_config(_base_env(), self.settings)


def changed_files(path: Path, ref: str) -> tuple[Path, list[Path]]:
    """(repository top folder, every changed or new file as an absolute path)."""
    if not ref or ref.startswith("-"):
        raise ChangedError(f"{ref!r} is not a git ref")  # it would be read as an option of git diff
    start = (path if path.is_dir() else path.parent).resolve()
    git = _Git()
    top = Path(git(start, "rev-parse", "--show-toplevel").strip()).resolve()
    if not (start == top or top in start.parents):
        # e.g. core.worktree pointing elsewhere: its changes say nothing about this tree
        raise ChangedError(f"git's work tree {top} does not contain {start}")
    git.disable_filters(top)
    try:
        git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except ChangedError as err:
        raise ChangedError(f"unknown git ref {ref!r} (nothing is fetched: fetch it first)") from err
    names: set[str] = set()
    for args in (("diff", *_DIFF_FLAGS, f"{ref}...HEAD", "--"), ("diff", *_DIFF_FLAGS, "HEAD", "--"),
                 ("ls-files", "--others", "--exclude-standard")):
        names.update(line for line in git(top, *args).splitlines() if line)
    return top, sorted(top / name for name in names)


def select_changed(paths: list[Path], base: Path, ref: str, excludes: Excludes, *,
                   everything: list[Path], chart_inputs: list[Path]) -> ChangedSelection:
    """Which units under ``paths`` (scan root ``base``) a change since ``ref`` affects: each
    input format says which of its units the changed files touch (analyzer/formats.py)."""
    _top, files = changed_files(paths[0], ref)
    units = discover(paths, base, excludes)
    selection = select_units(paths, units, files, everything=everything, chart_inputs=chart_inputs)
    return ChangedSelection(ref=ref, base=base, changed_files=files, selection=selection)


SHOWN_NAMES = 20  # units named on stderr; the counts are always complete


@dataclass
class ChangedSelection:
    ref: str
    base: Path
    changed_files: list[Path] = field(default_factory=list)  # absolute
    selection: Selection = field(default_factory=Selection)

    @property
    def empty(self) -> bool:
        return not self.selection.units and not self.selection.orphans

    def describe(self) -> str:
        why = f" ({_rel(Path(self.selection.everything), self.base)} changed: everything)" if self.selection.everything else ""
        if self.empty:
            return f"changed since {self.ref}: {self.selection.counts()}; nothing to scan"
        names = sorted({u.rel for u in self.selection.units} | {_rel(o, self.base) for o in self.selection.orphans})
        shown = ", ".join(names[:SHOWN_NAMES]) + (f", … {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")
        return f"changed since {self.ref}: {self.selection.counts()}{why}: {shown}"

    def select(self, units: list[tuple[str, str, Path]], _tree: SourceTree | None) -> set[tuple[str, str]]:
        """The scan's unit selector (scan.collect_pieces `select`)."""
        keys = self.selection.keys
        return {(kind, rel) for kind, rel, _path in units if (kind, rel) in keys}

    def keep(self, inventory: Inventory) -> Inventory:
        """Only selected units are scanned; the errors met while discovering and parsing the
        rest (an unchanged root's broken file) are dropped too."""
        inventory.errors = [e for e in inventory.errors
                            if self.selection.keeps_error(Path(os.path.normpath(self.base / e.file)))]
        return inventory


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return path.as_posix()
