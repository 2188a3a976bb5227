"""What the benchmark prints: the Markdown table (one row per Terraform estate or tree, one for
the Helm chart, notes for failed or unmeasured cells), the scaling table of ``--wide``, the
environment and load lines and the estate counts of ``--generate-only``. Measurements arrive as the dicts stored in results.json."""
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


def _cpu(m: M) -> float | None:
    """User + system CPU seconds of the child and its waited-for descendants (wait4): unlike
    wall time, barely moved by other work on a shared machine."""
    if not m or not m.get("ok") or m.get("user_seconds") is None:
        return None
    return float(m["user_seconds"] + (m.get("sys_seconds") or 0.0))


def _fmt_cpu(m: M) -> str:
    cpu = _cpu(m)
    return f"{cpu:.2f}" if cpu is not None else "n/a"


def _cpu_ratio(a: M, b: M) -> str:
    x, y = _cpu(a), _cpu(b)
    return f"{x / y:.1f}×" if x and y else "n/a"


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


def _memory(m: M) -> float | None:
    """What a tool really held at its peak: the summed process tree where sampled and larger
    (checkov and residency both start worker processes), else ru_maxrss."""
    if not m or not m.get("ok") or m.get("peak_mb") is None:
        return None
    return float(max(m["peak_mb"], m.get("tree_peak_mb") or 0))


def _memory_ratio(ckv: M, ours: M) -> str:
    a, b = _memory(ckv), _memory(ours)
    return f"{a / b:.1f}×" if a and b else "n/a"


HEADER = ("| input | files | lines | parse floor s | in-process s | hcl2 parse floor s | hcl2 in-process s "
          "| residency cold s | cold CPU s | residency warm s | residency peak MB | checkov s | checkov CPU s "
          "| checkov peak MB | checkov / cold | checkov / cold (CPU) | checkov MB / residency MB | cold / parse "
          "| cold / warm |")


def _input_name(r: dict[str, Any]) -> str:
    if r.get("kind") == "tree":
        return f"`{r['name']}` (.tf, real tree)"
    return "Terraform estate (.tf, generated)"


def markdown_table(runs: list[dict[str, Any]], helm: dict[str, Any] | None = None) -> str:
    """The table: one row per estate or tree, then the Helm chart; a note per failed or
    unmeasured command and per file a parser rejected."""
    rows = [HEADER, "|---|" + "---:|" * 18]
    notes: list[str] = []
    skipped = "skipped"
    for r in runs:
        cold, warm, parse, ckv = (r.get("residency_cold"), r.get("residency_warm"),
                                  r.get("parse_floor"), r.get("checkov"))
        hcl2 = r.get("parse_floor_hcl2")
        peak = _peak(cold, warm) if cold else None
        rows.append("| " + " | ".join([
            _input_name(r), f"{r['estate']['tf_files']:,}", f"{r['estate']['tf_lines']:,}",
            _fmt_s(parse), _in_process_parse(parse),
            _fmt_s(hcl2) if hcl2 else "n/a", _in_process_parse(hcl2) if hcl2 else "n/a",
            _fmt_s(cold) if cold else skipped, _fmt_cpu(cold) if cold else skipped,
            _fmt_s(warm) if warm else skipped, _fmt_mb(peak) if cold else skipped,
            _fmt_s(ckv) if ckv else skipped, _fmt_cpu(ckv) if ckv else skipped, _fmt_mb(ckv) if ckv else skipped,
            _ratio(ckv, cold), _cpu_ratio(ckv, cold), _memory_ratio(ckv, peak), _ratio(cold, parse),
            _ratio(cold, warm),
        ]) + " |")
        row = f"{r['estate']['tf_files']:,} files" if r.get("kind") != "tree" else f"`{r['name']}`"
        notes += _notes(row, (parse, hcl2, cold, warm, ckv))
        for m in (parse, hcl2):
            extra = (m or {}).get("extra") or {}
            if m and m.get("ok") and extra.get("errors"):
                first = extra["first_errors"][0]
                why = " ".join(first["error"].split())[:160]
                notes.append(f"- {row}, {m['label']}: rejected {extra['errors']} of {extra['files']} files "
                             f"(timed anyway), e.g. {first['file']}: {why}")
    if helm:
        scan, render, ckv = helm.get("residency_scan"), helm.get("render_scan"), helm.get("checkov")
        rows.append("| " + " | ".join([
            "Helm chart (templates)", f"{helm['chart']['templates']:,}", f"{helm['chart']['template_lines']:,}",
            NA, _fmt_s(render, 3) if render else skipped, NA, NA,
            _fmt_s(scan) if scan else skipped, _fmt_cpu(scan) if scan else skipped, NA,
            _fmt_mb(scan) if scan else skipped,
            _fmt_s(ckv) if ckv else skipped, _fmt_cpu(ckv) if ckv else skipped, _fmt_mb(ckv) if ckv else skipped,
            _ratio(ckv, scan), _cpu_ratio(ckv, scan), _memory_ratio(ckv, scan), NA, NA,
        ]) + " |")
        notes += _notes("Helm chart", (render, scan, ckv))
    return "\n".join(rows + ([""] + notes if notes else []))


