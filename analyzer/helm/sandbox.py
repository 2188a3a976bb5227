"""Running Helm for one chart in a child process with memory, CPU and wall-clock limits.

The Go runtime inside helm-python-sdk does not raise on exhaustion, it aborts the process: a
template such as `{{ range until 100000000 }}` ends in `fatal error: out of memory`, a recursive
`tpl` in a goroutine stack overflow, a nested subchart archive bomb in either. One chart must
never take the scan (and every other root's findings) down with it, so the engine runs in
analyzer/helm/render_worker.py, started as `python -I` (no environment-controlled imports, no
working-folder imports) in a fresh temp folder with a minimal environment, under RLIMIT_DATA and
RLIMIT_CPU (which it applies to itself before loading the engine), and killed (its whole process group) after a wall-clock timeout. The parent turns
every way the child can fail into one RenderError on the chart. The same limits apply to a
`helm` binary (analyzer/helm/engine.py). Cost: one process start and library load per chart
(about 0.2 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

try:  # imported here, not in the preexec_fn: importing in a forked child of a threaded parent can deadlock
    import resource
except ImportError:  # not POSIX: only the wall-clock limit applies
    resource = None  # type: ignore[assignment]

_WORKER = Path(__file__).with_name("render_worker.py")
# what the child keeps from our environment: how to find programs and temp space; never HELM_*,
# KUBECONFIG, proxies or credentials
_PASSED_ENV = ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL")
_MAX_STDERR = 64 * 1024


@dataclass(frozen=True)
class RenderLimits:
    """What one chart's render may use. The defaults fit the largest public charts with room to spare."""

    memory_bytes: int = 2 << 30  # RLIMIT_DATA of the child: memory it may write to
    cpu_seconds: int = 60  # RLIMIT_CPU of the child
    wall_seconds: float = 90.0  # then the child's process group is killed

    @property
    def address_space_bytes(self) -> int:
        """RLIMIT_AS, a backstop well above what the runtimes reserve without using (see limit_child)."""
        return self.memory_bytes + (8 << 30)

    def describe_memory(self) -> str:
        return f"{self.memory_bytes / (1 << 30):g} GiB"


class ChildFailed(Exception):
    """The child did not answer; `message` says why in the user's terms."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def limit_child(limits: RenderLimits) -> Callable[[], None]:
    """A preexec_fn applying limits in a child (a `helm` binary) before it runs anything. The
    render worker applies the same limits itself (render_worker._limit)."""

    def apply() -> None:
        if resource is None:
            return
        # RLIMIT_DATA (private writable memory: the Go heap, Python's, thread stacks), not RLIMIT_AS:
        # the Go runtime and glibc reserve about 1.8 GB of address space (PROT_NONE) for a trivial
        # render, so an address-space limit would fail good charts while measuring nothing used
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_AS, (limits.address_space_bytes, limits.address_space_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not leave a core file behind

    return apply


def run_limited(argv: list[str], stdin: bytes, env: dict[str, str], cwd: Path,
                limits: RenderLimits) -> tuple[int, bytes, bytes]:
    """Run argv (which applies limits itself) in its own process group; (status, stdout, stderr),
    or ChildFailed when the wall-clock limit was reached (the whole group is killed then)."""
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, cwd=cwd, start_new_session=True)
    try:
        stdout, stderr = process.communicate(stdin, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        kill_group(process)
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # something escaped the group and holds the pipes: stop waiting
            pass
        raise ChildFailed(f"rendering was killed after {limits.wall_seconds:g} s (the time limit for one "
                          "chart)") from None
    if len(stderr) > 2 * _MAX_STDERR:  # a Go crash dumps every goroutine: keep its first and last words
        stderr = stderr[:_MAX_STDERR] + b"\n...\n" + stderr[-_MAX_STDERR:]
    return process.returncode, stdout, stderr


def kill_group(process: subprocess.Popen[bytes]) -> None:
    killpg = getattr(os, "killpg", None)
    if killpg is not None:
        try:
            killpg(process.pid, signal.SIGKILL)
            return
        except OSError:
            pass
    process.kill()


def failure_message(status: int, stderr: str, limits: RenderLimits) -> str:
    """Why a child that exited with status (negative: killed by that signal) gave no answer."""
    text = stderr.lower()
    if "out of memory" in text or "cannot allocate memory" in text or "memoryerror" in text:
        return f"rendering exceeded the memory limit ({limits.describe_memory()}) and was stopped"
    if "stack overflow" in text or "stack exceeds" in text:
        return "rendering recursed too deeply (Go stack overflow: a template that calls itself?) and was stopped"
    if status in (-signal.SIGXCPU, -signal.SIGKILL) or "sigxcpu" in text:
        return f"rendering used more than {limits.cpu_seconds} s of CPU (the limit for one chart) and was stopped"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    how = f"signal {-status}" if status < 0 else f"status {status}"
    return f"the Helm engine crashed ({how}{': ' + last[:300] if last else ''})"


def child_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key in _PASSED_ENV}
    env.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config"),
                "XDG_DATA_HOME": str(home / "data"), "HELM_NO_PLUGINS": "1",
                "KUBECONFIG": str(home / "kubeconfig"), "GOTRACEBACK": "none"})  # the reason, not every goroutine
    return env


def sdk_in_child(request: dict[str, Any], limits: RenderLimits) -> dict[str, Any]:
    """The worker's answer to request (see render_worker.py), or ChildFailed."""
    with tempfile.TemporaryDirectory(prefix="residency-render-") as scratch:
        home = Path(scratch)
        argv = [sys.executable, "-I", str(_WORKER)]
        # ASCII JSON, as helm-python-sdk sends values in-process (a lone surrogate stays an escape)
        limits_for_child = {"data": limits.memory_bytes, "address_space": limits.address_space_bytes,
                            "cpu": limits.cpu_seconds}
        payload = json.dumps({**request, "limits": limits_for_child}, ensure_ascii=True).encode("ascii")
        try:
            status, stdout, stderr = run_limited(argv, payload, child_env(home), home, limits)
        except OSError as err:
            raise ChildFailed(f"cannot start the Helm engine: {err.strerror or err}") from None
    if status == 0:
        try:
            answer = json.loads(stdout)
        except ValueError:
            answer = None
        if isinstance(answer, dict):
            return answer
    raise ChildFailed(failure_message(status, stderr.decode("utf-8", "replace"), limits))
