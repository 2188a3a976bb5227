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
4. The scan itself is unchanged (each selected root is evaluated whole, with its modules);
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


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True,  # noqa: S603,S607
                              text=True, check=False)
    except OSError as err:
        raise ChangedError(f"cannot run git: {err}") from err
    if done.returncode != 0:
        raise ChangedError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def changed_files(path: Path, ref: str) -> tuple[Path, list[Path]]:
    """(repository top folder, every changed or new file as an absolute path)."""
    start = path if path.is_dir() else path.parent
    top = Path(_git(start.resolve(), "rev-parse", "--show-toplevel").strip()).resolve()
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ChangedError as err:
        raise ChangedError(f"unknown git ref {ref!r} (nothing is fetched: fetch it first)") from err
    names: set[str] = set()
    for args in (("diff", "--name-only", f"{ref}...HEAD"), ("diff", "--name-only", "HEAD"),
                 ("ls-files", "--others", "--exclude-standard")):
        names.update(line for line in _git(top, *args).splitlines() if line)
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
