"""The suite's network guard itself works (otherwise every 'no network' test could not fail)."""

from __future__ import annotations

import socket

import pytest


def test_guard_blocks_internet_sockets_and_allows_local_pipes(no_network: list[tuple[object, ...]]) -> None:
    with pytest.raises(AssertionError, match="tried to open a network socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(AssertionError, match="tried to resolve or connect"):
        socket.getaddrinfo("example.com", 443)
    no_network.clear()  # the attempts above were this test's own
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM):
        pass
