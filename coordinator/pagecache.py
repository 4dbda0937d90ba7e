"""Rendered public pages for anonymous visitors, kept in the shared cache (sharedcache.py).

A page marked @cached_page is stored after an anonymous render and served again to anonymous
visitors while the data it shows is unchanged. The key holds the data version
(coordinator/dataversion.py: it moves with every change a public page may show, and costs one
row read per PAGE_CACHE_RECHECK_SECONDS per process), the page's language, the path with its
query string, the host and the UTC day (pages mark today, and the upcoming lists move with the
day; within a day, PAGE_CACHE_SECONDS bounds how long an event that just ended stays listed).

What never enters the cache, and who is never served from it:
- signed-in users: their pages may show network-only events, drafts and their own actions;
- anything but a GET/HEAD answered 200 with HTML;
- a render in a session holding public changes it has not committed;
- a render that changed the session (other than creating the visitor's CSRF token), set a
  cookie or consumed flashed messages; visitors with flashed messages waiting are not served
  from the cache either, so their messages are shown.

Every page carries the language switch, a form with the visitor's CSRF token. The stored page
holds a placeholder in its place, filled with the current visitor's own token when served: the
store holds no visitor's token, and each visitor's form keeps working. ETags name the stored
page and the visitor's session token (the bytes differ per visitor), and If-None-Match gets a
304. Cache-Control stays what the page had.

Each process also keeps the heads (ETag, headers, when stored) of the pages it last stored or
served, so a revalidation is answered from them: without fetching the page from the shared
cache (tens of kilobytes from Redis) or scanning it. A head lasts as long as its page.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps

from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.http import quote_etag

from coordinator import dataversion
from coordinator.roles import is_signed_in
from coordinator.sharedcache import MemoryStore, shared_cache

KEY_PREFIX = "page:"
# Stands for the visitor's CSRF token in a stored page (no token contains "!").
CSRF_PLACEHOLDER = b"!page-cache-csrf-token!"
CSRF_FIELD = "csrf_token"
# Session keys a public page's render may add: the visitor's CSRF token, nothing else.
_RENDER_MAY_ADD = frozenset({CSRF_FIELD})
RENDER_LOCKS = 64
# Heads of recently served pages kept per process (a head is a few hundred octets).
RECENT_HEADS = 1024


def data_version() -> str:
    """The current data version of the public pages (coordinator/dataversion.py)."""
    return dataversion.current(
        dataversion.PAGES, current_app.config["PAGE_CACHE_RECHECK_SECONDS"]
    ).token


def cached_page(view: Callable) -> Callable:
    """Serve the view's page to anonymous visitors from the shared cache (see module doc)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key_for_request()
        if key is None:
            return view(*args, **kwargs)
        heads = _recent_heads()
        head = heads.get(key)
        if head is not None and "HTTP_IF_NONE_MATCH" in request.environ:
            recent = json.loads(head)
            if _revalidates(recent):
                return _not_modified(recent)
        cache = shared_cache()
        stored = cache.get(key)
        if stored is not None:
            entry = _unpack(stored)
            if head is None:
                _remember_head(heads, key, entry)
            return _serve(entry)
        # One render per page and version: visitors arriving meanwhile wait for it (a cold
        # page at 50k events takes seconds; every thread rendering it at once takes longer).
        with cache.single_flight(
            _render_lock(key), wait=current_app.config["PAGE_CACHE_RENDER_WAIT"]
        ):
            stored = cache.get(key)
            if stored is not None:
                return _serve(_unpack(stored))
            before = _session_snapshot()
            response = make_response(view(*args, **kwargs))
            entry = _storable(response, before)
            if entry is None:
                return response
            cache.set(key, _pack(entry), current_app.config["PAGE_CACHE_SECONDS"])
            _remember_head(heads, key, entry)
        return _serve(entry, response)

    return wrapper


def _render_lock(key: str) -> str:
    # A fixed set of lock names: keys change with every data version, and a process keeps each
    # in-memory lock it ever made. Two pages sharing one only wait for each other's render.
    return f"{KEY_PREFIX}render:{int(key[-8:], 16) % RENDER_LOCKS}"


