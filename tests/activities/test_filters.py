from datetime import timedelta

from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict

from coordinator.activities.filters import EventFilters
from coordinator.activities.models import Event, EventKind
from coordinator.extensions import db
from tests import factories


def _ids(filters: EventFilters) -> set[int]:
    return set(db.session.scalars(filters.apply(select(Event.id))).all())


def test_filters_parse_and_drop_bad_values():
    filters = EventFilters.from_args(
        MultiDict(
            [
                ("partner", "cmi"),
                ("partner", "../etc"),
                ("country", "fr"),
                ("country", "FRA"),
                ("kind", "webinar"),
                ("kind", "party"),
                ("q", "  urban\x00  hub "),
                ("start", "2026-13-01"),
            ]
        )
    )
    assert filters.partners == ["cmi"]
    assert filters.countries == ["FR"]
    assert filters.kinds == ["webinar"]
    assert filters.text == "urban hub"
    assert filters.start is None
    assert filters.to_args() == {
        "partner": ["cmi"],
        "country": ["FR"],
        "kind": ["webinar"],
        "q": "urban hub",
    }


def test_filters_narrow_events(app):
    theme = factories.ThemeFactory(slug="mobility")
    project = factories.ProjectFactory(slug="urban-hub")
    lead = factories.PartnerFactory(slug="cmi")
    co = factories.PartnerFactory(slug="afd")
    in_tunis = factories.EventFactory(
        country="TN", kind=EventKind.WEBINAR, lead_partner=lead, title="Tunis 100% mobility"
    )
    in_tunis.themes.append(theme)
    with_project = factories.EventFactory(project=project, country="FR")
    co_organised = factories.EventFactory(country="ES")
    factories.EventPartnerFactory(event=co_organised, partner=co)
    later = factories.EventFactory(
        start_dt=in_tunis.start_dt + timedelta(days=60),
        end_dt=in_tunis.start_dt + timedelta(days=60, hours=2),
    )
    db.session.flush()

    def parse(**kwargs):
        return EventFilters.from_args(MultiDict(list(kwargs.items())))

    assert _ids(parse(theme="mobility")) == {in_tunis.id}
    assert _ids(parse(project="urban-hub")) == {with_project.id}
    assert _ids(parse(partner="cmi")) == {in_tunis.id}
    assert _ids(parse(partner="afd")) == {co_organised.id}
    assert _ids(parse(country="tn")) == {in_tunis.id}
    assert _ids(parse(kind="webinar")) == {in_tunis.id}
    assert _ids(parse(q="100%")) == {in_tunis.id}
    end = (in_tunis.start_dt + timedelta(days=30)).date().isoformat()
    assert later.id not in _ids(parse(end=end))
    assert in_tunis.id in _ids(parse(end=end))


def test_filters_make_a_key_that_makes_them_again():
    filters = EventFilters(partners=["cmi", "uclg"], countries=["FR"], text="urban", start=None)
    key = filters.key()
    assert hash(key) == hash(EventFilters(**filters.__dict__).key())
    assert EventFilters.from_key(key) == filters
    assert key != EventFilters(partners=["uclg", "cmi"], countries=["FR"], text="urban").key()
    assert EventFilters().key() != EventFilters(kinds=["webinar"]).key()


def test_a_listed_shape_lists_as_listed_events_did(app):
    """listed_events(user, filters) is its shape's listing: the same rows for each filter."""
    from coordinator.activities.queries import listed_events, listed_shape

    partner = factories.PartnerFactory()
    led = factories.EventFactory(lead_partner=partner)
    other = factories.EventFactory(country="TN")
    db.session.commit()
    for filters, expected in [
        (EventFilters(), {led.id, other.id}),
        (EventFilters(partners=[partner.slug]), {led.id}),
        (EventFilters(partners=["no-such-partner"]), set()),
        (EventFilters(countries=["TN"]), {other.id}),
    ]:
        shape = listed_shape(None, filters)
        assert shape == listed_shape(None, filters) and hash(shape) == hash(
            listed_shape(None, filters)
        )
        for listed in (shape.listed(), listed_events(None, filters)):
            query = listed.base.with_only_columns(Event.id).where(or_(*listed.sides))
            assert set(db.session.scalars(query)) == expected
