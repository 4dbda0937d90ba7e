"""Security headers on every response (see SECURITY.md)."""

from __future__ import annotations

from flask import Flask, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'; img-src 'self' data:"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def init_app(app: Flask) -> None:
    # Behind nginx every request comes from 127.0.0.1: trust X-Forwarded-For/-Proto from
    # that many proxies, so login throttling sees the client address and TLS is detected.
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # X-Forwarded-Host only when asked for: nginx passes the Host itself, and a forwarded
        # host a client slipped through would be trusted as the site's own.
        x_host = proxies if app.config.get("TRUST_FORWARDED_HOST") else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=x_host)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        # A view may set its own (documents do): keep those. One pass over the headers rather
        # than a lookup per header, which every response pays.
        present = {key.lower() for key in headers.keys()}
        headers.extend([(k, v) for k, v in SECURITY_HEADERS if k.lower() not in present])
        if app.config.get("HSTS") and request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
