"""Build the residency inventory of Terraform roots: one row per located resource instance."""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Callable, Mapping

from analyzer import regions
from analyzer.catalog import catalog
from analyzer.models import (
    Evidence,
    Inventory,
    InventoryRow,
    Placement,
    ScanError,
)
from analyzer.placements import provider_placement
from analyzer.rows import Pending, build_row, link
from analyzer.terraform.loader import SourceTree
from analyzer.terraform.module import ModuleInstance, has_unknown_key, unknown_instances_error
from analyzer.terraform.placement import trace_flow_sources
from analyzer.terraform.providers import ProviderConfig
from analyzer.terraform.roots import find_roots
from analyzer.terraform.sources import read_modules_json
from analyzer.terraform.variables import CliVar, root_inputs
from analyzer.tree_guard import RefusedPath
from analyzer.values import Unknown


def scan_terraform(tree: SourceTree, *, cli_vars: list[CliVar] | None = None,
                   env: Mapping[str, str] | None = None,
                   progress: Callable[[str, int, int], None] | None = None,
                   only_roots: frozenset[str] | None = None) -> Inventory:
    inventory = Inventory(errors=list(tree.errors))
    env = dict(os.environ if env is None else env)
    roots = [r for r in find_roots(tree) if only_roots is None or (tree.rel(r) or ".") in only_roots]
    for index, root_dir in enumerate(roots):
        if progress:
            progress(tree.rel(root_dir) or ".", index, len(roots))
        try:
            _scan_root(tree, root_dir, cli_vars or [], env, inventory)
        except Exception as err:  # noqa: BLE001 - an analyzer bug must not lose the other roots
            inventory.errors.append(ScanError(
                file=tree.rel(root_dir) or ".",
                message=f"internal error while analyzing this root ({type(err).__name__}: {err}); not analyzed"))
    inventory.rows.sort(key=lambda r: (r.root, r.file, r.line, r.address))
    inventory.providers.sort(key=lambda p: (p.root, p.file, p.line, p.address))
    inventory.errors = _dedupe(inventory.errors)
    return inventory


def _dedupe(errors: list[ScanError]) -> list[ScanError]:
    seen: set[tuple[str, int, str]] = set()
    out: list[ScanError] = []
    for error in sorted(errors, key=lambda e: (e.file, e.line, e.message)):
        key = (error.file, error.line, error.message)
        if key not in seen:
            seen.add(key)
            out.append(error)
    return out


def _scan_root(tree: SourceTree, root_dir: Path, cli_vars: list[CliVar], env: Mapping[str, str], inventory: Inventory) -> None:
    root_rel = tree.rel(root_dir) or "."
    errors: list[ScanError] = []
    probe = ModuleInstance(tree, root_dir, "")
    declared = {name: d.block for name, d in probe.variables.items()}
    inputs = root_inputs(tree, root_dir, declared, cli_vars, env, errors)
    # recorded even when absent: `terraform init` or `workspace select` creating them changes the scan
    manifest = root_dir / ".terraform" / "modules" / "modules.json"
    workspace_file = root_dir / ".terraform" / "environment"
    tree.extra_files.update((manifest, workspace_file))
    root = ModuleInstance(tree, root_dir, "", inputs=inputs, modules_json=read_modules_json(root_dir, tree.guard, errors, tree.rel),
                          workspace=_workspace(env, workspace_file, tree, errors))
    pending: list[Pending] = []
    providers_seen: dict[int, ProviderConfig] = {}
    users: dict[int, tuple[str, int]] = {}  # provider config -> first resource using it
    stack = [root]
    instances: list[ModuleInstance] = []
    while stack:
        module = stack.pop()
        instances.append(module)
        for key in sorted(module.resources):
            try:
                _rows_for_resource(module, key, root_rel, pending, providers_seen, users)
            except (Exception, RecursionError) as err:  # noqa: BLE001 - one resource's bug must not lose the root
                failed = module.resources[key]
                errors.append(ScanError(
                    file=failed.file, line=failed.block.line,
                    address=f"{module.address + '.' if module.address else ''}{key}",
                    message=f"internal error while analyzing this resource ({type(err).__name__}: {err}); not analyzed"))
        stack.extend(reversed(module.all_children()))
    for module in instances:
        errors.extend(module.errors)
        for ref in module.providers.values():
            providers_seen.setdefault(id(ref.config), ref.config)
    link(pending)
    inventory.rows.extend(p.row for p in pending)
    for config in providers_seen.values():
        if config.cloud not in regions.CLOUDS:
            continue
        if config.block is not None:
            file, line = config.file, config.line
            skips = _block_skips(config.module, config.file, config.block.line, config.block.end_line)
        elif id(config) in users:
            file, line = users[id(config)]  # an implicit provider is shown where it is first used
            skips = {}
        else:
            continue  # an implicit provider nothing uses
        inventory.providers.append(provider_placement(config, root=root_rel, file=file, line=line, skips=skips))
    errors.extend(root.budget.errors())  # at most one: where the root's evaluation budget ran out
    inventory.errors.extend(errors)


