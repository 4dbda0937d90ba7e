"""coordinator.i18n.gettext and markup_gettext: Flask-Babel's gettext and a template's `_()`,
from the page's catalogue."""

from __future__ import annotations

import flask_babel
import pytest
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup

from coordinator.i18n import gettext, markup_gettext


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_gettext_writes_what_flask_babel_writes(app, language):
    with app.test_request_context("/"), force_locale(language):
        for string, variables in [
            ("Cancelled", {}),
            ("Organised by %(lead)s", {"lead": "<b>MC</b>"}),
            ("%(day)s (all day)", {"day": "Mon"}),
        ]:
            assert gettext(string, **variables) == flask_babel.gettext(string, **variables)
        # Unformatted without variables, as Flask-Babel's: a "%" stays as written.
        assert gettext("100%% sure") == "100%% sure"


def test_a_force_locale_block_inside_a_page_gets_its_own_catalogue(app):
    with app.test_request_context("/"), force_locale("fr"):
        assert gettext("Cancelled") == "Annulé"
        with force_locale("es"):
            assert gettext("Cancelled") == "Cancelado"
        assert gettext("Cancelled") == "Annulé"


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_markup_gettext_is_what_a_template_writes(app, language):
    lead = Markup('<a href="/partners/mc">MC</a>')
    with app.test_request_context("/"), force_locale(language):
        written = render_template_string(
            "{{ _('Organised by %(lead)s with %(partners)s', lead=lead, partners=others) }}",
            lead=lead,
            others="<script>",
        )
        made = markup_gettext(
            "Organised by %(lead)s with %(partners)s", lead=lead, partners="<script>"
        )
        assert isinstance(made, Markup)
        assert str(made) == written
        assert "&lt;script&gt;" in written and '<a href="/partners/mc">MC</a>' in written


def test_lazy_labels_are_read_from_the_page_catalogue_when_shown(app):
    from coordinator.activities.models import EventKind
    from coordinator.i18n import lazy_gettext

    label = EventKind.WORKSHOP.label
    with app.test_request_context("/"), force_locale("fr"):
        assert str(label) == "Atelier"
        with force_locale("es"):
            assert str(label) == flask_babel.gettext("Workshop")
        assert label.__html__() == "Atelier"
        assert str(lazy_gettext("Organised by %(lead)s", lead="MC")) == flask_babel.gettext(
            "Organised by %(lead)s", lead="MC"
        )
    # Each model module's labels come from coordinator.i18n.lazy_gettext, not Flask-Babel's.
    calls = []
    with app.test_request_context("/"), force_locale("fr"):
        original = flask_babel.Domain.get_translations
        flask_babel.Domain.get_translations = lambda self: calls.append(1) or original(self)
        try:
            for _ in range(5):
                str(EventKind.CONFERENCE.label)
        finally:
            flask_babel.Domain.get_translations = original
    assert len(calls) <= 1
