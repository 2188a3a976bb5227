"""The suite's network guard itself works (otherwise every 'no network' test could not fail)."""

from __future__ import annotations

import socket

import pytest


def test_guard_blocks_internet_connections_and_lookups_but_not_the_loopback(
        no_network: list[tuple[object, ...]]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(AssertionError, match="tried to connect to"):
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed; the guard stops it first
    with pytest.raises(AssertionError, match="tried to resolve"):
        socket.getaddrinfo("example.com", 443)
    with pytest.raises(AssertionError, match="tried to (resolve|connect to)"):
        socket.create_connection(("203.0.113.9", 80), timeout=0.1)
    no_network.clear()  # the attempts above were this test's own
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM):
        pass
