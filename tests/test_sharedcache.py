"""The shared cache: Redis shared between processes, memory without it, and never failing."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from coordinator.sharedcache import SharedCache
from tests.loopback import REDIS_TEST_URL

REDIS_URL = REDIS_TEST_URL


def redis_cache() -> SharedCache:
    cache = SharedCache(REDIS_URL, f"test-sharedcache-{uuid.uuid4().hex}:", 16)
    if not cache.ping():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return cache


def test_memory_store_round_trip_expiry_and_bound():
    cache = SharedCache(None, "p:", 2)
    assert not cache.shared
    cache.set("a", b"1")
    cache.set("b", b"2", ttl=0.05)
    assert cache.get("a") == b"1"
    time.sleep(0.08)
    assert cache.get("b") is None
    cache.set("c", b"3")
    cache.set("d", b"4")
    assert cache.get("a") is None  # least recently used, pushed out by the bound of 2
    cache.delete("d")
    assert cache.get("d") is None


def test_memory_store_is_bounded_by_octets_too():
    # 512 items of a megabyte each (built feeds) would be half a gigabyte per process.
    cache = SharedCache(None, "p:", 512, max_bytes=3_000)
    for index in range(10):
        cache.set(f"feed-{index}", bytes(1_000))
    assert cache.memory.size <= 3_000
    assert [cache.get(f"feed-{index}") is not None for index in range(10)] == [False] * 7 + [
        True
    ] * 3
    cache.set("feed-9", b"small")  # replacing a value counts its new size only
    assert cache.memory.size == 2_005
    cache.set("huge", bytes(3_001))  # never stored: it would push out everything
    assert cache.get("huge") is None and cache.get("feed-8") is not None
    cache.delete("feed-8")
    assert cache.memory.size == 1_005
    cache.memory.clear()
    assert cache.memory.size == 0


def test_app_memory_store_takes_its_octet_bound_from_the_config(app_config):
    from coordinator import create_app

    app = create_app({**app_config, "CACHE_MEMORY_BYTES": 12_345})
    assert app.extensions["shared_cache"].memory.max_bytes == 12_345


def test_redis_entries_are_seen_by_another_process_instance():
    writer = redis_cache()
    reader = SharedCache(REDIS_URL, writer.prefix, 16)
    writer.set("feed", b"BEGIN:VCALENDAR", ttl=5)
    assert reader.get("feed") == b"BEGIN:VCALENDAR"
    reader.delete("feed")
    assert writer.get("feed") is None


def test_single_flight_lets_one_builder_through_across_instances():
    first = redis_cache()
    second = SharedCache(REDIS_URL, first.prefix, 16)
    with first.single_flight("k", wait=0.1) as got_first:
        with second.single_flight("k", wait=0.1) as got_second:
            assert got_first and not got_second
    with second.single_flight("k", wait=0.1) as got_after_release:
        assert got_after_release


def test_single_flight_in_memory_serialises_threads():
    cache = SharedCache(None, "p:", 4)
    outcomes = []
    with cache.single_flight("k", wait=0.1) as held:
        thread = threading.Thread(
            target=lambda: outcomes.append(cache.single_flight("k", wait=0.05).__enter__())
        )
        thread.start()
        thread.join()
        assert held and outcomes == [False]


def test_unreachable_redis_falls_back_to_memory_with_a_warning(caplog):
    cache = SharedCache("redis://127.0.0.1:1/0", "p:", 4)
    assert cache.shared and not cache.ping()
    cache.set("a", b"1")
    assert cache.get("a") == b"1"
    with cache.single_flight("a", wait=0.01) as acquired:
        assert acquired
    assert "Redis unreachable" in caplog.text


def test_app_without_cache_url_keeps_entries_in_process(app):
    from coordinator.sharedcache import shared_cache

    with app.app_context():
        assert not shared_cache().shared
