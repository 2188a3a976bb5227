"""The child process that runs the embedded Helm engine for one chart (see analyzer/helm/sandbox.py).

Helm's Go runtime aborts the whole process on some inputs (`fatal error: out of memory` for
`{{ range until 100000000 }}`, a goroutine stack overflow for a recursive `tpl`), so the engine
never runs inside the scanning process: the parent starts this file with `python -I` under
memory and CPU limits and turns a crash into a finding on the chart.

Protocol: one JSON request on stdin, one JSON answer on stdout, exit status 0 whenever an answer
was written. Request: {"chart": folder, "values": {...}, "release", "namespace",
"dependencies": bool, "render": bool, "limits": {"data", "address_space", "cpu"}}; the limits are
applied first, by this process itself (no preexec_fn: forking a threaded parent into Python code
can deadlock). Answer: {"dependencies": [...]} and/or
{"rendered": {template: text}}, or {"error": message}. Only the standard library and
helm_python are imported: the file runs on its own, not as part of the analyzer package.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MAX_OUTPUT_CHARS = 64 * 1024 * 1024  # rendered text handed back; more is refused, not sent


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    import helm_python

    answer: dict[str, Any] = {}
    try:
        if request.get("dependencies"):
            answer["dependencies"] = helm_python.dependency_list(request["chart"])
        if request.get("render"):
            with helm_python.Chart.load(request["chart"]) as chart:
                rendered = _render(helm_python, chart, request)
            size = sum(len(text) for text in rendered.values())
            if size > MAX_OUTPUT_CHARS:
                return {"error": f"the chart renders {size / 1048576:.0f} MB of manifests, over the "
                                 f"{MAX_OUTPUT_CHARS // 1048576} MB limit; not analyzed", "limit": True}
            answer["rendered"] = rendered
    except helm_python.HelmError as err:
        detail = getattr(err, "detail", None)
        return {"error": str(detail if detail else err)}
    except OSError as err:  # a ctypes/file problem outside helm's own error codes
        return {"error": str(err)}
    return answer


def _render(helm_python: Any, chart: Any, request: dict[str, Any]) -> dict[str, str]:
    """Chart.render, or (for --kube-version/--api-versions, which the C library's render options
    take but Chart.render does not expose) the same native call with them added."""
    values = request.get("values") or {}
    if not request.get("kube_version") and not request.get("api_versions"):
        return chart.render(values, name=request["release"], namespace=request["namespace"])
    options = {"name": request["release"], "namespace": request["namespace"],
               "kube_version": request.get("kube_version") or "", "api_versions": list(request.get("api_versions") or [])}
    from helm_python import _native

    rendered: dict[str, str] = json.loads(_native.call_string("helm_render", chart._raw(), json.dumps(values),
                                                              json.dumps(options)))
    return rendered


def _limit(limits: dict[str, int]) -> None:
    """Apply the parent's limits to this process before the Go runtime is loaded (see sandbox.limit_child)."""
    try:
        import resource
    except ImportError:  # not a POSIX system: the wall-clock limit still holds
        return
    resource.setrlimit(resource.RLIMIT_DATA, (limits["data"], limits["data"]))
    resource.setrlimit(resource.RLIMIT_AS, (limits["address_space"], limits["address_space"]))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    _limit(request["limits"])
    try:
        answer = _answer(request)
    except MemoryError:  # Python's own allocations hit the limit (the Go runtime aborts instead)
        sys.stderr.write("fatal error: out of memory (MemoryError)\n")
        return 3
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=True).encode("ascii"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