def wide_table(wide: list[dict[str, Any]]) -> str:
    """The scaling rows: one module of N resources; time and resources relative to the first row
    (linear analysis keeps the two ratios close)."""
    lines = ["| resources in one module | main.tf MiB | .tf lines | residency cold s | residency peak MB "
             "| inventory rows | scan errors | resources ÷ first | cold s ÷ first | cold CPU s | CPU ÷ first |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    notes: list[str] = []
    first = wide[0] if wide else None
    for r in wide:
        cold, w, out = r.get("residency_cold"), r["wide"], r.get("residency_output") or {}
        lines.append("| " + " | ".join([
            f"{r['resources']:,}", f"{w['main_bytes'] / 2**20:.1f}", f"{w['tf_lines']:,}",
            _fmt_s(cold), _fmt_mb(cold), f"{out.get('inventory', 'n/a')}", f"{out.get('errors', 'n/a')}",
            f"{r['resources'] / first['resources']:.1f}×" if first else "n/a",
            _ratio(cold, first.get("residency_cold")) if first else "n/a",
            _fmt_cpu(cold), _cpu_ratio(cold, first.get("residency_cold")) if first else "n/a",
        ]) + " |")
        notes += _notes(f"{r['resources']:,} resources", (cold,))
        notes += [f"- {r['resources']:,} resources, scan error: {e}" for e in out.get("first_errors", [])]
    return "\n".join(lines + ([""] + notes if notes else []))


def load_line(results: dict[str, Any]) -> str:
    """How busy the shared machine was: the load average at start and end, and the range of the
    1-minute load as each measured command started."""
    loads = [m["load_avg"][0] for m in _all_measurements(results) if m.get("load_avg")]
    start, end = results.get("load_start"), results.get("load_end")

    def fmt(t: Any) -> str:
        return "/".join(f"{x:.2f}" for x in t) if t else "?"

    span = f"; 1-min load as each command started: {min(loads):.2f}–{max(loads):.2f}" if loads else ""
    return (f"Load average (1/5/15 min) at start {fmt(start)}, at end {fmt(end)}{span} "
            f"({os.cpu_count()} CPUs)")


def _all_measurements(results: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for run in [*results.get("runs", []), *results.get("wide", []), results.get("helm") or {}]:
        found += [v for v in run.values() if isinstance(v, dict) and "load_avg" in v]
    return found


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
            f"checkov {e.get('checkov_version', '?')}, tree-sitter {e.get('tree_sitter_version', '?')} + "
            f"tree-sitter-hcl {e.get('tree_sitter_hcl_version', '?')}, "
            f"bc-python-hcl2 {e.get('hcl2_version', 'not installed')}, "
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
    for key, dist in (("hcl2", "bc-python-hcl2"), ("checkov", "checkov"), ("helm_python_sdk", "helm-python-sdk"),
                      ("tree_sitter", "tree-sitter"), ("tree_sitter_hcl", "tree-sitter-hcl")):
        try:
            info[f"{key}_version"] = version(dist)
        except PackageNotFoundError:
            pass
    return info
