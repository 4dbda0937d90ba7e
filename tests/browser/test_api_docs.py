"""The API reference page renders in a real browser under the site's own CSP (vendored Swagger
UI, no CDN, no CSP violation)."""

from __future__ import annotations

from coordinator.extensions import db
from tests import factories


def test_reference_page_renders_every_operation_without_csp_errors(live_server, page, app):
    factories.ThemeFactory()
    db.session.commit()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None,
    )
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/events" in p for p in paths), paths
    assert len(paths) == 11
    assert outside == []
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
