"""A fixed set of events (ids, texts, times and stamps all given) whose network feed, built at a
fixed moment, is a fixed sequence of octets: tests/feeds/golden/network.ics holds them, as the
code before `?lang=` wrote them (commit 6697421), so a feed without `lang` is pinned byte for byte.
"""

from __future__ import annotations

from datetime import UTC, datetime

from coordinator.activities.models import EventKind, Status
from coordinator.extensions import db
from tests import factories

NOW = datetime(2031, 3, 1, 8, 0, tzinfo=UTC)
STAMP = datetime(2031, 2, 1, 12, 30, tzinfo=UTC)


def make_fixed_events() -> dict:
    """Themes, a partner and four events: a French original, an Arabic original, an English
    original online and cancelled, and an all-day one."""
    water = factories.ThemeFactory(id=901, name="Water", slug="water")
    climate = factories.ThemeFactory(id=902, name="Climate and environment", slug="climate")
    lead = factories.PartnerFactory(
        id=801, name="Mediterranean Cities Network", acronym="MCN", slug="mcn", language="en"
    )
    common = {
        "lead_partner": lead,
        "created_dt": STAMP,
        "updated_dt": STAMP,
        "status_changed_dt": STAMP,
        "timezone": "Europe/Paris",
    }
    french = factories.EventFactory(
        id=701,
        title="Rencontre des villes de l’eau",
        summary="Un atelier sur la gestion de l’eau.",
        description="Programme **complet** et inscriptions.",
        language="fr",
        kind=EventKind.WORKSHOP,
        start_dt=datetime(2031, 3, 10, 9, 0, tzinfo=UTC),
        end_dt=datetime(2031, 3, 10, 12, 0, tzinfo=UTC),
        themes=[water],
        **common,
    )
    arabic = factories.EventFactory(
        id=702,
        title="منتدى المدن المتوسطية",
        summary="لقاء حول المناخ.",
        description="برنامج اللقاء.",
        language="ar",
        kind=EventKind.FORUM,
        start_dt=datetime(2031, 3, 12, 8, 0, tzinfo=UTC),
        end_dt=datetime(2031, 3, 12, 15, 0, tzinfo=UTC),
        city="Tunis",
        country="TN",
        themes=[climate, water],
        **{**common, "timezone": "Africa/Tunis"},
    )
    cancelled = factories.EventFactory(
        id=703,
        title="Coastal resilience webinar",
        summary="An online talk.",
        description="Slides will follow.",
        language="en",
        kind=EventKind.WEBINAR,
        start_dt=datetime(2031, 3, 15, 14, 0, tzinfo=UTC),
        end_dt=datetime(2031, 3, 15, 15, 0, tzinfo=UTC),
        online_url="https://meet.example.org/coast",
        registration_url="https://example.org/register",
        status=Status.CANCELLED,
        cancelled_dt=STAMP,
        cancel_reason="The speaker is ill.",
        themes=[climate],
        **common,
    )
    all_day = factories.EventFactory(
        id=704,
        title="Jornada de puertas abiertas",
        summary="",
        description="",
        language="es",
        kind=EventKind.WORKSHOP,
        is_all_day=True,
        start_date=datetime(2031, 3, 20).date(),
        end_date=datetime(2031, 3, 21).date(),
        start_dt=datetime(2031, 3, 19, 23, 0, tzinfo=UTC),
        end_dt=datetime(2031, 3, 21, 23, 0, tzinfo=UTC),
        **common,
    )
    db.session.commit()
    return {
        "water": water,
        "climate": climate,
        "lead": lead,
        "french": french,
        "arabic": arabic,
        "cancelled": cancelled,
        "all_day": all_day,
    }


def network_feed_bytes(language: str | None = None) -> bytes:
    """The network feed of whatever is in the database, built at NOW (no cache involved)."""
    from coordinator.activities.filters import EventFilters
    from coordinator.feeds import cache, scopes

    if language is None:
        scope = scopes.network_scope(EventFilters())
    else:
        scope = scopes.network_scope(EventFilters(), language)
    return cache.build_feed(scope, scopes.Window.at(NOW), "fixed", None).body
