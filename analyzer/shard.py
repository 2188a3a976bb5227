"""`residency scan --shard K/N`: scan a deterministic, size-balanced share of the units.

A unit is what a scan analyzes independently: a Terraform root (with the local modules it
calls), a Helm chart, a plan/state JSON file, a rendered-manifest file. Every shard discovers
every unit the same way (Terraform files are parsed to find the roots: parsing is fast,
evaluating roots and rendering charts is what costs), keeps its own, and writes the pieces
of the inventory they produce into its `--format json` result under the `shard` key.
`residency merge` (analyzer/merge.py) puts every shard's pieces back in scan order and runs
what needs the whole estate (plans joined with their sources, Helm references cross-checked
with Terraform, the policy's region inference, the rules), so the merged reports are the
full scan's, byte for byte.

Assignment (stable first, then balanced):

1. Each unit's home shard is ``sha256("kind:path") mod N``: adding, removing or resizing one
   root moves no other unit.
2. A shard whose bytes exceed ``(1 + TOLERANCE) x`` the mean (or the largest unit, if that is
   more) gives units to the lightest shard, in the order of a second hash, while the unit
   fits there under that cap. Sizes only decide *whether* a unit moves, so a small change in
   one root moves a unit only when it pushes a shard across the cap.

The trade-off: pure longest-processing-time packing balances better but one changed root can
reshuffle every shard (cold caches, confusing CI logs); pure hashing never reshuffles but can
leave one shard with twice the mean. The cap bounds the imbalance at TOLERANCE over the mean
(or the largest unit) while moves stay rare.

Unit size is file bytes: a root's own Terraform files and those of every folder it calls,
a chart's files, a plan's or a manifest's bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.baseline import Baseline
from analyzer.models import Inventory, ScanReport
from analyzer.policy import Policy
from analyzer.report.paths import repository_prefix
from analyzer.scan import Piece, ScanOptions, _common_root, collect_pieces, display_root, evaluate, finish_pieces
from analyzer.terraform.loader import SourceTree
from analyzer.terraform.sources import is_local_source, static_source

FORMAT = 1  # the `shard` object's layout; merge refuses another
TOLERANCE = 0.25
_SPEC = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")


class ShardError(ValueError):
    """A --shard value or a set of shard results that cannot be used (a usage error)."""


@dataclass(frozen=True)
class Unit:
    kind: str  # terraform | chart | plan | manifest
    path: str  # relative to the scan root
    size: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.path)


def parse_spec(text: str) -> tuple[int, int]:
    """'2/3' -> (2, 3); ShardError unless 1 <= K <= N."""
    match = _SPEC.fullmatch(text.strip())
    if match is None:
        raise ShardError(f"--shard {text}: expected K/N, e.g. 2/3 (shard 2 of 3)")
    k, n = int(match.group(1)), int(match.group(2))
    if k > n:
        raise ShardError(f"--shard {text}: K must be between 1 and N")
    return k, n


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8], "big")


def assign(units: list[Unit], count: int) -> dict[tuple[str, str], int]:
    """Each unit's shard (0-based): its hash home, then moves off shards over the cap."""
    home = {u.key: _hash(f"{u.kind}:{u.path}") % count for u in units}
    if not units:
        return home
    load = [0] * count
    for u in units:
        load[home[u.key]] += u.size
    total = sum(load)
    cap = max(total / count * (1 + TOLERANCE), max(u.size for u in units))
    by_shard: dict[int, list[Unit]] = {}
    for u in sorted(units, key=lambda u: (_hash(f"move:{u.kind}:{u.path}"), u.kind, u.path)):
        by_shard.setdefault(home[u.key], []).append(u)
    for shard in range(count):
        for u in by_shard.get(shard, []):
            if load[shard] <= cap:
                break
            lightest = min(range(count), key=lambda s: (load[s], s))
            if lightest == shard or load[lightest] + u.size > cap:
                continue
            home[u.key] = lightest
            load[shard] -= u.size
            load[lightest] += u.size
    return home


def _tree_size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(folder):  # links to folders are not followed
        for name in names:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


