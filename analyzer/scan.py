"""One scan: load inputs, build the inventory, apply the policy and rules, report."""

from __future__ import annotations

import gc
import os
import posixpath
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from analyzer import __version__
from analyzer.crosscheck import cross_check
from analyzer.helm import (
    ChartOptions,
    find_charts,
    find_manifest_files,
    is_manifest_candidate,
    scan_chart,
    scan_manifests,
)
from analyzer.join import join_rows
from analyzer.models import Inventory, ScanError, ScanReport, Summary, UnusedException
from analyzer.plan import scan_plan
from analyzer.plan.detect import find_plan_files, is_plan_candidate
from analyzer.policy import Policy
from analyzer.rules import RULES
from analyzer.terraform.inventory import scan_terraform
from analyzer.terraform.loader import default_cache_dir, load_tree
from analyzer.terraform.result_cache import ResultCache, cache_key, snapshot_tree, usable_cache_dir
from analyzer.terraform.variables import CliVar
from analyzer.tree_guard import Boundary, RefusedPath
from analyzer.verdicts import build_context, evaluate_rules


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


@contextmanager
def _without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a scan builds its trees.

    A scan allocates millions of small objects that live until it ends; with the collector
    on, each gen-2 pass re-walks all of them and parse time grows faster than the tree.
    Reference counting still frees everything short-lived."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    with _without_gc():
        return _build_inventory(paths, options)


def _build_inventory(paths: list[Path], options: ScanOptions) -> tuple[Inventory, int, Path]:
    combined = Inventory()
    planned = Inventory()
    files = 0
    base = _common_root(paths)
    cache_dir = (options.cache_dir or default_cache_dir()) if options.use_cache else None
    cache_dir = usable_cache_dir(cache_dir, paths)  # a cache the scanned tree can write is not used
    empty: list[Path] = []
    for path in paths:
        seen_before = (files, len(combined.errors) + len(planned.errors))
        if not path.exists():
            combined.errors.append(ScanError(file=str(path), message="path does not exist"))
            continue
        # nothing outside this path's repository (or the path itself) is read: see tree_guard
        boundary = Boundary.for_scan(path)
        refused_plans: list[tuple[Path, str]] = []
        plans = find_plan_files(path, boundary, refused_plans)
        combined.errors.extend(ScanError(file=_rel(p, base), message=reason) for p, reason in refused_plans)
        for plan in _inside(plans, boundary, base, combined.errors):
            # plan/state JSON (`terraform show -json`), whatever the file is called
            found = scan_plan(plan, _rel(plan, base))
            files += 1
            planned.rows.extend(found.rows)
            planned.providers.extend(found.providers)
            planned.errors.extend(found.errors)
        manifests, refused = find_manifest_files(path, boundary)
        combined.errors.extend(ScanError(file=r.rel_to(base), message=r.reason) for r in refused)
        for manifest in manifests:
            # rendered Kubernetes manifests (helm template output, kustomize builds, committed YAML)
            found = scan_manifests(manifest, _rel(manifest, base))
            files += 1
            combined.rows.extend(found.rows)
            combined.errors.extend(found.errors)
        for chart in find_charts(path):
            # Helm chart sources, rendered offline with the embedded Helm engine; nothing is fetched
            found = scan_chart(chart, _rel(chart, base), options.helm, scan_root=boundary)
            files += 1
            combined.rows.extend(found.rows)
            combined.errors.extend(found.errors)
        if path.is_file() and (is_plan_candidate(path) or is_manifest_candidate(path)):
            continue
        env = dict(os.environ if options.env is None else options.env)
        results = ResultCache(cache_dir)
        key = cache_key(path, base, options.cli_vars, env, options.only_roots)
        snapshot = snapshot_tree(path.resolve())
        cached = results.get(key, snapshot)
        if cached is not None:
            inventory, parsed = cached
            files += parsed
        else:
            tree = load_tree(path, rel_root=base, boundary=boundary)
            files += len(tree.parsed_paths)
            inventory = scan_terraform(tree, cli_vars=options.cli_vars, env=env, progress=options.progress,
                                       only_roots=options.only_roots)
            results.put(key, snapshot, tree, inventory)
        combined.rows.extend(inventory.rows)
        combined.providers.extend(inventory.providers)
        combined.errors.extend(inventory.errors)
        if (files, len(combined.errors) + len(planned.errors)) == seen_before:
            empty.append(path)
    if empty:
        raise NothingToScan(empty)
    _join_plans_with_sources(combined, planned)
    combined.errors = _one_refusal_per_link(combined.errors)
    cross_check(combined)  # Helm references <-> the Terraform resources they name
    if options.inventory_filter is not None:
        combined = options.inventory_filter(combined)
    combined.rows.sort(key=lambda r: (r.root, r.file, r.line, r.address))
    return combined, files, base


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


def _rel(path: Path, base: Path) -> str:
    """A found file as reports show it: its folder resolved, its own name kept (a symlinked
    plan is shown where the link is), relative to the scan root, `../` above it."""
    folder = Path(os.path.realpath(path.parent))
    return Path(os.path.relpath(folder / path.name, base)).as_posix()


def _inside(found: list[Path], boundary: Boundary, base: Path, errors: list[ScanError]) -> list[Path]:
    """The found files that resolve inside the boundary; each other one is an error on its path."""
    kept: list[Path] = []
    for path in found:
        try:
            boundary.resolve(path, shown=_rel(path, base))
        except RefusedPath as err:
            errors.append(ScanError(file=_rel(path, base), message=str(err)))
            continue
        kept.append(path)
    return kept


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
    with _without_gc():
        return _run_scan(paths, policy, options)


def _run_scan(paths: list[Path], policy: Policy, options: ScanOptions) -> ScanReport:
    started = time.perf_counter()
    inventory, files, base = build_inventory(paths, options)
    context = build_context(policy, inventory)
    findings = evaluate_rules(inventory, policy, context, skip=options.skip_checks, base=base)
    accounts = sorted(policy.accounts)
    summary = Summary(files=files, resources=len(inventory.rows), findings=sum(1 for f in findings if f.suppressed is None),
                      suppressed=sum(1 for f in findings if f.suppressed is not None), errors=len(inventory.errors),
                      region=context.regions[0] if context.regions else None, region_inferred=context.region_inferred,
                      accounts=accounts, seconds=round(time.perf_counter() - started, 3))
    unused = [UnusedException(rule=e.rule, address=e.address, reason=e.reason, expires=e.expires.isoformat(),
                              file=policy.source, line=e._line) for e in policy.unused_exceptions(findings)]
    return ScanReport(tool_version=__version__, root=display_root(base), findings=findings, inventory=inventory.rows,
                      providers=inventory.providers, errors=inventory.errors, rules=[r.meta() for r in RULES],
                      summary=summary, unused_exceptions=unused)
