#!/usr/bin/env python3
"""Scale benchmark for ``residency scan``: the command-line runner.

Generates a large, deterministic, realistic Terraform estate (AWS-heavy, with some
GCP and Azure roots, shared local modules nested three deep, aliased providers
passed two modules down, ``for_each``/``count``, locals, tfvars, outputs) and
measures, each in a fresh subprocess:

* the *parse floor*: one process that parses every ``.tf``/``.tfvars`` file with
  ``hcl2.load`` (what any HCL-based scanner must at least pay);
* ``residency scan <estate> --format json --output /dev/null``, cold (empty
  ``RESIDENCY_CACHE_DIR``) and warm (second run on the same cache dir);
* stock ``checkov`` with one trivial external check (or our real rules folder
  via ``--checkov-rules``).

Then it generates a data-plane Helm chart with 100 manifest templates and measures
``residency scan <chart> --no-cache``, the in-process ``scan_chart`` render+scan alone
(import cost separated), and checkov's helm framework when a ``helm`` binary exists.

Layout (one job per module): ``estate/`` generates the Terraform estates, ``chart/``
the Helm chart, ``measure.py`` times one child process, ``terraform_runs.py``,
``helm_runs.py`` and ``residency_cli.py`` are the measured commands, ``tools.py``
finds executables, ``report.py`` prints the table.  Only the standard library is
used, plus ``hcl2`` inside the parse-floor child and ``analyzer`` inside the
render+scan child.

Run ``python bench/benchmark.py --help`` for the flags; see bench/README.md.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # `python bench/benchmark.py`: import the bench package from the repo root (the imports
    # below come after this on purpose), not the modules of bench/ as top-level names
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import os
import shutil
import tempfile
import textwrap
import time
from typing import Any

from bench.chart import CHART_NAME, generate_chart
from bench.estate import CORE_FILES, DEFAULT_SEED, MODULE_FILE_COUNT, estate_files, generate_estate
from bench.helm_runs import (
    NOT_MEASURED,
    measure_chart_scan,
    measure_checkov_helm,
    measure_render_scan,
)
from bench.measure import Measurement, merge_measurements, repeat_measured
from bench.report import environment_info, environment_line, estates_table, load_line, markdown_table, wide_table
from bench.residency_cli import report_counts
from bench.terraform_runs import (
    measure_checkov,
    measure_parse_floor,
    measure_residency,
    parser_available,
    residency_output_summary,
)
from bench.tools import find_tool, help_lists_option, on_path
from bench.trees import tree_files, tree_stats
from bench.wide import generate_wide

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out"
DEFAULT_HELM_REPS = 10


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes wants comma-separated integers, got {text!r}")
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("--sizes needs positive integers")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="benchmark.py",
        description=textwrap.dedent(
            """\
            Generate realistic Terraform estates of several sizes and time, each in a
            fresh subprocess: the hcl2 parse floor, `residency scan` cold and warm, and
            stock checkov with one no-op custom check.  Then generate a data-plane Helm
            chart with 100 templates and time `residency scan --no-cache` on it, the
            in-process scan_chart render+scan alone, and checkov's helm framework (only
            when a `helm` binary is on PATH).  Prints a Markdown table and writes JSON to
            OUT/results.json."""),
        epilog=textwrap.dedent(
            """\
            examples:
              python bench/benchmark.py                          # 250,500,1000 files + Helm, everything
              python bench/benchmark.py --sizes 1000 --skip-checkov
              python bench/benchmark.py --sizes 250 --checkov-rules rules
              python bench/benchmark.py --generate-only --sizes 1000
              python bench/benchmark.py --helm-only --helm-reps 20

            A residency or checkov run that exits with 0 or 1 counts as success (1 means
            findings); any other exit code, a signal, a timeout or (for residency) a
            Python traceback on stderr is reported as a failure in the table and JSON,
            and the benchmark carries on.  The script exits 1 if anything failed; a cell
            that could not be measured (checkov's Helm column without a helm binary) is
            reported as "not measured" with the reason, and is not a failure.
            Run it with the project's venv python: the parse floor imports hcl2, the
            render+scan child imports analyzer, and residency/checkov are looked up next
            to that interpreter first."""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--sizes", type=parse_sizes, default=[250, 500, 1000], metavar="N[,N...]",
                   help="estate sizes in .tf files, comma-separated (default: 250,500,1000); "
                        f"each must be >= {MODULE_FILE_COUNT + len(CORE_FILES) + 1}")
    p.add_argument("--tree", type=Path, action="append", default=[], metavar="DIR",
                   help="also benchmark this existing Terraform tree (repeatable); it is only read")
    p.add_argument("--no-estates", action="store_true",
                   help="no generated estates (--sizes is ignored): only --tree, --wide and Helm")
    p.add_argument("--wide", type=parse_sizes, default=[], metavar="N[,N...]",
                   help="scaling rows: one module holding N resources each, residency cold scan only "
                        "(e.g. 4000,16000: 4x the resources must take ~4x the time)")
    p.add_argument("--skip-checkov", action="store_true",
                   help="do not run checkov (the slow part: 30 s or more per 1,000 files)")
    p.add_argument("--checkov-rules", type=Path, metavar="DIR",
                   help="run checkov with this external-checks dir and --check CKV_RES_1..CKV_RES_10 "
                        "(e.g. the repo's rules/ folder) instead of the built-in no-op check")
    p.add_argument("--keep", action="store_true",
                   help="keep the generated estates (OUT/estate-N) and chart (OUT/helm/) after measuring; "
                        "default deletes them")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="output directory for estates and results.json (default: bench/out next to this script)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default: {DEFAULT_SEED})")
    p.add_argument("--repeat", type=int, default=1, metavar="K",
                   help="run each timed command K times and report the median wall time and max RSS (default: 1)")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="SEC",
                   help="kill any single measured command after SEC seconds (default: 1800)")
    p.add_argument("--generate-only", action="store_true",
                   help="only generate the estates (and the Helm chart) and print their counts (implies --keep)")
    p.add_argument("--skip-residency", action="store_true", help="do not run residency scan")
    p.add_argument("--no-output-check", action="store_true",
                   help="skip the extra, unmeasured residency scan that writes a real JSON report and "
                        "records its finding/inventory/error counts (a sanity check of the timed runs)")
    p.add_argument("--residency", metavar="PATH",
                   help="residency executable (default: next to this python, else on PATH)")
    p.add_argument("--checkov", metavar="PATH",
                   help="checkov executable (default: next to this python, else on PATH)")
    p.add_argument("--skip-helm", action="store_true", help="do not generate or measure the Helm chart")
    p.add_argument("--helm-only", action="store_true",
                   help="only the Helm chart: no Terraform estates (--sizes is ignored)")
    p.add_argument("--helm-reps", type=int, default=DEFAULT_HELM_REPS, metavar="K",
                   help="scan_chart calls timed inside the render+scan child; the table shows their median "
                        f"(default: {DEFAULT_HELM_REPS})")
    return p


def _count(m: Measurement) -> int:
    """1 if ``m`` failed; a command that could not be measured, with the reason, is not a failure."""
    return 0 if m.ok or m.status == NOT_MEASURED else 1


def run_estate(n: int, args: argparse.Namespace, out: Path, residency_exe: str | None,
               checkov_exe: str | None, hcl2: bool) -> tuple[dict[str, Any], int]:
    """Generate the estate of ``n`` files and time every command on it."""
    estate = out / f"estate-{n}"
    print(f"\n=== {n} files: generating {estate} ...", flush=True)
    st = generate_estate(estate, n, args.seed)
    print(f"    {st.tf_files:,} .tf files, {st.tf_lines:,} .tf lines "
          f"(+{st.tfvars_files} .tfvars, {st.tfvars_lines:,} lines); {st.roots} roots "
          f"{st.roots_by_cloud}, {st.modules} shared modules, {st.bytes / 2**20:.1f} MiB, "
          f"generated in {st.seconds:.2f} s", flush=True)
    run: dict[str, Any] = {"kind": "estate", "size": n, "estate": st.__dict__.copy()}
    if args.generate_only:
        return run, 0
    # a generated estate must parse with both parsers: a rejected file fails the run
    failures = measure_terraform(run, estate, estate_files(estate), True, args, residency_exe, checkov_exe, hcl2)
    if not args.keep:
        shutil.rmtree(estate, ignore_errors=True)
    return run, failures


def run_tree(tree: Path, args: argparse.Namespace, residency_exe: str | None, checkov_exe: str | None,
             hcl2: bool) -> tuple[dict[str, Any], int]:
    """Time every command on an existing tree (``--tree``); the tree is only read."""
    print(f"\n=== tree {tree} ...", flush=True)
    files = tree_files(tree)
    st = tree_stats(tree, files)
    print(f"    {st.tf_files:,} .tf files, {st.tf_lines:,} .tf lines "
          f"(+{st.tfvars_files} .tfvars, {st.tfvars_lines:,} lines), {st.bytes / 2**20:.1f} MiB", flush=True)
    run: dict[str, Any] = {"kind": "tree", "name": tree.name, "estate": st.__dict__.copy()}
    # a real tree may hold files a parser rejects (hcl2 rejects valid HCL): counted, not a failure
    failures = measure_terraform(run, tree, files, False, args, residency_exe, checkov_exe, hcl2)
    return run, failures


def measure_terraform(run: dict[str, Any], target: Path, files: list[Path], strict_parse: bool,
                      args: argparse.Namespace, residency_exe: str | None, checkov_exe: str | None,
                      hcl2: bool) -> int:
    """Parse floors, residency cold/warm (+ the unmeasured check run) and checkov on ``target``;
    the measurements go into ``run``; returns the number of failed commands."""
    failures = 0
    parsers = ["residency", "hcl2"] if hcl2 else ["residency"]
    for parser in parsers:
        def floor(parser: str = parser) -> Measurement:
            return measure_parse_floor(target, files, sys.executable, args.timeout, parser=parser,
                                       strict=strict_parse)

        pm = repeat_measured(args.repeat, floor)
        run["parse_floor" if parser == "residency" else "parse_floor_hcl2"] = pm.__dict__
        print("    " + pm.summary(), flush=True)
        if pm.extra:
            print(f"      (in-process: import {pm.extra.get('import_seconds', 0):.2f} s, "
                  f"parse {pm.extra.get('parse_seconds', 0):.2f} s, "
                  f"{pm.extra.get('errors', 0)} of {pm.extra.get('files', 0)} files rejected)", flush=True)
        failures += _count(pm)

    if not args.skip_residency:
        with tempfile.TemporaryDirectory(prefix="resbench-cache-") as cache_root:
            counter = iter(range(10**6))

            def cold_then_warm() -> tuple[Measurement, Measurement]:
                cache = Path(cache_root) / f"c{next(counter)}"
                cache.mkdir()
                c = measure_residency(target, residency_exe, cache, "residency scan (cold)", args.timeout)
                w = measure_residency(target, residency_exe, cache, "residency scan (warm)", args.timeout)
                return c, w

            pairs = [cold_then_warm() for _ in range(max(1, args.repeat))]
            cold = merge_measurements([p[0] for p in pairs])
            warm = merge_measurements([p[1] for p in pairs])
            if residency_exe and warm.ok and not args.no_output_check:
                run["residency_output"] = residency_output_summary(
                    target, residency_exe, Path(cache_root) / "c0", args.timeout)
        run["residency_cold"], run["residency_warm"] = cold.__dict__, warm.__dict__
        for mm in (cold, warm):
            print("    " + mm.summary(), flush=True)
            failures += _count(mm)
        if "residency_output" in run:
            shown = {k: v for k, v in run["residency_output"].items() if k != "summary"}
            print(f"    residency report (unmeasured check run): {shown}", flush=True)

    if not args.skip_checkov:
        cm = repeat_measured(args.repeat, lambda: measure_checkov(target, checkov_exe, args.checkov_rules,
                                                                   args.timeout))
        run["checkov"] = cm.__dict__
        print("    " + cm.summary(), flush=True)
        failures += _count(cm)
    return failures


def run_wide(n: int, args: argparse.Namespace, out: Path, residency_exe: str | None) -> tuple[dict[str, Any], int]:
    """One module with ``n`` resources: the residency cold scan only (the scaling rows)."""
    root = out / f"wide-{n}"
    print(f"\n=== one module with {n:,} resources: generating {root} ...", flush=True)
    st = generate_wide(root, n)
    print(f"    main.tf {st.main_bytes / 2**20:.1f} MiB; {st.tf_lines:,} .tf lines in {st.tf_files} files",
          flush=True)
    run: dict[str, Any] = {"resources": n, "wide": st.__dict__.copy()}
    failures = 0
    if not args.generate_only and not args.skip_residency:
        with tempfile.TemporaryDirectory(prefix="resbench-cache-") as cache_root:
            counter = iter(range(10**6))

            def cold() -> Measurement:
                cache = Path(cache_root) / f"c{next(counter)}"
                cache.mkdir()
                return measure_residency(root, residency_exe, cache, "residency scan (cold)", args.timeout)

            cm = repeat_measured(args.repeat, cold)
            run["residency_cold"] = cm.__dict__
            print("    " + cm.summary(), flush=True)
            failures += _count(cm)
            if residency_exe and cm.ok and not args.no_output_check:
                run["residency_output"] = residency_output_summary(root, residency_exe, Path(cache_root) / "c0",
                                                                   args.timeout)
                shown = {k: v for k, v in run["residency_output"].items() if k != "summary"}
                print(f"    residency report (unmeasured check run): {shown}", flush=True)
                for err in run["residency_output"].get("first_errors", []):
                    print(f"      scan error: {err}", flush=True)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return run, failures


def run_helm(args: argparse.Namespace, out: Path, residency_exe: str | None,
             checkov_exe: str | None) -> tuple[dict[str, Any], int]:
    """Generate the Helm chart and time every command on it."""
    chart_root = out / "helm"
    chart = chart_root / CHART_NAME
    print(f"\n=== Helm chart: generating {chart} ...", flush=True)
    t0 = time.perf_counter()
    st = generate_chart(chart)
    print(f"    {st.templates} manifest templates ({st.template_lines:,} lines), {st.files} files in all, "
          f"{st.bytes / 1024:.0f} KiB, values overrides {', '.join(st.values_files)}; "
          f"generated in {time.perf_counter() - t0:.2f} s", flush=True)
    helm: dict[str, Any] = {"chart": st.__dict__.copy()}
    if args.generate_only:
        return helm, 0
    failures = 0

    rm = repeat_measured(args.repeat, lambda: measure_render_scan(chart, sys.executable, args.helm_reps,
                                                                  args.timeout))
    helm["render_scan"] = rm.__dict__
    print("    " + rm.summary(), flush=True)
    if rm.ok:
        x = rm.extra
        print(f"      (one child: import analyzer.helm.charts {x['import_seconds']:.2f} s, helm engine "
              f"{x['engine_import_seconds']:.2f} s, {x['reps']} render+scan calls: first {x['first_seconds']:.3f} s, "
              f"median {x['median_seconds']:.3f} s, min {x['min_seconds']:.3f} s; {x['rows']} rows, "
              f"{x['errors']} errors; child wall {x['child_seconds']:.2f} s)", flush=True)
    failures += _count(rm)

    if not args.skip_residency:
        # Values overrides only when this residency has --values (it applies them to every chart).
        values = ([chart / "values-aws.yaml"] if residency_exe and help_lists_option([residency_exe, "scan"],
                                                                                      "--values") else [])
        helm["values_files"] = [str(v) for v in values]
        print(f"    residency scan --values: {', '.join(v.name for v in values) or 'none (option not listed)'}",
              flush=True)
        sm = repeat_measured(args.repeat, lambda: measure_chart_scan(chart, residency_exe, values, args.timeout))
        helm["residency_scan"] = sm.__dict__
        print("    " + sm.summary(), flush=True)
        failures += _count(sm)
        if residency_exe and sm.ok and not args.no_output_check:
            values_args = [arg for v in values for arg in ("--values", str(v))]
            counts = report_counts(residency_exe, chart, ["--no-cache", *values_args], dict(os.environ),
                                   args.timeout)
            helm["residency_output"] = counts
            shown = {k: v for k, v in counts.items() if k != "summary"}
            print(f"    residency report (unmeasured check run): {shown}", flush=True)

    if not args.skip_checkov:
        cm = measure_checkov_helm(chart, checkov_exe, args.timeout)
        helm["checkov"] = cm.__dict__
        if cm.status == NOT_MEASURED:
            print(f"    {cm.label}: not measured: {cm.error}", flush=True)
        else:
            print("    " + cm.summary(), flush=True)
        failures += _count(cm)

    if not args.keep:
        shutil.rmtree(chart_root, ignore_errors=True)
    return helm, failures


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.checkov_rules:
        args.checkov_rules = args.checkov_rules.resolve()
    if args.checkov_rules and not args.checkov_rules.is_dir():
        print(f"--checkov-rules: {args.checkov_rules} is not a directory", file=sys.stderr)
        return 2
    if args.helm_only and args.skip_helm:
        print("--helm-only and --skip-helm exclude each other", file=sys.stderr)
        return 2
    if args.generate_only:
        args.keep = True
    args.tree = [t.resolve() for t in args.tree]
    for tree in args.tree:
        if not tree.is_dir():
            print(f"--tree: {tree} is not a directory", file=sys.stderr)
            return 2

    residency_exe = None if args.skip_residency else find_tool("residency", args.residency)
    checkov_exe = None if (args.skip_checkov or args.generate_only) else find_tool("checkov", args.checkov)
    env_info = environment_info(residency_exe, checkov_exe, on_path("helm"))
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": env_info,
        "settings": {"sizes": [] if args.helm_only or args.no_estates else args.sizes,
                     "trees": [str(t) for t in args.tree], "wide": args.wide, "seed": args.seed,
                     "repeat": args.repeat, "argv": sys.argv[1:] if argv is None else argv,
                     "skip_checkov": args.skip_checkov, "checkov_rules": str(args.checkov_rules or ""),
                     "generate_only": args.generate_only, "skip_helm": args.skip_helm,
                     "helm_reps": args.helm_reps},
        "method": {
            "wall": "time.perf_counter() around each child process (includes interpreter start-up)",
            "peak_mb": "ru_maxrss from os.wait4() on the child: the largest RSS of the child or any "
                       "descendant it waited for (same as GNU time -v 'Maximum resident set size')",
            "tree_peak_mb": "peak of the summed RSS of the child's whole process tree, sampled from "
                            "/proc every 50 ms (Linux only)",
            "helm_render_scan": "seconds = median of --helm-reps in-process scan_chart(chart, '.') calls "
                                "in one child, after its imports (extra holds import, first call and child wall)",
        },
        "runs": [],
        "wide": [],
        "helm": None,
    }
    results["load_start"] = os.getloadavg()
    hcl2 = not args.generate_only and parser_available("hcl2", sys.executable)
    if not hcl2 and not args.generate_only:
        print("hcl2 is not importable here (bc-python-hcl2 comes with the checkov extra): "
              "no hcl2 parse-floor column", flush=True)
    failures = 0
    for n in ([] if args.helm_only or args.no_estates else args.sizes):
        run, failed = run_estate(n, args, out, residency_exe, checkov_exe, hcl2)
        results["runs"].append(run)
        failures += failed
    for tree in ([] if args.helm_only or args.generate_only else args.tree):
        run, failed = run_tree(tree, args, residency_exe, checkov_exe, hcl2)
        results["runs"].append(run)
        failures += failed
    for n in ([] if args.helm_only else args.wide):
        run, failed = run_wide(n, args, out, residency_exe)
        results["wide"].append(run)
        failures += failed
    if not args.skip_helm:
        results["helm"], failed = run_helm(args, out, residency_exe, checkov_exe)
        failures += failed

    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["load_end"] = os.getloadavg()
    table = markdown_table(results["runs"], results["helm"]) if not args.generate_only else None
    if table and results["wide"]:
        table += "\n\n" + wide_table(results["wide"])
    results["markdown"] = table
    # --generate-only must not clobber the timings of an earlier full run
    res_path = out / ("estates.json" if args.generate_only else "results.json")
    res_path.write_text(json.dumps(results, indent=2, default=str) + "\n")

    print()
    if table:
        print(environment_line(env_info))
        print(load_line(results) + "\n")
        print(table)
        print()
    elif results["runs"]:
        print(estates_table(results["runs"]))
        print()
    print(f"results written to {res_path}")
    if failures:
        print(f"{failures} measured command(s) failed; see the ✗ cells above and 'error' / 'stderr_tail' "
              f"in {res_path}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