def _workspace(env: Mapping[str, str], workspace_file: Path, tree: SourceTree, errors: list[ScanError]) -> str:
    """terraform.workspace: TF_WORKSPACE, else what `terraform workspace select` recorded
    (read through the boundary: a link out of the tree or /dev/zero is an error, not a read)."""
    if env.get("TF_WORKSPACE"):
        return env["TF_WORKSPACE"]
    if not os.path.lexists(workspace_file):
        return "default"
    try:
        raw = tree.guard.read_bytes(workspace_file, shown=tree.rel(workspace_file), max_bytes=4096)
    except RefusedPath as err:
        errors.append(ScanError(file=tree.rel(workspace_file), message=f"{err}; terraform.workspace taken as \"default\""))
        return "default"
    return raw.decode("utf-8", errors="replace").strip() or "default"


def _rows_for_resource(module: ModuleInstance, key: str, root_rel: str, pending: list[Pending],
                       providers_seen: dict[int, ProviderConfig], users: dict[int, tuple[str, int]]) -> None:
    declared = module.resources[key]
    entry = catalog().get(declared.block.labels[0])
    if entry is None:
        return
    value = module.resource_instances(key)
    skips = _block_skips(module, declared.file, declared.block.line, declared.block.end_line)
    unknown_key = has_unknown_key(value)
    if unknown_key is not None:  # analyzed once as `x[*]`; one finding keeps the unknown instances visible
        prefix = f"{module.address}." if module.address else ""
        module.errors.append(unknown_instances_error(unknown_key, declared.block, declared.file, prefix + key))
    if isinstance(value, Unknown):
        address = value.origin or key
        reason = value.reason
        ev = [Evidence(file=declared.file, line=declared.block.line, note=reason)]
        row = InventoryRow(address=f"{address}[*]", type=entry.type, kind=entry.kind, cloud=entry.cloud,  # type: ignore[arg-type]
                           region=Placement(status="unknown", reason=reason, evidence=ev),
                           account=Placement(status="unknown", reason=reason, evidence=ev),
                           file=declared.file, line=declared.block.line, root=root_rel, skips=skips, origin="terraform")
        pending.append(Pending(row, None))
        return
    for instance in value.values():  # in instance_keys order: count index, sorted for_each keys
        ref = instance.provider()
        providers_seen.setdefault(id(ref.config), ref.config)
        pending.append(build_row(instance, entry, ref, file=declared.file, line=declared.block.line,
                                 root=root_rel, skips=skips, origin="terraform"))
        trace_flow_sources(instance, pending[-1].row)  # flows' chains reach their variables too
        users.setdefault(id(ref.config), (declared.file, declared.block.line))


def _skip_lines(module: ModuleInstance) -> dict[str, list[int]]:
    """Per module, built once: each file's skip comment lines in order, so a block's skips are
    a bisection, not a scan of the module."""
    lines = module.__dict__.get("_skip_lines")
    if lines is None:
        lines = module.__dict__["_skip_lines"] = {file: sorted(by_line) for file, by_line in module.skips.items()}
    return lines


def _block_skips(module: ModuleInstance, file: str, line: int, end_line: int) -> dict[str, str]:
    """`# checkov:skip=ID: reason` comments inside a block (or on the line above it)."""
    found: dict[str, str] = {}
    by_line = module.skips.get(file, {})
    lines = _skip_lines(module).get(file, [])
    for number in lines[bisect_left(lines, line - 1) : bisect_right(lines, end_line)]:
        for rule_id, reason in by_line[number]:
            found[rule_id] = reason or "no reason given"
    return found
