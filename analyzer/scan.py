"""One scan: load inputs, build the inventory, apply the policy and rules, report."""

from __future__ import annotations

import hashlib
import os
import posixpath
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from analyzer import __version__
from analyzer.crosscheck import cross_check
from analyzer.formats import FORMATS, SCAN_ORDER, Discovery, holds_terraform
from analyzer.gc_policy import scan_collector
from analyzer.helm import ChartOptions
from analyzer.join import join_rows
from analyzer.models import Inventory, ScanError, ScanReport, Summary, UnusedException
from analyzer.policy import Policy
from analyzer.report.paths import repository_prefix
from analyzer.rules import RULES
from analyzer.terraform.inventory import _dedupe as dedupe_errors
from analyzer.terraform.inventory import scan_terraform
from analyzer.terraform.loader import SourceTree, default_cache_dir, load_tree
from analyzer.terraform.result_cache import ResultCache, cache_key, snapshot_tree, usable_cache_dir
from analyzer.terraform.variables import CliVar
from analyzer.tree_guard import Boundary
from analyzer.verdicts import build_context, evaluate_rules
from analyzer.walk import Excludes


@dataclass
class ScanOptions:
    cli_vars: list[CliVar] = field(default_factory=list)
    env: dict[str, str] | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    skip_checks: set[str] = field(default_factory=set)
    progress: Callable[[str, int, int], None] | None = None  # (root, index, number of roots)
    # applied to the finished inventory before any rule runs (e.g. `--changed-from` keeps only
    # the roots a change touches)
    inventory_filter: Callable[[Inventory], Inventory] | None = None
    # evaluate only these Terraform roots (relative to the scan root); None = every root
    only_roots: frozenset[str] | None = None
    # Helm charts: values files, --set*, release, namespace and the rendering engine, applied to
    # every chart the scan renders (the default renders with the embedded SDK and no overrides)
    helm: ChartOptions = field(default_factory=ChartOptions)
    # paths every walker skips: --skip-path, .gitignore, .helmignore (analyzer/walk.py)
    excludes: Excludes = field(default_factory=Excludes)
    # scan only the units this picks (`--changed-from`: analyzer/changed.py); None = every unit
    select: UnitSelector | None = None


class NothingToScan(ValueError):
    """A path holds no input the analyzer reads: a typo'd or empty folder must not pass as clean."""

    def __init__(self, paths: list[Path]) -> None:
        shown = ", ".join(str(p) for p in paths)
        super().__init__(f"{shown}: nothing to scan: no Terraform (.tf), plan/state JSON, Helm chart (Chart.yaml) or "
                         "Kubernetes manifest found")
        self.paths = paths


def build_inventory(paths: list[Path], options: ScanOptions) -> tuple[Inventory, int, Path]:
    """The inventory of every path (rows keep paths relative to the common scan root); raises
    NothingToScan when a path holds no input at all (and reported no error either)."""
    with scan_collector():
        return _build_inventory(paths, options)


def _build_inventory(paths: list[Path], options: ScanOptions) -> tuple[Inventory, int, Path]:
    base = _common_root(paths)
    pieces = list(collect_pieces(paths, options, base, options.select))
    empty = [path for index, path in enumerate(paths)
             if options.select is None and not any(p.order[0] == index and (p.files or p.parsed or p.inventory.errors or p.inventory.rows)
                        for p in pieces)]
    if empty:
        raise NothingToScan(empty)
    combined, files = finish_pieces(pieces, options.inventory_filter)
    return combined, files, base


@dataclass
class Piece:
    """One unit's share of the inventory (a plan, a manifest, a chart, a Terraform root, or the
    errors found while discovering them), with its place in the order a full scan meets it.
    A sharded scan (analyzer/shard.py) collects only its units' pieces; `finish_pieces` over
    every shard's pieces, put back in this order, gives the full scan's inventory."""

    order: tuple[int, int, int]  # (scan path, stage, index within the stage)
    kind: str  # error | plan | manifest | chart | terraform | tree | root
    inventory: Inventory
    files: int = 0
    parsed: list[str] = field(default_factory=list)  # tree: Terraform files parsed (the file count)


# A sharded scan's choice among one path's units, each (kind, path relative to the scan root,
# file or folder), given the parsed Terraform tree: the (kind, path) to scan.
UnitSelector = Callable[[list[tuple[str, str, Path]], "SourceTree | None"], set[tuple[str, str]]]


