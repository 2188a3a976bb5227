"""The input formats a scan reads, and which of their units a set of changed files affects.

Each format finds its units under a scanned path with the same finders the scan uses, so a
unit here is named exactly as `scan.collect_pieces` names it: (kind, path relative to the
scan root). A unit watches files and folders; a change to a watched file, or to a file in a
watched folder (or under it, for a chart), affects it. `--changed-from` selects the affected
units and hands them to the scan's `select` hook: nothing else is read or rendered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from analyzer.helm import find_charts, find_manifest_files, is_manifest_candidate
from analyzer.plan.detect import find_plan_files, is_plan_candidate
from analyzer.scan import _rel as unit_rel
from analyzer.terraform.loader import SourceTree, load_dir, load_tree, terraform_file_kind
from analyzer.terraform.roots import find_roots
from analyzer.terraform.sources import is_local_source, static_source
from analyzer.tree_guard import Boundary
from analyzer.walk import Excludes


@dataclass(frozen=True)
class Unit:
    """One thing the scan evaluates on its own: a Terraform root, a plan, a manifest file, a chart."""

    kind: str  # terraform | plan | manifest | chart (the kinds of scan.collect_pieces)
    rel: str  # relative to the scan root, as the scan names it
    files: frozenset[Path] = frozenset()  # a change to one of these affects the unit
    folders: frozenset[Path] = frozenset()  # a change to a file directly in one of these
    trees: frozenset[Path] = frozenset()  # a change to any file under one of these

    def affected_by(self, changed: Iterable[Path]) -> bool:
        return any(_touches(self, path) for path in changed)

    def owns(self, path: Path) -> bool:
        """The file (an error's file) belongs to this unit's inputs."""
        return _touches(self, path) or path in self.folders


def _touches(unit: Unit, path: Path) -> bool:
    if path in unit.files:
        return True
    if unit.folders and path.parent in unit.folders and _terraform_or_plan(path):
        return True
    return any(tree == path or tree in path.parents for tree in unit.trees)


def _terraform_or_plan(path: Path) -> bool:
    # today's rule for roots: their Terraform files (and a plan beside them, joined with them)
    return terraform_file_kind(path.name) is not None or path.suffix == ".json"


@dataclass
class Discovery:
    """What the finders meet under one scanned path (the Terraform tree is parsed once here)."""

    path: Path
    base: Path
    boundary: Boundary
    excludes: Excludes
    tree: SourceTree | None = None


def _abs(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _plans(found: Discovery) -> list[Unit]:
    plans = find_plan_files(found.path, found.boundary, [], found.excludes)
    return [Unit("plan", unit_rel(p, found.base), files=frozenset({_abs(p)})) for p in plans]


def _manifests(found: Discovery) -> list[Unit]:
    manifests, _refused = find_manifest_files(found.path, found.boundary, found.excludes)
    return [Unit("manifest", unit_rel(m, found.base), files=frozenset({_abs(m)})) for m in manifests]


def _charts(found: Discovery) -> list[Unit]:
    # the chart folder holds its templates, its own values*.yaml and its vendored subcharts
    return [Unit("chart", unit_rel(c, found.base), trees=frozenset({_abs(c)}))
            for c in find_charts(found.path, found.excludes)]


def _terraform(found: Discovery) -> list[Unit]:
    path = found.path
    if path.is_file() and (is_plan_candidate(path) or is_manifest_candidate(path)):
        return []
    tree = found.tree = load_tree(path, rel_root=found.base, boundary=found.boundary, excludes=found.excludes)
    return [Unit("terraform", tree.rel(root) or ".", folders=frozenset(_abs(f) for f in called_folders(tree, root)))
            for root in find_roots(tree)]


def called_folders(tree: SourceTree, root: Path) -> set[Path]:
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


@dataclass(frozen=True)
class InputFormat:
    kind: str
    noun: tuple[str, str]  # singular, plural (for "changed: 2 Terraform roots, 1 chart, ...")
    find: Callable[[Discovery], list[Unit]]


# In the order the summary line names them.
FORMATS: tuple[InputFormat, ...] = (
    InputFormat("terraform", ("Terraform root", "Terraform roots"), _terraform),
    InputFormat("chart", ("chart", "charts"), _charts),
    InputFormat("manifest", ("manifest", "manifests"), _manifests),
    InputFormat("plan", ("plan", "plans"), _plans),
)


def discover(paths: list[Path], base: Path, excludes: Excludes) -> list[list[Unit]]:
    """Every format's units under each path (one list per path, in path order)."""
    found: list[list[Unit]] = []
    for path in paths:
        if not path.exists():
            found.append([])
            continue
        where = Discovery(path, base, Boundary.for_scan(path), excludes)
        found.append([unit for fmt in FORMATS for unit in fmt.find(where)])
    return found


@dataclass
class Selection:
    """The units a change affects, and why everything is selected when it is."""

    units: list[Unit] = field(default_factory=list)
    everything: str | None = None  # the changed file that affects every unit (policy, --var-file)
    discovered: list[Unit] = field(default_factory=list)
    per_path: list[list[Unit]] = field(default_factory=list)  # every unit found, per scanned path
    # changed Terraform files no unit claims (a file that does not parse is in no root): the
    # scan still runs so their errors are reported, never a silent pass
    orphans: set[Path] = field(default_factory=set)

    @property
    def keys(self) -> set[tuple[str, str]]:
        return {(u.kind, u.rel) for u in self.units}

    def counts(self) -> str:
        parts = []
        for fmt in FORMATS:
            n = sum(1 for u in self.units if u.kind == fmt.kind)
            parts.append(f"{n} {fmt.noun[0] if n == 1 else fmt.noun[1]}")
        return ", ".join(parts)

    def keeps_error(self, file: Path) -> bool:
        """An error is dropped only when it belongs to units none of which is selected."""
        owners = [u for u in self.discovered if u.owns(file)]
        if owners:
            return any(u in self.units for u in owners)
        return file in self.orphans or terraform_file_kind(file.name) is None


def select_units(paths: list[Path], units: list[list[Unit]], changed: list[Path], *,
                 everything: Iterable[Path] = (), chart_inputs: Iterable[Path] = ()) -> Selection:
    """The affected units (``units``: those found under each of ``paths``). A change to a file of ``everything`` (the policy, a --var-file)
    affects every unit; a change to one of ``chart_inputs`` (--values, --set-file) every chart."""
    changed_set = {_abs(c) for c in changed}
    flat = [u for per_path in units for u in per_path]
    selection = Selection(discovered=flat, per_path=units)
    hit = sorted(str(f) for f in {_abs(e) for e in everything} & changed_set)
    if hit:
        selection.everything = hit[0]
        selection.units = list(dict.fromkeys(flat))
        return selection
    all_charts = bool({_abs(c) for c in chart_inputs} & changed_set)
    selection.units = list(dict.fromkeys(
        u for u in flat if (all_charts and u.kind == "chart") or u.affected_by(changed_set)))
    # a plan is joined with the Terraform root beside it: either changing re-scans both, so
    # the join keeps every fact the HCL proves
    plan_folders = {unit_folder(u) for u in selection.units if u.kind == "plan"}
    root_folders = {u.rel for u in selection.units if u.kind == "terraform"}
    extra = [u for u in flat if u not in selection.units and (
        (u.kind == "terraform" and u.rel in plan_folders) or (u.kind == "plan" and unit_folder(u) in root_folders))]
    selection.units += extra
    selection.orphans = {c for c in changed_set if terraform_file_kind(c.name) is not None and c.is_file()
                         and not any(u.owns(c) for u in flat)
                         and any(c == _abs(p) or c.is_relative_to(_abs(p)) for p in paths)}
    return selection


def unit_folder(unit: Unit) -> str:
    return os.path.dirname(unit.rel) or "."
