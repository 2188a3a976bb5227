"""``residency scan`` as the benchmark runs it: one timed scan of a target, and one unmeasured
scan whose JSON report is read back to confirm the timed runs really analysed the target."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from .measure import Measurement, run_measured, unmeasured


def scan_cmd(exe: str, target: Path, output: str, extra_args: list[str]) -> list[str]:
    return [exe, "scan", str(target), "--format", "json", "--output", output, *extra_args]


def measure_scan(label: str, exe: str | None, target: Path, extra_args: list[str], env: dict[str, str],
                 timeout: float | None) -> Measurement:
    """One timed ``residency scan TARGET --format json --output /dev/null EXTRA...``."""
    if not exe:
        return unmeasured(label, ["residency"], "missing",
                          "residency executable not found (next to this python or on PATH)")
    # rc 1 = findings; >= 2 = usage/internal error; a traceback exits 1 too, so it is a crash.
    return run_measured(label, scan_cmd(exe, target, os.devnull, extra_args), env=env, ok_codes=(0, 1),
                        timeout=timeout, traceback_is_crash=True)


def report_counts(exe: str, target: Path, extra_args: list[str], env: dict[str, str],
                  timeout: float | None) -> dict[str, object]:
    """One extra, *unmeasured* scan with the JSON report written to a temp file: the length of
    every list in the report (findings, inventory, providers, errors) and its summary."""
    with tempfile.TemporaryDirectory(prefix="resbench-report-") as tmp:
        report = Path(tmp) / "report.json"
        try:
            proc = subprocess.run(scan_cmd(exe, target, str(report), extra_args),
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            return {"error": str(e)}
        out: dict[str, object] = {"returncode": proc.returncode}
        try:
            doc = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            out["error"] = f"no JSON report: {e}; stderr: {proc.stderr.decode('utf-8', 'replace')[-300:]}"
            return out
        if isinstance(doc, dict):
            for key, val in doc.items():
                if isinstance(val, list):
                    out[key] = len(val)
            errors = doc.get("errors")
            if isinstance(errors, list) and errors:
                # the first few, so a budget or parse error in a timed run is visible
                out["first_errors"] = [f"{e.get('file')}:{e.get('line')}: {str(e.get('message'))[:200]}"
                                       for e in errors[:3] if isinstance(e, dict)]
            if isinstance(doc.get("summary"), dict):
                out["summary"] = doc["summary"]
        return out
