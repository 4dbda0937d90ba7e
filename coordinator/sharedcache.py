"""Bytes shared by every worker and host: in Redis when CACHE_URL names it, else in this process.

Built feeds and rendered anonymous pages live here under their own key prefixes. Redis is an
accelerator, never a dependency: when it cannot be reached, each call falls back to the
in-process store (with one logged warning per outage) and goes back to Redis once it answers.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app

log = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# After a failed Redis call, skip Redis for this long before trying it again, so an outage costs
# one connection timeout per interval instead of one per request.
RETRY_AFTER_SECONDS = 5.0
# Releases a single-flight lock only when it is still ours (another holder may have taken it
# over after it expired).
_RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class MemoryStore:
    """A bounded LRU of bytes with expiry, for one process: at most max_items values and
    max_bytes octets of them (a feed is about a megabyte with its gzip bytes, a page tens of
    kilobytes: a count alone would let a process grow by hundreds of megabytes)."""

    def __init__(self, max_items: int, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.size = 0  # octets of the values held
        self._items: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def get(self, key: str) -> bytes | None:
        with self._guard:
            found = self._items.get(key)
            if found is None:
                return None
            value, expires = found
            if expires is not None and expires <= time.monotonic():
                self._remove(key)
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: float | None) -> None:
        expires = time.monotonic() + ttl if ttl else None
        with self._guard:
            self._remove(key)
            if len(value) > self.max_bytes:
                return  # would push out everything else and still not fit
            self._items[key] = (value, expires)
            self.size += len(value)
            while len(self._items) > self.max_items or self.size > self.max_bytes:
                _, (oldest, _) = self._items.popitem(last=False)
                self.size -= len(oldest)

    def _remove(self, key: str) -> None:
        found = self._items.pop(key, None)
        if found is not None:
            self.size -= len(found[0])

    def delete(self, key: str) -> None:
        with self._guard:
            self._remove(key)

    def clear(self) -> None:
        with self._guard:
            self._items.clear()
            self.size = 0

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class SharedCache:
    """get/set/delete of bytes and a single-flight lock per key, over Redis or memory."""

    def __init__(
        self, url: str | None, prefix: str, max_items: int, max_bytes: int = 32 * 1024 * 1024
    ) -> None:
        self.url = url if url and url.startswith(REDIS_SCHEMES) else None
        self.prefix = prefix
        self.memory = MemoryStore(max_items, max_bytes)
        self._redis = None
        self._redis_down_until = 0.0
        if self.url:
            import redis  # only needed when configured

            self._redis = redis.Redis.from_url(
                self.url, socket_connect_timeout=0.5, socket_timeout=1.0
            )

    @property
    def shared(self) -> bool:
        """Whether entries are shared between processes (Redis configured)."""
        return self._redis is not None

    def _client(self):
        if self._redis is None or time.monotonic() < self._redis_down_until:
            return None
        return self._redis

    def _redis_failed(self, error: Exception) -> None:
        if self._redis_down_until <= time.monotonic():
            log.warning("shared cache: Redis unreachable (%s); using this process's memory", error)
        self._redis_down_until = time.monotonic() + RETRY_AFTER_SECONDS

    def get(self, key: str) -> bytes | None:
        client = self._client()
        if client is not None:
            try:
                return client.get(self.prefix + key)
            except Exception as error:  # any Redis failure: fall back, never fail the request
                self._redis_failed(error)
        return self.memory.get(key)

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        client = self._client()
        if client is not None:
            try:
                client.set(self.prefix + key, value, px=int(ttl * 1000) if ttl else None)
                return
            except Exception as error:
                self._redis_failed(error)
        self.memory.set(key, value, ttl)

    def delete(self, key: str) -> None:
        client = self._client()
        if client is not None:
            try:
                client.delete(self.prefix + key)
            except Exception as error:
                self._redis_failed(error)
        self.memory.delete(key)

    def ping(self) -> bool:
        """True when Redis answers (or none is configured)."""
        if self._redis is None:
            return True
        try:
            return bool(self._redis.ping())
        except Exception:
            return False

    @contextmanager
    def single_flight(self, key: str, wait: float, hold: float = 30.0) -> Iterator[bool]:
        """Hold the build lock of `key`; yields False when another process kept it for `wait` s.

        The caller that gets True builds; one that gets False serves what it has (the previous
        bytes) or builds anyway. `hold` bounds how long a crashed holder can block the others.
        """
        client = self._client()
        if client is not None:
            token = uuid.uuid4().hex
            lock_key = self.prefix + "lock:" + key
            try:
                acquired = _redis_acquire(client, lock_key, token, wait, hold)
            except Exception as error:
                self._redis_failed(error)
            else:
                try:
                    yield acquired
                finally:
                    if acquired:
                        try:
                            client.eval(_RELEASE_SCRIPT, 1, lock_key, token)
                        except Exception as error:
                            self._redis_failed(error)
                return
        lock = self.memory.lock(key)
        acquired = lock.acquire(timeout=wait)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()


def _redis_acquire(client, lock_key: str, token: str, wait: float, hold: float) -> bool:
    deadline = time.monotonic() + wait
    while True:
        if client.set(lock_key, token, nx=True, px=int(hold * 1000)):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def init_app(app: Flask) -> None:
    app.extensions["shared_cache"] = SharedCache(
        app.config.get("CACHE_URL"),
        app.config.get("CACHE_PREFIX", "coordinator:"),
        int(app.config.get("CACHE_MEMORY_ITEMS", 512)),
        int(app.config.get("CACHE_MEMORY_BYTES", 32 * 1024 * 1024)),
    )


def shared_cache() -> SharedCache:
    """The current app's shared cache."""
    return current_app.extensions["shared_cache"]
