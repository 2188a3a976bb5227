"""Timing one command in a fresh child process: wall seconds (``time.perf_counter`` around
the child), user/sys seconds and peak RSS from ``os.wait4`` on that one child, and the peak
summed RSS of its whole process tree sampled from ``/proc``; plus repeats (median wall time,
max RSS).

``ru_maxrss`` from ``wait4`` is the largest resident set reached by the child *or any of its
waited-for descendants* (what GNU ``/usr/bin/time -v`` prints as "Maximum resident set
size"); being per child, it has none of the ``RUSAGE_CHILDREN`` delta problem when several
commands run in sequence. It is the single largest process, not a sum, hence the sampler."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass
class Measurement:
    label: str
    cmd: list[str]
    ok: bool = False
    status: str = "not run"  # ok | findings | crash | exit N | signal N | timeout | missing | not run
    returncode: int | None = None
    seconds: float | None = None
    user_seconds: float | None = None
    sys_seconds: float | None = None
    peak_mb: float | None = None
    tree_peak_mb: float | None = None
    error: str | None = None
    stdout_tail: str | None = None
    stderr_tail: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    load_avg: tuple[float, float, float] | None = None  # os.getloadavg() as the child started
    repeats: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> str:
        if self.seconds is None:
            return f"{self.label}: not run ({self.error})"
        s = f"{self.label}: {self.seconds:.2f} s, peak {self.peak_mb:.0f} MB"
        if self.tree_peak_mb:
            s += f" (tree {self.tree_peak_mb:.0f} MB)"
        if self.load_avg:
            s += f" [load {self.load_avg[0]:.2f}]"
        if not self.ok:
            s += f"  ** FAILED rc={self.returncode}: {self.error or ''}"
        return s


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _proc_tree_rss(pid: int) -> int | None:
    """Sum of resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    total = 0
    stack = [pid]
    seen = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * _PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                try:
                    with open(f"/proc/{p}/task/{task}/children") as fh:
                        stack.extend(int(c) for c in fh.read().split())
                except OSError:
                    pass
        except (OSError, ValueError, IndexError):
            continue
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.stop_evt = threading.Event()
        self.enabled = os.path.exists(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/children")

    def run(self) -> None:
        if not self.enabled:
            return
        while not self.stop_evt.is_set():
            rss = _proc_tree_rss(self.pid)
            if rss:
                self.peak = max(self.peak, rss)
            self.stop_evt.wait(self.interval)


def _tail(path: Path, n: int = 1500) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace").strip()


def run_measured(label: str, cmd: list[str], *, env: dict[str, str] | None = None,
                 stdout_path: str | None = None, ok_codes: tuple[int, ...] = (0,),
                 timeout: float | None = None, cwd: str | None = None,
                 traceback_is_crash: bool = False) -> Measurement:
    """Run ``cmd`` in a fresh child; wall time via perf_counter, peak RSS via wait4().

    ``ok_codes`` are the exit codes that count as a successful run.  With
    ``traceback_is_crash`` a Python traceback on stderr marks the run as crashed
    even when the exit code is in ``ok_codes`` (an uncaught exception exits 1,
    which a scanner would otherwise pass off as "findings")."""
    m = Measurement(label=label, cmd=[str(c) for c in cmd])
    with tempfile.TemporaryDirectory(prefix="resbench-io-") as io_dir:
        out_p = Path(stdout_path) if stdout_path else Path(io_dir) / "stdout"
        err_p = Path(io_dir) / "stderr"
        try:
            out_fh = open(out_p, "wb")
        except OSError as e:
            m.status, m.error = "cannot start", f"cannot open stdout target: {e}"
            return m
        with out_fh, open(err_p, "wb") as err_fh:
            m.load_avg = os.getloadavg()  # the machine is shared: note how busy it was
            t0 = time.perf_counter()
            try:
                proc = subprocess.Popen(m.cmd, stdout=out_fh, stderr=err_fh, stdin=subprocess.DEVNULL,
                                        env=env, cwd=cwd, start_new_session=True)
            except OSError as e:
                m.status, m.error = "cannot start", f"cannot start: {e}"
                return m
            sampler = _TreeSampler(proc.pid)
            sampler.start()
            timed_out = threading.Event()

            def _kill() -> None:
                timed_out.set()
                try:
                    os.killpg(proc.pid, 9)
                except OSError:
                    pass

            timer = threading.Timer(timeout, _kill) if timeout else None
            if timer:
                timer.start()
            try:
                try:
                    _, status, ru = os.wait4(proc.pid, 0)
                except KeyboardInterrupt:
                    _kill()  # the child runs in its own session; do not leave it behind
                    raise
            finally:
                elapsed = time.perf_counter() - t0
                if timer:
                    timer.cancel()
                sampler.stop_evt.set()
                sampler.join()
            proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss = ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        m.returncode = proc.returncode
        m.seconds = elapsed
        m.user_seconds = ru.ru_utime
        m.sys_seconds = ru.ru_stime
        m.peak_mb = maxrss / 2**20
        m.tree_peak_mb = (sampler.peak / 2**20) if sampler.peak else None
        m.stderr_tail = _tail(err_p)
        if not stdout_path:
            m.stdout_tail = _tail(out_p, 4000)
        crashed = False
        if traceback_is_crash:
            try:
                with open(err_p, "rb") as fh:
                    crashed = b"Traceback (most recent call last)" in fh.read(16 * 2**20)
            except OSError:
                pass
        last = [ln for ln in (m.stderr_tail or "").splitlines() if ln.strip()][-1:] or ["(no stderr)"]
        if timed_out.is_set():
            m.status, m.error = "timeout", f"timed out after {timeout:.0f} s"
        elif m.returncode < 0:
            m.status, m.error = f"signal {-m.returncode}", f"killed by signal {-m.returncode}"
        elif crashed:
            m.status = "crash"
            m.error = f"crashed with a Python traceback (exit code {m.returncode}): {last[0].strip()[:300]}"
        elif m.returncode not in ok_codes:
            m.status, m.error = f"exit {m.returncode}", f"exit code {m.returncode}: {last[0].strip()[:300]}"
        else:
            m.status = "ok" if m.returncode == 0 else "findings"
        m.ok = m.error is None
    return m


def child_json(m: Measurement) -> dict[str, Any] | None:
    """The JSON object a measured ``python -c`` child printed as its last stdout line, if any."""
    try:
        info = json.loads((m.stdout_tail or "").splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return info if isinstance(info, dict) else None


def unmeasured(label: str, cmd: list[str], status: str, error: str) -> Measurement:
    """A command that was not run (missing tool, missing prerequisite); ``error`` says why."""
    return Measurement(label=label, cmd=cmd, status=status, error=error)


def repeat_measured(n: int, make: Callable[[], Measurement]) -> Measurement:
    """Run ``make()`` n times; report the median wall time and the max peak RSS."""
    return merge_measurements([make() for _ in range(max(1, n))])


def merge_measurements(ms: list[Measurement]) -> Measurement:
    """Median wall time / max RSS over repeated runs of the same command."""
    if len(ms) == 1:
        return ms[0]
    base = ms[-1]
    good = [m for m in ms if m.seconds is not None]
    seconds = [m.seconds for m in ms if m.seconds is not None]
    if good:
        base.seconds = statistics.median(seconds)
        base.peak_mb = max(m.peak_mb or 0 for m in good)
        tp = [m.tree_peak_mb for m in good if m.tree_peak_mb]
        base.tree_peak_mb = max(tp) if tp else None
    base.ok = all(m.ok for m in ms)
    base.repeats = [{"seconds": m.seconds, "peak_mb": m.peak_mb, "ok": m.ok, "returncode": m.returncode}
                    for m in ms]
    return base
