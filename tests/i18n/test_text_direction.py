"""Text people wrote keeps its own direction whatever the page's: on an Arabic (right-to-left)
page, an English title, summary, description, name or comment sits in an element with
dir="auto" (or a <bdi>), so its full stop and brackets stay where the writer put them; inputs of
free text follow what is typed, and addresses, passwords, dates and numbers stay left to right."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from coordinator.activities.models import Status
from coordinator.audit.models import record
from coordinator.documents import services as documents
from coordinator.documents.models import DocumentVisibility
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from tests import factories
from tests.documents import samples

ARABIC = {"Accept-Language": "ar"}
TITLE = "Urban water forum (2026)."
SUMMARY = "Cities compare notes, then visit the port."
DESCRIPTION = "Three **sessions**, one visit (by boat)."
DESCRIPTION_TEXT = "Three sessions, one visit (by boat)."

# Elements that cannot hold markup or whose text the browser draws by itself.
_NOT_ISOLABLE = {"title", "option", "script", "textarea"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = None
    content: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.content]
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def elements(self):
        yield self
        for child in self.content:
            if isinstance(child, Element):
                yield from child.elements()

    def keeps_own_direction(self) -> bool:
        """A <bdi> (direction from its own text unless told), an element with dir="auto", or
        one that names its language and that language's direction (an original shown where
        the page's language has no translation: <span lang="en" dir="ltr">)."""
        if self.tag == "bdi":
            return self.attrs.get("dir") in (None, "auto")
        direction = self.attrs.get("dir")
        if direction in ("ltr", "rtl") and self.attrs.get("lang"):
            return direction == ("rtl" if self.attrs["lang"] in ("ar", "he", "fa", "ur") else "ltr")
        return direction == "auto"


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self.open[-1])
        self.open[-1].content.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].content.append(Element(tag, dict(attrs), parent=self.open[-1]))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].content.append(data)


