"""A scan keeps the cyclic collector on (cyclic garbage is freed, peak memory stays low) but
freezes what survives each full pass, so long-lived trees are not re-walked; it restores the
collector as it found it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from analyzer.scan import _freeze_survivors, _gc_freezing_survivors


class _Node:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture()
def collector_off() -> Iterator[None]:
    """The CLI switches the collector off for the whole process; the scan must switch it on."""
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_cyclic_garbage_made_during_a_scan_is_freed_without_asking(collector_off: None) -> None:
    with _gc_freezing_survivors():
        cycle = _Node()
        gone = weakref.ref(cycle)
        del cycle
        held: list[list[object]] = []
        for _ in range(200):  # ordinary allocation of live objects triggers the young collections
            held.append([[] for _ in range(100)])
            if gone() is None:
                break
        assert gone() is None


def test_survivors_of_a_full_pass_are_frozen_then_released(collector_off: None) -> None:
    kept = [_Node() for _ in range(1000)]
    with _gc_freezing_survivors():
        assert gc.isenabled()
        gc.collect()
        assert gc.get_freeze_count() >= len(kept)
        with _gc_freezing_survivors():  # a nested step leaves the outer scan's setup alone
            pass
        assert _freeze_survivors in gc.callbacks
    assert gc.get_freeze_count() == 0
    assert _freeze_survivors not in gc.callbacks
    assert not gc.isenabled()


def test_an_enabled_collector_stays_enabled() -> None:
    gc.enable()
    with _gc_freezing_survivors():
        pass
    assert gc.isenabled()
