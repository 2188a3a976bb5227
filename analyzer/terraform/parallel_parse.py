"""Parse a tree's Terraform files in two processes when the machine has a second core.

tree-sitter holds the GIL while it parses, so threads do not help; a forked child parses the
later part of the file list while this process parses the first part, then sends its syntax
trees back through a pipe. Measured on the 1,000-file benchmark estate (2 vCPUs, quiet):
1.22 s sequential, 0.82 s split 60/40 (the child also pickles what it built, so it takes
the smaller share).

Safety and determinism:
- only on Linux (fork without exec is what this relies on; other platforms parse in one
  process), with two usable CPUs or more, and only for trees large enough to gain;
  `RESIDENCY_JOBS=1` turns it off;
- the child only parses text this process already read through the tree guard: it opens
  nothing, runs nothing, and leaves with os._exit (no cleanup code of the parent runs twice);
- the pipe is anonymous and only this process and its own child hold it, so the pickled
  trees come from code of this process, never from the scanned tree (caches stay JSON);
- results are returned in the order of the jobs, whichever process parsed them, and a child
  that fails, dies or sends something unreadable only costs time: its share is parsed here.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from typing import Any, Callable, TypeVar

Result = TypeVar("Result")
Job = tuple[str, str]  # (file name, text)

MIN_CHARS = 1 << 20  # below ~1 MB of Terraform a second process costs more than it saves
CHILD_SHARE = 0.4  # of the characters: the child also pickles its trees
_FAILED = 70  # the child's exit status when it could not send its share


def usable_jobs() -> int:
    """How many processes may parse: RESIDENCY_JOBS, else 2 on Linux with two CPUs or more."""
    explicit = os.environ.get("RESIDENCY_JOBS", "").strip()
    if explicit.isdigit():
        return max(1, min(int(explicit), 2))
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 else 1


def parse_all(jobs: list[Job], parse: Callable[[str, str], Result], *, processes: int | None = None) -> list[Result]:
    """parse(name, text) for every job, in the jobs' order."""
    processes = usable_jobs() if processes is None else processes
    total = sum(len(text) for _, text in jobs)
    if processes < 2 or total < MIN_CHARS or len(jobs) < 2 or not hasattr(os, "fork"):
        return [parse(name, text) for name, text in jobs]
    split = _split(jobs, total)
    mine, theirs = jobs[:split], jobs[split:]
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return [parse(name, text) for name, text in jobs]
    if pid == 0:  # the child: parse its share, send it, leave without running any cleanup
        status = _FAILED
        try:
            os.close(read_end)
            gc.disable()  # a short-lived process that exits without freeing anything
            data = pickle.dumps([parse(name, text) for name, text in theirs], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        own = [parse(name, text) for name, text in mine]
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    other = _received(data, len(theirs)) if status == 0 else None
    if other is None:  # the child failed: its share is parsed here
        other = [parse(name, text) for name, text in theirs]
    return own + other


def _split(jobs: list[Job], total: int) -> int:
    """The index where the child's share (the last CHILD_SHARE of the characters) starts."""
    wanted = total * (1 - CHILD_SHARE)
    seen = 0
    for index, (_, text) in enumerate(jobs):
        seen += len(text)
        if seen >= wanted:
            return min(index + 1, len(jobs) - 1)
    return len(jobs) - 1


def _received(data: bytes, count: int) -> list[Any] | None:
    try:
        value = pickle.loads(data)  # noqa: S301 - written by our own forked child (module docstring)
    except Exception:  # noqa: BLE001 - a truncated or garbled message: parse that share here
        return None
    return value if isinstance(value, list) and len(value) == count else None
