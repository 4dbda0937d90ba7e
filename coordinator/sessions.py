"""Flask's signed session cookie, each value verified once per process.

Every request from a browser carries the session cookie (an anonymous visitor's holds the
CSRF token of the language switch), and Flask verifies it on each: a serializer built anew, two
HMACs, base64 and JSON. A revalidated page or feed costs little else. So a value this process
has verified is kept with its signing time (a bounded number of them, least recently used out):
when it comes back, only its age is checked again, and the request gets its own copy of the
data. Only flat data is kept (strings, numbers), which a shallow copy fully separates; a session
holding lists (flashed messages) is verified every time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

VERIFIED_COOKIES = 4096
_FLAT = (str, int, float, bool, type(None))


class SessionCookies(SecureCookieSessionInterface):
    """Flask's session interface, with one serializer per secret key and verified values kept."""

    def __init__(self, max_verified: int = VERIFIED_COOKIES) -> None:
        self.max_verified = max_verified
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}
        self._verified: OrderedDict[tuple, tuple[dict, float]] = OrderedDict()
        self._guard = threading.Lock()

    def _keys(self, app: Flask) -> tuple:
        return (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = self._keys(app)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        known = (self._keys(app), value)
        with self._guard:
            found = self._verified.get(known)
            if found is not None:
                self._verified.move_to_end(known)
        if found is not None:
            data, signed = found
            if time.time() - signed > max_age:
                return self.session_class()  # expired since: as itsdangerous would say
            return self.session_class(data)  # CallbackDict copies it: flat data, a full copy
        try:
            data, signed_at = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(item, _FLAT) for item in data.values()):
            with self._guard:
                self._verified[known] = (dict(data), signed_at.timestamp())
                while len(self._verified) > self.max_verified:
                    self._verified.popitem(last=False)
        return self.session_class(data)