def collect_pieces(paths: list[Path], options: ScanOptions, base: Path,
                   select: UnitSelector | None = None) -> Iterator[Piece]:
    """Every piece of the scan of paths, in scan order. With select (a sharded scan), each
    path's units are discovered first, select picks the ones to scan, and Terraform roots
    are scanned one by one (no result cache) so each root is a piece of its own."""
    cache_dir = (options.cache_dir or default_cache_dir()) if options.use_cache else None
    cache_dir = usable_cache_dir(cache_dir, paths)  # a cache the scanned tree can write is not used
    for p_index, path in enumerate(paths):
        if not path.exists():
            yield Piece((p_index, 0, 0), "error", Inventory(errors=[ScanError(file=str(path), message="path does not exist")]))
            continue
        # nothing outside this path's repository (or the path itself) is read: see tree_guard
        found = Discovery(path, base, Boundary.for_scan(path), options.excludes, helm=options.helm)
        # every format's units, in scan order; Terraform roots only for a selection (a full scan
        # reads the tree once, through the result cache, below)
        units = [unit for fmt in SCAN_ORDER if fmt.scan is not None or select is not None for unit in fmt.find(found)]
        taken = None if select is None else select([(u.kind, u.rel, u.source) for u in units], found.tree)
        yield Piece((p_index, 0, 0), "error", Inventory(errors=found.errors))
        for stage, unit in enumerate(units):
            scan = _FORMATS[unit.kind].scan
            if scan is None or (taken is not None and (unit.kind, unit.rel) not in taken):
                continue
            yield Piece((p_index, 1, stage), unit.kind, scan(unit, found), files=1)
        if not holds_terraform(path):
            continue
        roots = [unit.source for unit in units if unit.kind == "terraform"]
        tree = found.tree
        env = dict(os.environ if options.env is None else options.env)
        if tree is not None:
            yield from _root_pieces(tree, roots, taken or set(), p_index, options, env)
            continue
        results = ResultCache(cache_dir)
        boundary = found.boundary
        key = cache_key(path, base, options.cli_vars, env, options.only_roots)
        if options.excludes != Excludes():  # what was excluded changes the result, not the tree
            key = hashlib.sha256(f"{key}\0{options.excludes.cache_tag()}".encode("utf-8", "surrogatepass")).hexdigest()
        snapshot = snapshot_tree(path.resolve())
        cached = results.get(key, snapshot)
        if cached is not None:
            inventory, parsed = cached
        else:
            loaded = load_tree(path, rel_root=base, boundary=boundary, excludes=options.excludes)
            inventory = scan_terraform(loaded, cli_vars=options.cli_vars, env=env, progress=options.progress,
                                       only_roots=options.only_roots)
            parsed = len(loaded.parsed_paths)
            results.put(key, snapshot, loaded, inventory)
        yield Piece((p_index, 2, 0), "terraform", inventory, files=parsed)


def _root_pieces(tree: SourceTree, roots: list[Path], taken: set[tuple[str, str]], p_index: int,
                 options: ScanOptions, env: dict[str, str]) -> Iterator[Piece]:
    """The tree's parse errors, then one piece per taken root (scanned alone, as a full scan
    would scan it), then the files parsed (module folders outside the tree are parsed on use)."""
    tree_errors = list(tree.errors)
    yield Piece((p_index, 2, 0), "tree", Inventory(errors=tree_errors))
    mine = [r for r in roots if ("terraform", tree.rel(r) or ".") in taken]
    for index, root in enumerate(roots):
        rel = tree.rel(root) or "."
        if root not in mine:
            continue
        if options.progress:
            options.progress(rel, mine.index(root), len(mine))
        known = list(tree.errors)  # a full scan copies the tree's errors once, before any root
        found = scan_terraform(tree, cli_vars=options.cli_vars, env=env, only_roots=frozenset({rel}))
        found.errors = [e for e in found.errors if e not in known]
        yield Piece((p_index, 3, index), "root", found)
    yield Piece((p_index, 4, 0), "parsed", Inventory(), parsed=sorted(tree.rel(p) for p in tree.parsed_paths))


def finish_pieces(pieces: list[Piece], keep: Callable[[Inventory], Inventory] | None = None) -> tuple[Inventory, int]:
    """The inventory and file count of a scan from its pieces in scan order (one piece per
    order key): plans joined with their sources, one refusal per link, Helm cross-checked."""
    combined = Inventory()
    planned = Inventory()
    files = 0
    parsed: set[str] = set()
    terraform: Inventory | None = None  # a sharded path's roots, assembled as scan_terraform does
    for piece in sorted(pieces, key=lambda p: p.order):
        files += piece.files
        parsed.update(piece.parsed)
        if piece.kind == "plan":
            planned.rows.extend(piece.inventory.rows)
            planned.providers.extend(piece.inventory.providers)
            planned.errors.extend(piece.inventory.errors)
            continue
        if piece.kind in ("tree", "root"):
            terraform = terraform or Inventory()
            terraform.rows.extend(piece.inventory.rows)
            terraform.providers.extend(piece.inventory.providers)
            terraform.errors.extend(piece.inventory.errors)
            continue
        if terraform is not None:  # the path's last root has been met
            _extend(combined, _assembled(terraform))
            terraform = None
        _extend(combined, piece.inventory)
    if terraform is not None:
        _extend(combined, _assembled(terraform))
    files += len(parsed)
    _join_plans_with_sources(combined, planned)
    combined.errors = _one_refusal_per_link(combined.errors)
    cross_check(combined)  # Helm references <-> the Terraform resources they name
    if keep is not None:
        combined = keep(combined)
    combined.rows.sort(key=lambda r: (r.root, r.file, r.line, r.address))
    return combined, files


