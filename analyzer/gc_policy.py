"""How a scan uses Python's cycle collector (one place, so every phase follows one policy).

A scan allocates millions of small objects that live until it ends; the collector's cost is
walking them, not freeing anything. Measured on a 1,000-file estate (0.52 s of collector
time by default) three things cut it to about 0.2 s at the same peak memory:

- parsing builds syntax trees without reference cycles, so the collector is paused while
  files are parsed and the trees are frozen (gc.freeze) as they are: never walked at all;
- survivors of each full collection are frozen too, so a later pass walks only newer objects;
- the older generations are collected less often (a young pass still runs every 700 net
  allocations, so cyclic garbage from evaluation is still freed).

Only a scan that entered `scan_collector()` changes the collector; a library caller that
parses outside a scan gets Python's default behaviour. Frozen objects are handed back when
the scan ends."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_THRESHOLDS = (700, 50, 50)  # Python's default is (700, 10, 10)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def _managed() -> bool:
    return _freeze_survivors in gc.callbacks


@contextmanager
def scan_collector() -> Iterator[None]:
    """The collector policy for one scan (re-entrant: a nested step keeps the outer one's)."""
    if _managed():
        yield
        return
    enabled = gc.isenabled()
    thresholds = gc.get_threshold()
    gc.enable()
    gc.set_threshold(*_THRESHOLDS)
    gc.callbacks.append(_freeze_survivors)
    try:
        yield
    finally:
        gc.callbacks.remove(_freeze_survivors)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        if not enabled:
            gc.disable()


@contextmanager
def parsing() -> Iterator[None]:
    """Around parsing inside a scan: no collection while trees are built, then freeze them."""
    if not _managed() or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
