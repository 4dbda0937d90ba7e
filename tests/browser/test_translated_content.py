"""The demo network read in Arabic and in French: every theme named in the page's language, an
event's translation where it has one, and the original, marked, where it has none."""

from __future__ import annotations

from datetime import date

from coordinator.demo.activities import load_demo_activities
from coordinator.demo.network import demo_data, load_demo_network
from coordinator.extensions import db

ARABIC_TITLE = "ملتقى البلديات العربية حول إحياء المدن العتيقة"


def test_the_demo_read_in_arabic_then_in_french(app, live_server, make_page):
    load_demo_network()
    load_demo_activities(date.today())
    db.session.commit()
    data = demo_data()
    english = set(data["themes"])
    arabic = {names["ar"] for names in data["theme_translations"].values()}

    page = make_page("desktop", "ar", live_server)
    page.goto(f"{live_server}/events/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    cards = page.locator("article.event-card")
    assert cards.count() > 5
    badges = set(page.locator("article.event-card ul[aria-label] .badge").all_inner_texts())
    assert badges and badges <= arabic, badges - arabic
    # The filter too: no English theme name left on the page.
    options = set(page.locator("#filter-theme option").all_inner_texts()) - {""}
    assert options - {page.locator("#filter-theme option").first.inner_text()} <= arabic
    # (An English name may still appear inside an English event title: that is a title.)
    assert not badges & english and not options & english
    # An event translated into Arabic reads in Arabic, unmarked...
    assert page.get_by_role("link", name="خطط تنقل تستطيع المدن تمويلها").is_visible()
    # ...one written in English only keeps its English title, left to right, marked.
    heading = page.locator("article.event-card .card-title:has(span[lang='en'])").first
    english_only = heading.locator("span[lang='en']")
    assert english_only.evaluate("e => getComputedStyle(e).direction") == "ltr"
    marker = heading.locator(".translation-marker")
    assert marker.is_visible() and "الإنجليزية" in marker.inner_text()

    # The Arabic-original event on a French page: right to left in its own element, marked.
    page = make_page("desktop", "fr", live_server)
    page.goto(f"{live_server}/events/?q=العتيقة")
    page.get_by_role("link", name=ARABIC_TITLE).click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.dir") == "ltr"
    title = page.locator("#event-title span[lang='ar']")
    assert title.inner_text() == ARABIC_TITLE
    assert title.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert "arabe" in page.locator("#event-title .translation-marker").inner_text()
    # Its themes, in French.
    assert page.get_by_text("Patrimoine culturel", exact=True).is_visible()
    assert page.get_by_text("Cultural heritage").count() == 0