def _assembled(terraform: Inventory) -> Inventory:
    """Roots scanned one by one, in root order, ordered and deduplicated as scan_terraform orders one scan of all."""
    terraform.rows.sort(key=lambda r: (r.root, r.file, r.line, r.address))
    terraform.providers.sort(key=lambda p: (p.root, p.file, p.line, p.address))
    terraform.errors = dedupe_errors(terraform.errors)
    return terraform


def _extend(combined: Inventory, part: Inventory) -> None:
    combined.rows.extend(part.rows)
    combined.providers.extend(part.providers)
    combined.errors.extend(part.errors)


def _join_plans_with_sources(combined: Inventory, planned: Inventory) -> None:
    """A plan next to the Terraform root it was made from describes the same resources: each
    planned row is joined with its `.tf` declaration, keeping every fact either proves (see
    analyzer/join.py), and the joined row replaces both."""
    sources = {(row.root, row.address): row for row in combined.rows}
    superseded: set[tuple[str, str]] = set()
    joined_rows = []
    for row in planned.rows:
        folder = posixpath.dirname(row.file) or "."
        source = sources.get((folder, row.address))
        if source is None:
            joined_rows.append(row)
            continue
        joined_rows.append(join_rows(row, source))
        superseded.add((folder, row.address))
    if superseded:
        roots = {folder for folder, _ in superseded}
        combined.rows = [r for r in combined.rows if (r.root, r.address) not in superseded]
        planned_providers = {(posixpath.dirname(p.file) or ".", p.address) for p in planned.providers}
        combined.providers = [p for p in combined.providers
                              if not (p.root in roots and (p.root, p.address) in planned_providers)]
    combined.rows.extend(joined_rows)
    combined.providers.extend(planned.providers)
    combined.errors.extend(planned.errors)


def _one_refusal_per_link(errors: list[ScanError]) -> list[ScanError]:
    """A symlink out of the tree is refused by every reader that meets it (the chart vetting, the
    manifest and the Terraform walks, a --values file): report it once per thing it cost. When a
    chart was not rendered because of it, those errors say so and the bare refusals go; else the
    first refusal stays."""
    def refusal(error: ScanError) -> bool:
        return error.message.startswith("symlink") and "points outside the scanned" in error.message

    costly = {e.file for e in errors if refusal(e) and "not rendered" in e.message}
    seen: set[str] = set()
    kept: list[ScanError] = []
    for error in errors:
        if refusal(error) and "not rendered" not in error.message:
            if error.file in costly or error.file in seen:
                continue
            seen.add(error.file)
        kept.append(error)
    return kept


_FORMATS = {fmt.kind: fmt for fmt in FORMATS}


def _common_root(paths: list[Path]) -> Path:
    resolved = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths if p.exists()]
    if not resolved:
        return Path.cwd()
    return Path(os.path.commonpath([str(p) for p in resolved]))


def display_root(base: Path) -> str:
    """The scan root as reports show it: relative to the working folder when inside it,
    so reports are the same on every machine."""
    try:
        return base.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(base)


def run_scan(paths: list[Path], policy: Policy, options: ScanOptions) -> ScanReport:
    with scan_collector():
        return _run_scan(paths, policy, options)


def _run_scan(paths: list[Path], policy: Policy, options: ScanOptions) -> ScanReport:
    started = time.perf_counter()
    inventory, files, base = build_inventory(paths, options)
    report = evaluate(inventory, files, display_root(base), policy, options.skip_checks, started, base)
    report.repository_prefix = repository_prefix(base)  # CI formats show paths from the repository root
    return report


def evaluate(inventory: Inventory, files: int, root: str, policy: Policy, skip: set[str],
             started: float, base: Path | None = None) -> ScanReport:
    """The report of a finished inventory: the policy's context, the rules, the summary."""
    context = build_context(policy, inventory)
    findings = evaluate_rules(inventory, policy, context, skip=skip, base=base)
    accounts = sorted(policy.accounts)
    summary = Summary(files=files, resources=len(inventory.rows), findings=sum(1 for f in findings if f.suppressed is None),
                      suppressed=sum(1 for f in findings if f.suppressed is not None), errors=len(inventory.errors),
                      region=context.regions[0] if context.regions else None, region_inferred=context.region_inferred,
                      accounts=accounts, seconds=round(time.perf_counter() - started, 3))
    unused = [UnusedException(rule=e.rule, address=e.address, reason=e.reason, expires=e.expires.isoformat(),
                              file=policy.source, line=e._line) for e in policy.unused_exceptions(findings)]
    return ScanReport(tool_version=__version__, root=root, findings=findings, inventory=inventory.rows,
                      providers=inventory.providers, errors=inventory.errors, rules=[r.meta() for r in RULES],
                      summary=summary, unused_exceptions=unused)
