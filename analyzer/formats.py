"""The input formats a scan reads: how each finds its units, scans one, and which of its
units a set of changed files affects.

`scan.collect_pieces` loops over this registry to find and scan inputs, and `--changed-from`
asks the same finders, so a unit is named alike everywhere: (kind, path relative to the scan
root). A unit watches files and folders; a change to a watched file, or to a file in a
watched folder (or under it, for a chart), affects it. `--changed-from` selects the affected
units and hands them to the scan's `select` hook: nothing else is read or rendered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from analyzer.helm import (
    ChartOptions,
    find_charts,
    find_manifest_files,
    is_manifest_candidate,
    scan_chart,
    scan_manifests,
)
from analyzer.models import Inventory, ScanError
from analyzer.plan import scan_plan
from analyzer.plan.detect import find_plan_files, is_plan_candidate
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
    source: Path = field(default=Path(), compare=False)  # the file or folder as found (what is scanned)

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
    helm: ChartOptions = field(default_factory=ChartOptions)  # how charts are rendered (scan only)
    tree: SourceTree | None = None
    errors: list[ScanError] = field(default_factory=list)  # candidates the finders refused (CKV_RES_9)


def unit_rel(path: Path, base: Path) -> str:
    """A found file as reports show it: its folder resolved, its own name kept (a symlinked
    plan is shown where the link is), relative to the scan root, `../` above it."""
    folder = Path(os.path.realpath(path.parent))
    return Path(os.path.relpath(folder / path.name, base)).as_posix()


def _abs(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _plans(found: Discovery) -> list[Unit]:
    refused: list[tuple[Path, str]] = []
    plans = find_plan_files(found.path, found.boundary, refused, found.excludes)
    found.errors.extend(ScanError(file=unit_rel(p, found.base), message=reason) for p, reason in refused)
    return [Unit("plan", unit_rel(p, found.base), files=frozenset({_abs(p)}), source=p) for p in plans]


def _manifests(found: Discovery) -> list[Unit]:
    manifests, refused = find_manifest_files(found.path, found.boundary, found.excludes)
    found.errors.extend(ScanError(file=r.rel_to(found.base), message=r.reason) for r in refused)
    return [Unit("manifest", unit_rel(m, found.base), files=frozenset({_abs(m)}), source=m) for m in manifests]


def _charts(found: Discovery) -> list[Unit]:
    # the chart folder holds its templates, its own values*.yaml and its vendored subcharts
    return [Unit("chart", unit_rel(c, found.base), trees=frozenset({_abs(c)}), source=c)
            for c in find_charts(found.path, found.excludes)]


def holds_terraform(path: Path) -> bool:
    """Whether a scanned path is read as Terraform: a plan or manifest given as a file is not."""
    return not (path.is_file() and (is_plan_candidate(path) or is_manifest_candidate(path)))


def _terraform(found: Discovery) -> list[Unit]:
    path = found.path
    if not holds_terraform(path):
        return []
    tree = found.tree = load_tree(path, rel_root=found.base, boundary=found.boundary, excludes=found.excludes)
    return [Unit("terraform", tree.rel(root) or ".", folders=frozenset(_abs(f) for f in called_folders(tree, root)),
                 source=root)
            for root in find_roots(tree)]


def _scan_plan(unit: Unit, _found: Discovery) -> Inventory:
    return scan_plan(unit.source, unit.rel)  # plan/state JSON (`terraform show -json`), whatever the file is called


def _scan_manifest(unit: Unit, _found: Discovery) -> Inventory:
    return scan_manifests(unit.source, unit.rel)  # rendered Kubernetes manifests (helm template output, kustomize, YAML)


def _scan_chart(unit: Unit, found: Discovery) -> Inventory:
    # Helm chart sources, rendered offline with the embedded engine; nothing fetched
    return scan_chart(unit.source, unit.rel, found.helm, scan_root=found.boundary)


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
    # scan one unit alone; None for Terraform, whose roots share one parsed tree, the result
    # cache and module calls (scan.py scans the tree, or each selected root of it)
    scan: Callable[[Unit, Discovery], Inventory] | None
    stage: int  # the scan's order: plans, manifests, charts, then Terraform (joins and cross-checks follow it)


# In the order the summary line names them.
FORMATS: tuple[InputFormat, ...] = (
    InputFormat("terraform", ("Terraform root", "Terraform roots"), _terraform, None, 3),
    InputFormat("chart", ("chart", "charts"), _charts, _scan_chart, 2),
    InputFormat("manifest", ("manifest", "manifests"), _manifests, _scan_manifest, 1),
    InputFormat("plan", ("plan", "plans"), _plans, _scan_plan, 0),
)
SCAN_ORDER: tuple[InputFormat, ...] = tuple(sorted(FORMATS, key=lambda f: f.stage))


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
