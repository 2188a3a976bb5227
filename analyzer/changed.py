"""Pull-request mode (`--changed-from REF`): scan only the Terraform roots a change touches.

How it decides:

1. The changed files are ``git diff --name-only REF...HEAD`` (what the branch changed since
   it left REF) plus uncommitted work: ``git diff --name-only HEAD`` (staged and unstaged)
   and ``git ls-files --others --exclude-standard`` (new files), run in the repository of
   the first scanned path. Nothing is fetched; if git fails or REF is not a commit, the
   command exits 2.
2. Only Terraform files (``.tf``, ``.tf.json``, ``.tfvars``, ``.tfvars.json``) and plan JSON
   files count; their folders are the changed folders.
3. A Terraform root (a folder no scanned folder calls, as in a normal scan) is selected when
   its own folder, or any folder it calls through local module sources (transitively), is a
   changed folder. A changed plan JSON file selects itself.
4. git never runs a program the repository's config names (fsmonitor, hooks, external diff,
   textconv, clean/smudge filters, pager): see ``_Git``.
5. The scan itself is unchanged (each selected root is evaluated whole, with its modules);
   rows, providers and errors of the roots not selected are dropped before the rules run.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.models import Inventory
from analyzer.plan.detect import is_plan_candidate
from analyzer.terraform.loader import SourceTree, load_dir, load_tree, terraform_file_kind
from analyzer.terraform.roots import find_roots
from analyzer.terraform.sources import is_local_source, static_source


class ChangedError(Exception):
    """git could not tell what changed (not a repository, unknown ref, git missing)."""


@dataclass
class ChangedSelection:
    ref: str
    changed_files: list[Path] = field(default_factory=list)  # absolute, relevant files only
    roots: set[str] = field(default_factory=set)  # selected roots, relative to the scan root
    folders: set[str] = field(default_factory=set)  # folders of the selected roots and their modules
    plans: set[str] = field(default_factory=set)  # changed plan files, relative to the scan root

    def describe(self) -> str:
        if not self.roots and not self.plans:
            return f"no Terraform root changed since {self.ref}; nothing to scan"
        names = sorted(self.roots | self.plans)
        return f"changed since {self.ref}: scanning {len(names)} root(s): {', '.join(names)}"


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


def _relevant(path: Path) -> bool:
    return terraform_file_kind(path.name) is not None or is_plan_candidate(path)


def _called_folders(tree: SourceTree, root: Path) -> set[Path]:
    """The root folder and every folder it calls through local module sources, transitively."""
    seen = {root}
    stack = [root]
    while stack:
        folder = stack.pop()
        if folder not in tree.files and folder.is_dir():
            load_dir(tree, folder)
        for body in tree.files.get(folder, []):
            for block in body.blocks:
                if block.type != "module":
                    continue
                source = static_source(block)
                if source and is_local_source(source):
                    target = Path(os.path.normpath(folder / source))
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
    return seen


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return path.as_posix()


def select_roots(paths: list[Path], base: Path, ref: str) -> ChangedSelection:
    """Which roots under ``paths`` (scan root ``base``) a change since ``ref`` touches."""
    _top, files = changed_files(paths[0], ref)
    selection = ChangedSelection(ref=ref, changed_files=[f for f in files if _relevant(f)])
    changed_folders = {f.parent for f in selection.changed_files}
    for f in selection.changed_files:
        if is_plan_candidate(f) and f.is_file():
            selection.plans.add(_rel(f, base))
    for path in paths:
        if not path.exists() or (path.is_file() and is_plan_candidate(path)):
            continue
        tree = load_tree(path, rel_root=base)
        for root in find_roots(tree):
            folders = _called_folders(tree, root)
            if folders & changed_folders:
                selection.roots.add(_rel(root, base))
                selection.folders.update(_rel(folder, base) for folder in folders)
    return selection


def filter_inventory(inventory: Inventory, selection: ChangedSelection) -> Inventory:
    """Keep the rows, providers and errors of the selected roots (and changed plans)."""

    def keep_root(root: str) -> bool:
        # a plan row's root is its plan file; it belongs to the Terraform root beside it
        return root in selection.roots or root in selection.plans or \
            (root.endswith(".json") and (posixpath.dirname(root) or ".") in selection.roots)

    def keep_error(file: str) -> bool:
        folder = posixpath.dirname(file) or "."
        return (file in selection.folders or folder in selection.folders or file in selection.plans
                or keep_root(file))

    inventory.rows = [r for r in inventory.rows if keep_root(r.root)]
    inventory.providers = [p for p in inventory.providers if keep_root(p.root)]
    inventory.errors = [e for e in inventory.errors if keep_error(e.file)]
    return inventory
