"""The Helm commands the benchmark times on the generated chart, each in a fresh child:

* ``residency scan <chart> --format json --output /dev/null --no-cache`` (plus ``--values``
  with the chart's values-aws.yaml when ``residency scan --help`` lists that option);
* the render+scan alone: a child that imports ``analyzer.helm.charts`` (timed), then calls
  ``scan_chart(chart, ".")`` K times (timed each), so import cost is separate from render cost;
* stock checkov's helm framework, which shells out to a ``helm`` binary: without one on PATH
  it is reported as not measured, with the reason, never as a number."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .measure import Measurement, child_json, run_measured, unmeasured
from .residency_cli import measure_scan
from .tools import on_path

NOT_MEASURED = "not measured"

RENDER_SCAN_CHILD = r"""
import json, statistics, sys, time
from pathlib import Path
t0 = time.perf_counter()
from analyzer.helm.charts import scan_chart
t_import = time.perf_counter() - t0
t1 = time.perf_counter()
try:
    import helm_python  # the embedded Helm engine (a bundled shared library), loaded on first use otherwise
except ImportError:
    pass
t_engine = time.perf_counter() - t1
chart, reps = Path(sys.argv[1]), int(sys.argv[2])
times = []
for _ in range(reps):
    t = time.perf_counter()
    inventory = scan_chart(chart, ".")
    times.append(time.perf_counter() - t)
print(json.dumps({"reps": reps, "import_seconds": t_import, "engine_import_seconds": t_engine,
                  "first_seconds": times[0], "median_seconds": statistics.median(times),
                  "min_seconds": min(times), "max_seconds": max(times), "rows": len(inventory.rows),
                  "errors": len(inventory.errors), "first_errors": [str(e)[:300] for e in inventory.errors[:5]]}))
sys.exit(3 if inventory.errors or not inventory.rows else 0)
"""

BENCH_K8S_CHECK = '''\
"""No-op checkov check used by bench/benchmark.py to time checkov's helm pipeline."""
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check


class ResidencyBenchK8sNoop(BaseK8Check):
    def __init__(self) -> None:
        super().__init__(
            name="residency benchmark no-op check",
            id="CKV_RES_BENCH_K8S",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_entities=["Deployment"],
        )

    def scan_spec_conf(self, conf):
        return CheckResult.PASSED


check = ResidencyBenchK8sNoop()
'''


def measure_chart_scan(chart: Path, exe: str | None, values_files: list[Path], timeout: float | None) -> Measurement:
    values_args = [arg for path in values_files for arg in ("--values", str(path))]
    return measure_scan("residency scan (helm chart, --no-cache)", exe, chart, ["--no-cache", *values_args],
                        dict(os.environ), timeout)


def measure_render_scan(chart: Path, python: str, reps: int, timeout: float | None) -> Measurement:
    """The in-process render+scan child; ``seconds`` becomes the median of its ``reps`` calls
    (the child's wall time, with interpreter start-up and imports, stays in ``extra``)."""
    m = run_measured("scan_chart render+scan (in-process)", [python, "-c", RENDER_SCAN_CHILD, str(chart), str(reps)],
                     timeout=timeout)
    info = child_json(m)
    if info is None:
        if m.ok:
            m.ok, m.status, m.error = False, "no result", "render+scan child printed no result"
        return m
    m.extra = {**info, "child_seconds": m.seconds}
    m.seconds = float(info["median_seconds"])
    if info.get("errors") or not info.get("rows"):
        m.ok, m.status = False, "scan errors"
        m.error = f"scan_chart returned {info.get('rows')} rows and {info.get('errors')} error(s): " \
                  f"{(info.get('first_errors') or ['(none)'])[0]}"
    return m


def measure_checkov_helm(chart: Path, exe: str | None, timeout: float | None) -> Measurement:
    label = "checkov (helm framework, no-op check)"
    env = dict(os.environ)
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
    if not exe:
        return unmeasured(label, ["checkov"], "missing",
                          "checkov executable not found (next to this python or on PATH)")
    if on_path("helm", env) is None:
        # checkov's helm runner runs `helm version` / `helm template` from PATH and silently skips
        # the framework without it: a timing would be of checkov doing nothing.
        return unmeasured(label, [exe, "--framework", "helm"], NOT_MEASURED,
                          "checkov's helm framework shells out to a `helm` binary (`helm template`), "
                          "and there is no `helm` on PATH")
    with tempfile.TemporaryDirectory(prefix="resbench-ckv-helm-") as tmp:
        Path(tmp, "__init__.py").write_text("")
        Path(tmp, "residency_bench_k8s_check.py").write_text(BENCH_K8S_CHECK)
        cmd = [exe, "-d", str(chart), "--framework", "helm", "--skip-download",
               "--external-checks-dir", tmp, "--check", "CKV_RES_BENCH_K8S", "--quiet", "--compact", "-o", "json"]
        return run_measured(label, cmd, env=env, stdout_path=os.devnull, ok_codes=(0, 1), timeout=timeout)
