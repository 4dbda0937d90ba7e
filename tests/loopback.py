"""Outages on demand over loopback: a port nobody listens on, and a TCP proxy in front of a real
server that a test closes and reopens.

While closed, the proxy's port refuses connections and every connection it carried is cut, as
when the server behind it goes down; reopened, it listens on the same port again.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The Redis database the tests may use on 127.0.0.1:6379 (never db 0: the machine's Redis may
# hold someone else's keys there). .ci/run gives the SQLite and the PostgreSQL runs, which go
# at the same time, one each.
REDIS_TEST_DB = int(os.environ.get("COORDINATOR_TEST_REDIS_DB", "13"))
REDIS_TEST_URL = f"redis://127.0.0.1:6379/{REDIS_TEST_DB}"


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(host: str, port: int) -> bool:
    """Whether a server listens there (to skip tests that need one that is not running)."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the system completes them) and never answers,
    as a server cut off by a network partition."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0  # chosen by the system on the first open, then kept
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.open()

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Refuse new connections and cut the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _shut(listener)  # wakes the thread blocked in accept()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            _shut(connection)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # One side ended: end the other too, as a dropped connection does.
            with self._lock:
                self._connections.difference_update((source, sink))
            _shut(source)
            _shut(sink)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