def _key_for_request() -> str | None:
    config = current_app.config
    if not config["PAGE_CACHE"] or request.method not in ("GET", "HEAD"):
        return None
    bypass = config.get("PAGE_CACHE_BYPASS_HEADER")
    if bypass and bypass in request.headers:
        return None
    if is_signed_in(current_user) or "_user_id" in session or session.get("_flashes"):
        return None
    if dataversion.has_unsaved_changes(dataversion.PAGES):
        return None  # what this session wrote is no one else's until it commits
    version = data_version()
    parts = (
        version,
        g.get("locale") or str(get_locale()),  # remember_locale (i18n.py) chose it already
        request.host,
        request.path,
        request.query_string.decode("latin-1"),
        datetime.now(UTC).date().isoformat(),
    )
    return KEY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _session_snapshot() -> dict:
    return {name: value for name, value in session.items() if name not in _RENDER_MAY_ADD}


def _storable(response: Response, before: dict) -> dict | None:
    """The response as a cache entry, or None when it must not be stored."""
    if (
        response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or "Set-Cookie" in response.headers
        or is_signed_in(current_user)
        or _session_snapshot() != before
    ):
        return None
    body = response.get_data()
    token = g.get(CSRF_FIELD)
    if token:
        body = body.replace(token.encode(), CSRF_PLACEHOLDER)
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name not in ("Set-Cookie", "Content-Length", "ETag")
    ]
    return {
        "body": body,
        "headers": headers,
        "etag": hashlib.sha256(body).hexdigest()[:32],
        "personal": CSRF_PLACEHOLDER in body,
        "stored": time.time(),
    }


_HEAD_FIELDS = ("headers", "etag", "personal", "stored")


def _head(entry: dict) -> bytes:
    return json.dumps({name: entry[name] for name in _HEAD_FIELDS}).encode()


def _pack(entry: dict) -> bytes:
    head = _head(entry)
    return len(head).to_bytes(4, "big") + head + entry["body"]


def _unpack(stored: bytes) -> dict:
    size = int.from_bytes(stored[:4], "big")
    body = stored[4 + size :]
    head = json.loads(stored[4 : 4 + size])
    if "personal" not in head:  # stored by a version that did not record it
        head.update(personal=CSRF_PLACEHOLDER in body, stored=time.time())
    return {**head, "body": body}


def _recent_heads() -> MemoryStore:
    heads = current_app.extensions.get("pagecache.heads")
    if heads is None:
        heads = current_app.extensions["pagecache.heads"] = MemoryStore(RECENT_HEADS)
    return heads


def _remember_head(heads: MemoryStore, key: str, entry: dict) -> None:
    # Kept no longer than the page itself: the next render after that may differ.
    left = entry["stored"] + current_app.config["PAGE_CACHE_SECONDS"] - time.time()
    if left > 0:
        heads.set(key, _head(entry), left)


def _visitor_etag(entry: dict, token_raw: str | None) -> str:
    if not entry["personal"]:
        return entry["etag"]
    visitor = hashlib.sha256((token_raw or "").encode()).hexdigest()[:12]
    return f"{entry['etag']}-{visitor}"


def _revalidates(entry: dict) -> bool:
    """Whether the visitor's copy of the entry is current (their If-None-Match names it)."""
    raw = session.get(CSRF_FIELD)
    return bool(raw) and request.if_none_match.contains(_visitor_etag(entry, raw))


def _not_modified(entry: dict) -> Response:
    headers = [("ETag", quote_etag(_visitor_etag(entry, session.get(CSRF_FIELD))))]
    headers += [(name, value) for name, value in entry["headers"] if name == "Cache-Control"]
    response = Response(status=304, headers=headers)
    response.headers.remove("Content-Type")  # a 304 has no body to type
    return response


def _serve(entry: dict, rendered: Response | None = None) -> Response:
    """The entry for this visitor: 304 when their copy is current, else the page with their
    own CSRF token in place of the placeholder."""
    if _revalidates(entry):
        return _not_modified(entry)
    if rendered is not None:
        response = rendered
    else:
        body = entry["body"]
        if entry["personal"]:
            body = body.replace(CSRF_PLACEHOLDER, generate_csrf().encode())
        response = Response(body, headers=entry["headers"])
    response.headers["ETag"] = quote_etag(_visitor_etag(entry, session.get(CSRF_FIELD)))
    return response
