"""A scan keeps the cyclic collector on (cyclic garbage is freed, peak memory stays low) but
freezes what survives each full pass, so long-lived trees are not re-walked; it restores the
collector as it found it. Parsing inside a scan runs with the collector paused and
freezes the trees it built."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from analyzer.gc_policy import _freeze_survivors, parsing, scan_collector


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
    with scan_collector():
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
    with scan_collector():
        assert gc.isenabled()
        gc.collect()
        assert gc.get_freeze_count() >= len(kept)
        with scan_collector():  # a nested step leaves the outer scan's setup alone
            pass
        assert _freeze_survivors in gc.callbacks
    assert gc.get_freeze_count() == 0
    assert _freeze_survivors not in gc.callbacks
    assert not gc.isenabled()


def test_an_enabled_collector_stays_enabled() -> None:
    gc.enable()
    with scan_collector():
        pass
    assert gc.isenabled()


def test_thresholds_are_restored_after_the_scan() -> None:
    before = gc.get_threshold()
    with scan_collector():
        assert gc.get_threshold()[1:] == (50, 50)
    assert gc.get_threshold() == before


def test_parsing_inside_a_scan_pauses_the_collector_and_freezes_what_it_built(collector_off: None) -> None:
    with scan_collector():
        frozen_before = gc.get_freeze_count()
        with parsing():
            assert not gc.isenabled()
            trees = [[{"block": [i]}] for i in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + len(trees)
    assert gc.get_freeze_count() == 0


def test_parsing_outside_a_scan_leaves_the_collector_alone() -> None:
    gc.enable()
    with parsing():
        assert gc.isenabled()
        trees = [[i] for i in range(100)]
    assert trees and gc.get_freeze_count() == 0
