"""What the benchmark prints: the Markdown table (one row per Terraform estate, one for the
Helm chart, notes for failed or unmeasured cells), the environment line and the estate counts
of ``--generate-only``. Measurements arrive as the dicts stored in results.json."""
from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .estate import GENERATOR_VERSION
from .helm_runs import NOT_MEASURED

M = dict[str, Any] | None  # one measurement as stored in results.json
NA = "—"  # the cell does not apply to this row (e.g. a warm run of a --no-cache scan)


def _fmt_s(m: M, digits: int = 2) -> str:
    if not m:
        return "n/a"
    if m.get("status") == NOT_MEASURED:
        return NOT_MEASURED
    if not m.get("ok"):
        return f"✗ {m.get('status') or 'failed'}"
    return f"{m['seconds']:.{digits}f}"


def _fmt_mb(m: M) -> str:
    if m and m.get("status") == NOT_MEASURED:
        return NOT_MEASURED
    if not m or not m.get("ok") or m.get("peak_mb") is None:
        return "n/a"
    tree = m.get("tree_peak_mb")
    if tree and tree > 1.15 * m["peak_mb"]:
        # the tool fans out into worker processes: also show the summed tree peak
        return f"{m['peak_mb']:.0f} (Σ{tree:.0f})"
    return f"{m['peak_mb']:.0f}"


def _ratio(a: M, b: M) -> str:
    if not a or not b or not a.get("ok") or not b.get("ok") or not a.get("seconds") or not b.get("seconds"):
        return "n/a"
    return f"{a['seconds'] / b['seconds']:.1f}×"


def _in_process_parse(parse: M) -> str:
    """The parse floor's own in-process parse time (no interpreter start-up, no import)."""
    if not parse or not parse.get("ok") or "parse_seconds" not in parse.get("extra", {}):
        return "n/a"
    return f"{parse['extra']['parse_seconds']:.3f}"


def _peak(*ms: M) -> M:
    """The larger peak of several runs of the same tool, as one cell."""
    ok = [m for m in ms if m and m.get("ok") and m.get("peak_mb") is not None]
    if not ok:
        return None
    trees = [m["tree_peak_mb"] for m in ok if m.get("tree_peak_mb")]
    return {"ok": True, "peak_mb": max(m["peak_mb"] for m in ok), "tree_peak_mb": max(trees) if trees else None}


HEADER = ("| input | files | lines | parse floor s | parse MB | in-process s | residency cold s | residency warm s "
          "| residency peak MB | checkov s | checkov peak MB | checkov / cold | cold / parse | cold / warm |")


def markdown_table(runs: list[dict[str, Any]], helm: dict[str, Any] | None = None) -> str:
    """The table: one row per estate, then the Helm chart; a note per failed or unmeasured command."""
    rows = [HEADER, "|---|" + "---:|" * 13]
    notes: list[str] = []
    skipped = "skipped"
    for r in runs:
        cold, warm, parse, ckv = (r.get("residency_cold"), r.get("residency_warm"),
                                  r.get("parse_floor"), r.get("checkov"))
        rows.append("| " + " | ".join([
            "Terraform (.tf)", f"{r['estate']['tf_files']:,}", f"{r['estate']['tf_lines']:,}",
            _fmt_s(parse), _fmt_mb(parse), _in_process_parse(parse),
            _fmt_s(cold) if cold else skipped, _fmt_s(warm) if warm else skipped,
            _fmt_mb(_peak(cold, warm)) if cold else skipped,
            _fmt_s(ckv) if ckv else skipped, _fmt_mb(ckv) if ckv else skipped,
            _ratio(ckv, cold), _ratio(cold, parse), _ratio(cold, warm),
        ]) + " |")
        notes += _notes(f"{r['estate']['tf_files']:,} files", (parse, cold, warm, ckv))
    if helm:
        scan, render, ckv = helm.get("residency_scan"), helm.get("render_scan"), helm.get("checkov")
        rows.append("| " + " | ".join([
            "Helm chart (templates)", f"{helm['chart']['templates']:,}", f"{helm['chart']['template_lines']:,}",
            NA, NA, _fmt_s(render, 3) if render else skipped,
            _fmt_s(scan) if scan else skipped, NA, _fmt_mb(scan) if scan else skipped,
            _fmt_s(ckv) if ckv else skipped, _fmt_mb(ckv) if ckv else skipped,
            _ratio(ckv, scan), NA, NA,
        ]) + " |")
        notes += _notes("Helm chart", (render, scan, ckv))
    return "\n".join(rows + ([""] + notes if notes else []))


def _notes(row: str, ms: tuple[M, ...]) -> list[str]:
    out = []
    for m in ms:
        if m and m.get("status") == NOT_MEASURED:
            out.append(f"- {row}, {m['label']}: not measured: {m.get('error')}")
        elif m and not m.get("ok"):
            out.append(f"- ✗ {row}, {m['label']}: {m.get('error')}")
    return out


def estates_table(runs: list[dict[str, Any]]) -> str:
    """What ``--generate-only`` prints: the counts of each generated estate."""
    lines = ["| .tf files | .tf lines | .tfvars files | roots (aws/gcp/azure) |", "|---:|---:|---:|---|"]
    for r in runs:
        s = r["estate"]
        c = s["roots_by_cloud"]
        lines.append(f"| {s['tf_files']:,} | {s['tf_lines']:,} | {s['tfvars_files']} | "
                     f"{s['roots']} ({c.get('aws', 0)}/{c.get('gcp', 0)}/{c.get('azure', 0)}) |")
    return "\n".join(lines)


def environment_line(e: dict[str, Any]) -> str:
    return (f"Environment: Python {e['python']}, {e.get('cpu', e['machine'])}, {e['cpus']} CPUs, "
            f"checkov {e.get('checkov_version', '?')}, bc-python-hcl2 {e.get('hcl2_version', '?')}, "
            f"helm-python-sdk {e.get('helm_python_sdk_version', '?')}, helm binary: {e.get('helm') or 'none'}")


def environment_info(residency: str | None, checkov: str | None, helm: str | None) -> dict[str, object]:
    info: dict[str, object] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "generator_version": GENERATOR_VERSION,
        "residency": residency,
        "checkov": checkov,
        "helm": helm,
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as fh:
            info["mem_total_mb"] = int(fh.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    for key, dist in (("hcl2", "bc-python-hcl2"), ("checkov", "checkov"), ("helm_python_sdk", "helm-python-sdk")):
        try:
            info[f"{key}_version"] = version(dist)
        except PackageNotFoundError:
            pass
    return info
