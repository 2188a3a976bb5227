"""The hostile suite runs with the network cut at the socket layer: any attempt by the analyzer
(in this process) to resolve a name or to connect or send anywhere but the loopback fails the
test that made it. Tests may listen on the loopback themselves, to prove that a child process
(the Helm engine) never connects. Child processes are checked in their own tests, with such a
listener or in a network namespace of their own."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, Iterator

import pytest


class NetworkAttempt(AssertionError):
    pass


def _loopback(host: object) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    attempts: list[tuple[Any, ...]] = []

    def check(what: str, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) and address else None
        if isinstance(address, (str, bytes)):  # AF_UNIX path: a local pipe
            return
        if not _loopback(host):
            attempts.append((what, address))
            raise NetworkAttempt(f"the analyzer tried to {what} {address!r}")

    class GuardedSocket(socket.socket):
        def connect(self, address: Any) -> None:
            check("connect to", address)
            super().connect(address)

        def connect_ex(self, address: Any) -> int:
            check("connect to", address)
            return super().connect_ex(address)

        def sendto(self, data: Any, *args: Any) -> int:
            check("send to", args[-1])
            return super().sendto(data, *args)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check("resolve", (host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    assert attempts == [], f"network attempted: {attempts}"
