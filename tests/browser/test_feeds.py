"""Private feed journey in a browser: create, copy the address, subscribe, revoke."""

from __future__ import annotations

from coordinator.activities.models import Visibility
from coordinator.extensions import db
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import DEFAULT_PASSWORD


def test_create_copy_and_revoke_a_private_feed(live_server, page, focal_point):
    event = factories.EventFactory(title="Network-only forum", visibility=Visibility.NETWORK)
    db.session.commit()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, live_server, focal_point.email, DEFAULT_PASSWORD)

    page.goto(f"{live_server}/account/feeds")
    page.get_by_label("Name of the feed").fill("Phone")
    page.get_by_role("button", name="Create a private feed").click()
    address = page.get_by_label("Private feed address").input_value()
    assert address.startswith(f"{live_server}/feeds/")
    assert address.endswith("/calendar.ics?lang=en")  # in the page's language
    assert (
        page.get_by_role("link", name="Google Calendar")
        .get_attribute("href")
        .startswith("https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F")
    )

    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Address copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == address
    # No horizontal scrolling at 360px.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    feed = page.request.get(address)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert f"UID:{event.id}@" in feed.text()

    page.goto(f"{live_server}/account/feeds")
    page.get_by_role("button", name="Revoke Phone").click()
    page.get_by_text("was revoked").wait_for()
    assert page.request.get(address).status == 404


class TestInFrench:
    def test_the_copy_button_reports_in_french(self, live_server, page, focal_point):
        db.session.commit()  # the live server must see the user (and no lock held)
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
        sign_in(page, live_server, focal_point.email, DEFAULT_PASSWORD)
        page.context.add_cookies([{"name": "lang", "value": "fr", "url": live_server}])
        page.goto(f"{live_server}/account/feeds")
        page.get_by_label("Nom du flux").fill("Téléphone")
        page.get_by_role("button", name="Créer un flux privé").click()
        page.get_by_role("button", name="Copier").click()
        page.get_by_text("Adresse copiée dans le presse-papiers.").wait_for()
        assert (
            page.evaluate("navigator.clipboard.readText()")
            == page.get_by_label("Adresse du flux privé").input_value()
        )


def test_an_arabic_reader_subscribes_to_the_feed_in_arabic(live_server, make_page):
    """The subscribe menu of an Arabic events page links the Arabic feed: the French event's
    Arabic title, marked LANGUAGE=ar; a text without Arabic stays French, marked LANGUAGE=fr."""
    from coordinator.activities.models import EventTranslation
    from coordinator.multilingual import set_translations

    event = factories.EventFactory(
        title="Rencontre des villes", summary="Un résumé.", description="", language="fr"
    )
    set_translations(event, {"ar": {"title": "لقاء المدن"}}, None, EventTranslation)
    db.session.commit()
    page = make_page("phone", "ar", live_server)
    page.goto(live_server + "/events/")
    page.locator("details.feeds-subscribe summary").click()
    address = page.locator("#feed-url-network").input_value()
    assert address == f"{live_server}/calendar.ics?lang=ar"
    webcal = page.locator("details.feeds-subscribe a[href^='webcal:']").get_attribute("href")
    assert webcal.endswith("/calendar.ics?lang=ar")
    body = page.request.get(address).body().decode().replace("\r\n ", "")
    assert "SUMMARY;LANGUAGE=ar:لقاء المدن\r\n" in body
    assert "DESCRIPTION;LANGUAGE=fr:Un résumé." in body
