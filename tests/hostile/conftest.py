"""The hostile suite runs with the network cut at the socket layer: any attempt by the analyzer
(in this process) to open an internet socket fails the test that made it. Child processes
(the Helm engine, the CLI run end to end) are checked in their own tests, in a network
namespace of their own."""

from __future__ import annotations

import socket
from typing import Any, Iterator

import pytest

_ALLOWED_FAMILIES = {getattr(socket, "AF_UNIX", -1)}  # multiprocessing's own pipes


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    attempts: list[tuple[Any, ...]] = []
    real_socket = socket.socket

    class GuardedSocket(real_socket):  # type: ignore[misc, valid-type]
        def __init__(self, family: int = -1, *args: Any, **kwargs: Any) -> None:
            if family not in _ALLOWED_FAMILIES and family != -1 or (family == -1 and not args):
                attempts.append((family, args))
                raise NetworkAttempt(f"the analyzer tried to open a network socket (family {family})")
            super().__init__(family, *args, **kwargs)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise NetworkAttempt(f"the analyzer tried to resolve or connect: {args!r}")

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], f"network attempted: {attempts}"