def _file_size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _root_sizes(tree: SourceTree, roots: list[Path]) -> dict[Path, int]:
    """Each root's bytes: its own Terraform files and those of the folders it calls, transitively."""
    own: dict[Path, int] = {}
    for path in tree.parsed_paths:
        own[path.parent] = own.get(path.parent, 0) + _file_size(path)
    calls: dict[Path, set[Path]] = {}
    for folder, bodies in tree.files.items():
        for body in bodies:
            for block in body.blocks:
                source = static_source(block) if block.type == "module" else None
                if source and is_local_source(source):
                    calls.setdefault(folder, set()).add(Path(os.path.normpath(folder / source)))
    sizes: dict[Path, int] = {}
    for root in roots:
        seen = {root}
        stack = [root]
        while stack:
            for target in calls.get(stack.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        sizes[root] = sum(own.get(folder, 0) for folder in seen)
    return sizes


def _units(found: list[tuple[str, str, Path]], tree: SourceTree | None) -> list[Unit]:
    roots = [p for kind, _rel, p in found if kind == "terraform"]
    root_sizes = _root_sizes(tree, roots) if tree is not None else {}
    out = []
    for kind, rel, path in found:
        if kind == "terraform":
            size = root_sizes.get(path, 0)
        elif kind == "chart":
            size = _tree_size(path)
        else:
            size = _file_size(path)
        out.append(Unit(kind, rel, size))
    return out


@dataclass
class ShardRun:
    report: ScanReport  # this shard's own share, evaluated as if it were the whole scan
    payload: dict[str, Any]  # the `shard` object of its JSON result


def settings(policy: Policy, skip_checks: set[str], baseline: tuple[Baseline, str] | None) -> dict[str, Any]:
    """What the merge evaluates with: the same for every shard of one scan."""
    return {
        "policy": policy.model_dump(mode="json"),
        "policy_source": policy.source,
        "skip_checks": sorted(skip_checks),
        "baseline": None if baseline is None else {"label": baseline[1], "content": baseline[0].model_dump(mode="json")},
    }


def build_digest(options: ScanOptions) -> str:
    """A hash of what shapes the inventory (var files and vars, Helm options): the same for
    every shard of one scan."""
    helm = {f.name: str(getattr(options.helm, f.name)) for f in dataclasses.fields(options.helm) if f.name != "renderer"}
    helm["renderer"] = type(options.helm.renderer).__name__
    material = json.dumps({"vars": [[v.kind, v.text] for v in options.cli_vars], "helm": helm}, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def run_shard(paths: list[Path], policy: Policy, options: ScanOptions, index: int, count: int,
              baseline: tuple[Baseline, str] | None = None) -> ShardRun:
    """Scan shard `index` (1-based) of `count`: only the units assigned to it."""
    started = time.perf_counter()
    base = _common_root(paths)
    every: list[Unit] = []
    mine: list[str] = []

    def select(found: list[tuple[str, str, Path]], tree: SourceTree | None) -> set[tuple[str, str]]:
        units = _units(found, tree)
        every.extend(units)
        owner = assign(units, count)
        taken = {u.key for u in units if owner[u.key] == index - 1}
        mine.extend(f"{kind}:{rel}" for kind, rel in sorted(taken))
        return taken

    pieces = list(collect_pieces(paths, options, base, select))
    inventory, files = finish_pieces(pieces)
    root = display_root(base)
    report = evaluate(inventory, files, root, policy, options.skip_checks, started, base)
    report.repository_prefix = repository_prefix(base)
    unit_list = [f"{u.kind}:{u.path}" for u in every]
    payload = {
        "format": FORMAT,
        "index": index,
        "count": count,
        # every shard must have seen the same units (same tree, same options)
        "units_digest": hashlib.sha256("\n".join(unit_list).encode("utf-8", "surrogatepass")).hexdigest(),
        "units": len(unit_list),
        "build_digest": build_digest(options),
        "repository_prefix": report.repository_prefix,  # the scan root's folder in its repository
        "base": str(base),  # the scan root on the shard's machine: fingerprints relativize paths under it
        "scanned": mine,
        "bytes": sum(u.size for u in every if f"{u.kind}:{u.path}" in set(mine)),
        "settings": settings(policy, options.skip_checks, baseline),
        "seconds": report.summary.seconds,
        "pieces": [piece_dict(p) for p in pieces],
    }
    return ShardRun(report, payload)


def piece_dict(piece: Piece) -> dict[str, Any]:
    return {"order": list(piece.order), "kind": piece.kind, "files": piece.files, "parsed": piece.parsed,
            "inventory": piece.inventory.model_dump(mode="json")}


def piece_from(data: dict[str, Any]) -> Piece:
    order = tuple(int(x) for x in data["order"])
    if len(order) != 3:
        raise ValueError("order must have three numbers")
    return Piece(order=(order[0], order[1], order[2]), kind=str(data["kind"]), files=int(data["files"]),
                 parsed=[str(p) for p in data["parsed"]], inventory=Inventory.model_validate(data["inventory"]))


def with_shard(json_text: str, payload: dict[str, Any]) -> str:
    """The JSON report with the `shard` object as its last top-level key (one line)."""
    body = json_text.rstrip()
    if not body.endswith("}"):
        raise ValueError("not a JSON object")
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return body[:-1].rstrip() + f',\n  "shard": {encoded}\n}}\n'