def parse(page: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


def arabic_page(client, path: str) -> Element:
    response = client.get(path, headers=ARABIC)
    assert response.status_code == 200, path
    tree = parse(response.get_data(as_text=True))
    html = next(e for e in tree.elements() if e.tag == "html")
    assert (html.attrs.get("lang"), html.attrs.get("dir")) == ("ar", "rtl")
    return tree


def holders(tree: Element, text: str) -> list[list[Element]]:
    """Each innermost element whose whole text is `text`, with the ancestors whose whole text
    is still exactly `text` (the candidates for carrying its direction)."""
    chains = []
    for element in tree.elements():
        if element.text() != text or element.tag in _NOT_ISOLABLE:
            continue
        if any(isinstance(c, Element) and c.text() == text for c in element.content):
            continue  # not the innermost
        chain = [element]
        while chain[-1].parent is not None and chain[-1].parent.text() == text:
            chain.append(chain[-1].parent)
        chains.append(chain)
    return chains


def assert_keeps_own_direction(tree: Element, text: str) -> None:
    """The text is on the page, and every element holding exactly it isolates it."""
    chains = holders(tree, text)
    assert chains, f"no element holds exactly {text!r}"
    for chain in chains:
        assert any(e.keeps_own_direction() for e in chain), (
            f"{text!r} takes the page's direction in "
            + " < ".join(f"<{e.tag} {e.attrs}>" for e in chain)
        )


def field_named(tree: Element, name: str) -> Element:
    return next(
        e for e in tree.elements() if e.tag in ("input", "textarea") and e.attrs.get("name") == name
    )


def _forum(**overrides):
    values = {"title": TITLE, "summary": SUMMARY, "description": DESCRIPTION}
    values.update(overrides)
    return factories.EventFactory(**values)


def test_event_page_title_summary_and_description_keep_their_direction(client):
    lead = factories.PartnerFactory(name="City of Marseille", acronym="MRS")
    event = _forum(lead_partner=lead, venue="Villa Méditerranée (hall 2)", city="Marseille")
    db.session.commit()
    tree = arabic_page(client, f"/events/{event.id}")
    for text in (
        TITLE,
        SUMMARY,
        DESCRIPTION_TEXT,
        "City of Marseille (MRS)",
        "Villa Méditerranée (hall 2)",
        "Marseille",
    ):
        assert_keeps_own_direction(tree, text)


def test_a_reason_inside_an_arabic_sentence_is_isolated_not_the_sentence(client):
    event = _forum(status=Status.CANCELLED, cancel_reason="The venue closed (flooding).")
    db.session.commit()
    tree = arabic_page(client, f"/events/{event.id}")
    assert_keeps_own_direction(tree, "The venue closed (flooding).")
    (sentence,) = [
        e
        for e in tree.elements()
        if "The venue closed (flooding)." in e.text() and e.attrs.get("class") == "d-block"
    ]
    assert sentence.text() != "The venue closed (flooding)."  # Arabic words around it
    assert "dir" not in sentence.attrs


def test_events_list_card_keeps_the_direction_of_title_summary_and_organiser(client):
    lead = factories.PartnerFactory(name="City of Marseille", acronym="MRS.")
    _forum(lead_partner=lead)
    db.session.commit()
    tree = arabic_page(client, "/events/")
    for text in (TITLE, SUMMARY, "MRS."):
        assert_keeps_own_direction(tree, text)


def test_partner_page_keeps_the_direction_of_name_and_summary(client):
    partner = factories.PartnerFactory(
        name="City of Marseille (France).",
        acronym="MRS",
        kind="city (member)",
        summary="A founding member; hosts the secretariat.",
    )
    db.session.commit()
    tree = arabic_page(client, f"/partners/{partner.slug}")
    for text in (
        "City of Marseille (France).",
        "A founding member; hosts the secretariat.",
        "MRS",
        "city (member)",
    ):
        assert_keeps_own_direction(tree, text)


def test_project_page_keeps_the_direction_of_title_summary_and_description(client):
    project = factories.ProjectFactory(
        title="Blue cities (phase 2).", acronym="BLUE", summary=SUMMARY, description=DESCRIPTION
    )
    db.session.commit()
    tree = arabic_page(client, f"/projects/{project.slug}")
    for text in ("Blue cities (phase 2).", SUMMARY, DESCRIPTION_TEXT, "BLUE"):
        assert_keeps_own_direction(tree, text)


def test_review_queue_titles_keep_their_direction(client, login_as, staff):
    lead = factories.PartnerFactory(name="City of Marseille (MRS).")
    _forum(
        lead_partner=lead,
        status=Status.SUBMITTED,
        submitted_dt=datetime.now(UTC) - timedelta(days=2),
    )
    login_as(staff)
    tree = arabic_page(client, "/review/")
    assert_keeps_own_direction(tree, TITLE)
    assert_keeps_own_direction(tree, "City of Marseille (MRS).")


def test_review_comment_and_history_comment_keep_their_direction(
    client, login_as, focal_point, staff
):
    comment = "Please add the agenda (draft 2)."
    event = _forum(
        lead_partner=focal_point.partner, status=Status.CHANGES_REQUESTED, review_comment=comment
    )
    record(
        actor=staff,
        subject_type="event",
        subject_id=event.id,
        action="request_changes",
        from_state="submitted",
        to_state="changes_requested",
        comment=comment,
    )
    login_as(focal_point)
    tree = arabic_page(client, f"/events/{event.id}/manage")
    chains = holders(tree, comment)
    assert len(chains) == 2  # the staff comment box and the history entry
    assert_keeps_own_direction(tree, comment)
    assert_keeps_own_direction(tree, TITLE)


def test_document_title_and_description_keep_their_direction(client, partner):
    uploader = factories.UserFactory(role="focal_point", partner=partner)
    event = _forum(lead_partner=partner)
    document = documents.create_document(
        subject=event,
        user=uploader,
        title="Agenda (final).",
        description="Two pages; the map is on the back.",
        visibility=DocumentVisibility.PUBLIC,
        filename="agenda.pdf",
        stream=io.BytesIO(samples.pdf("Agenda")),
        storage=get_storage(),
    )
    db.session.commit()
    assert_keeps_own_direction(arabic_page(client, f"/events/{event.id}"), "Agenda (final).")
    tree = arabic_page(client, f"/documents/{document.id}")
    assert_keeps_own_direction(tree, "Agenda (final).")
    assert_keeps_own_direction(tree, "Two pages; the map is on the back.")


def test_form_inputs_follow_what_is_typed_and_addresses_stay_left_to_right(
    client, login_as, focal_point
):
    login_as(focal_point)
    tree = arabic_page(client, "/events/new")
    for name in ("title", "summary", "description", "venue", "city"):
        assert field_named(tree, name).attrs.get("dir") == "auto", name
    for name in (
        "online_url",
        "registration_url",
        "languages",
        "start_date",
        "start_time",
        "latitude",
    ):
        assert field_named(tree, name).attrs.get("dir") == "ltr", name
    # The country is chosen by its name in the page's language: it reads like the page.
    country = next(
        e for e in tree.elements() if e.tag == "select" and e.attrs.get("name") == "country"
    )
    assert "dir" not in country.attrs
    search = arabic_page(client, "/events/")
    assert field_named(search, "q").attrs.get("dir") == "auto"


def test_sign_in_address_and_password_stay_left_to_right(client):
    tree = arabic_page(client, "/login")
    assert field_named(tree, "email").attrs.get("dir") == "ltr"
    assert field_named(tree, "password").attrs.get("dir") == "ltr"
    assert "dir" not in field_named(tree, "remember").attrs  # a check box has no text


def test_partner_form_keeps_website_and_slug_left_to_right(client, login_as, staff):
    login_as(staff)
    tree = arabic_page(client, "/partners/new")
    assert field_named(tree, "name").attrs.get("dir") == "auto"
    assert field_named(tree, "summary").attrs.get("dir") == "auto"
    assert field_named(tree, "website").attrs.get("dir") == "ltr"
    assert field_named(tree, "slug").attrs.get("dir") == "ltr"
