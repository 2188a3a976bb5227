"""`residency merge RESULT.json...`: the full scan's report from the results of its shards.

Each shard's `--format json` result (from `residency scan --shard K/N -f json`) carries, under
its `shard` key, the pieces of the inventory its units produced and the settings it was run
with (see analyzer/shard.py). The merge checks that the results are the N shards of one scan
(same units, same settings, each K exactly once), puts the pieces back in the order a full
scan meets them, and runs what needs the whole estate: plans joined with their Terraform
sources, Helm references cross-checked, the policy's context and the rules, the baseline.
The report is the full scan's: every format renders byte for byte what `residency scan`
without `--shard` renders. The summary's `seconds` (in no format) is the sum of the shards'.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from analyzer.baseline import Baseline, apply_baseline
from analyzer.models import ScanReport
from analyzer.policy import Policy
from analyzer.scan import Piece, evaluate, finish_pieces
from analyzer.shard import FORMAT, ShardError, piece_from

_SAME = ("units_digest", "build_digest", "settings", "count", "repository_prefix")  # must agree between the shards of one scan
_GLOBAL_KINDS = ("error", "tree")  # discovered identically by every shard: kept once


def load_result(path: Path) -> dict[str, Any]:
    """One shard's JSON result; ShardError names the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ShardError(f"{path}: cannot read: {err.strerror or err}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ShardError(f"{path}: not a JSON result ({err})") from None
    shard = data.get("shard") if isinstance(data, dict) else None
    if not isinstance(shard, dict):
        raise ShardError(f"{path}: not a shard result (write one with `residency scan --shard K/N -f json -o FILE`)")
    if shard.get("format") != FORMAT:
        raise ShardError(f"{path}: shard result format {shard.get('format')!r}; this residency reads format {FORMAT}")
    return data


def merge_results(results: list[tuple[Path, dict[str, Any]]]) -> ScanReport:
    """The full scan's report from every shard's result; ShardError when they do not fit."""
    started = time.perf_counter()
    if not results:
        raise ShardError("no shard results given")
    first_path, first = results[0]
    count = first["shard"].get("count")
    if not isinstance(count, int) or count < 1:
        raise ShardError(f"{first_path}: shard count {count!r} is not a positive number")
    seen: dict[int, Path] = {}
    for path, data in results:
        shard = data["shard"]
        for key in _SAME:
            if shard.get(key) != first["shard"].get(key):
                raise ShardError(f"{path} and {first_path} are not shards of the same scan ({key} differs): "
                                 "run every shard with the same paths and options")
        if data.get("root") != first.get("root") or data.get("tool") != first.get("tool"):
            raise ShardError(f"{path} and {first_path} are not shards of the same scan (root or residency version differs)")
        index = shard.get("index")
        if not isinstance(index, int) or not 1 <= index <= count:
            raise ShardError(f"{path}: shard index {index!r} is not between 1 and {count}")
        if index in seen:
            raise ShardError(f"{path} and {seen[index]} are both shard {index}/{count}")
        seen[index] = path
    missing = [str(k) for k in range(1, count + 1) if k not in seen]
    if missing:
        raise ShardError(f"missing shard result(s) {', '.join(f'{k}/{count}' for k in missing)}: a merge needs "
                         "every shard, or the report would pass what was never scanned")
    pieces = _pieces(results)
    inventory, files = finish_pieces(pieces)
    settings = first["shard"]["settings"]
    try:
        policy = Policy.model_validate(settings["policy"])
        baseline = None if settings["baseline"] is None else Baseline.model_validate(settings["baseline"]["content"])
    except (ValidationError, KeyError, TypeError) as err:
        raise ShardError(f"{first_path}: unreadable shard settings ({err})") from None
    policy.source = settings.get("policy_source")
    shard_base = first["shard"].get("base")
    report = evaluate(inventory, files, str(first["root"]), policy, set(settings["skip_checks"]), started,
                      Path(shard_base) if isinstance(shard_base, str) else None)
    report.repository_prefix = str(first["shard"].get("repository_prefix", ""))
    report.summary.seconds = round(sum(float(d["shard"].get("seconds", 0.0)) for _, d in results), 3)
    if baseline is not None:
        apply_baseline(report, baseline, settings["baseline"]["label"])
    return report


def _pieces(results: list[tuple[Path, dict[str, Any]]]) -> list[Piece]:
    """Every shard's pieces, one per order key: the discovery errors and a tree's parse errors
    once, the Terraform files parsed as the union of what the shards parsed."""
    by_order: dict[tuple[int, int, int], Piece] = {}
    for path, data in results:
        for raw in data["shard"]["pieces"]:
            try:
                piece = piece_from(raw)
            except (ValidationError, KeyError, TypeError, ValueError) as err:
                raise ShardError(f"{path}: unreadable shard piece ({err})") from None
            known = by_order.get(piece.order)
            if known is None:
                by_order[piece.order] = piece
            elif piece.kind == "parsed" and known.kind == "parsed":
                known.parsed = sorted(set(known.parsed) | set(piece.parsed))
            elif piece.kind not in _GLOBAL_KINDS or known.kind != piece.kind:
                raise ShardError(f"{path}: a unit scanned by two shards (piece {piece.kind} {list(piece.order)})")
    return list(by_order.values())
