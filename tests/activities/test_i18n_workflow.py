"""The proposal workflow speaks the reader's language: pages, form errors, flashes and e-mails.

E-mails follow the RECIPIENT's saved language, not the language of the person who acted:
one submission tells each staff member in their own language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask_babel import force_locale

from coordinator.activities import services
from coordinator.activities.models import Status
from coordinator.activities.revision_wording import describe_value, field_label
from coordinator.activities.workflow import Action
from tests import factories
from tests.activities.helpers import Cast, event_form_data, outbox

ROOT = Path(__file__).resolve().parents[2]
FRENCH = {"Accept-Language": "fr"}
ARABIC = {"Accept-Language": "ar"}

WORKFLOW_SOURCES = [
    *(
        f"templates/activities/{name}"
        for name in (
            "_clashes.html",
            "_event_actions.html",
            "_workflow_actions.html",
            "_manage_layout.html",
            "_history.html",
            "event_form.html",
            "manage_event.html",
            "manage_project.html",
            "my_activities.html",
            "project_form.html",
            "review_queue.html",
        )
    ),
    *(
        f"coordinator/activities/{name}"
        for name in (
            "forms.py",
            "services.py",
            "workflow.py",
            "notifications.py",
            "revision_wording.py",
            "clashes.py",
            "views.py",
            "proposals.py",
        )
    ),
    "coordinator/times.py",  # the local-time errors shown on the event form
]


def mail_to(user) -> list:
    return [m for m in outbox() if m.recipient == user.email]


# --- E-mails in the recipient's language -----------------------------------------------------


def test_each_staff_member_hears_of_a_submission_in_their_own_language(app):
    cast = Cast()
    cast.lead.locale = "fr"  # the actor's language must not leak into the staff's mail
    cast.staff.locale = "es"
    cast.admin.locale = "ar"
    english_staff = factories.UserFactory(role="staff")  # no saved choice: the default
    event = cast.event(Status.DRAFT, title="Forum de l’eau")

    services.transition(cast.lead, event, Action.SUBMIT)

    (spanish,) = mail_to(cast.staff)
    assert spanish.subject == "Propuesta enviada: Forum de l’eau"
    assert "para su revisión" in spanish.body_text
    assert spanish.body_text.startswith(f"Estimado/a {cast.staff.name}:")
    (arabic,) = mail_to(cast.admin)
    assert arabic.subject == "تقديم مقترح: Forum de l’eau"
    assert f"مرحبًا {cast.admin.name}،" in arabic.body_text
    (english,) = mail_to(english_staff)
    assert english.subject == "Proposal submitted: Forum de l’eau"
    assert "submitted the event “Forum de l’eau” for review." in english.body_text


def test_a_french_focal_point_gets_the_decision_in_french_while_staff_read_their_own(app):
    cast = Cast()
    cast.lead.locale = "fr"
    cast.staff.locale = "es"
    event = cast.event(Status.DRAFT, title="Water forum")
    services.transition(cast.lead, event, Action.SUBMIT)
    staff_mail = mail_to(cast.staff)
    assert [m.subject for m in staff_mail] == ["Propuesta enviada: Water forum"]
    assert [m.subject for m in mail_to(cast.admin)] == ["Proposal submitted: Water forum"]

    services.transition(
        cast.staff, event, Action.REQUEST_CHANGES, "Ajoutez le lieu, s’il vous plaît."
    )

    (decision,) = [m for m in mail_to(cast.lead) if "Water forum" in m.subject]
    # queue_mail folds every whitespace of a subject, the no-break space too.
    assert decision.subject == "Modifications demandées : Water forum"
    assert "L’événement «\u00a0Water forum\u00a0» a été renvoyé" in decision.body_text
    assert "Commentaire de l’équipe du réseau\u00a0:" in decision.body_text
    assert "Ajoutez le lieu, s’il vous plaît." in decision.body_text
    # The co-organiser kept no language: the same decision reaches them in English.
    invitation, english = mail_to(cast.co_organiser)
    assert invitation.subject == "Co-organise “Water forum”?"
    assert english.subject == "Changes requested: Water forum"


def test_joint_project_mail_names_the_project_not_an_event(app):
    cast = Cast()
    cast.lead.locale = "es"
    project = factories.ProjectFactory(
        lead_partner=cast.lead_partner, status=Status.SUBMITTED, proposer=cast.lead
    )
    services.transition(cast.staff, project, Action.APPROVE)
    (message,) = mail_to(cast.lead)
    assert "El proyecto conjunto" in message.body_text
    assert "evento" not in message.body_text


def test_mail_composed_inside_a_french_request_still_goes_out_in_the_recipients_language(
    app, client, login_as
):
    cast = Cast()
    cast.admin.locale = "es"
    event = cast.event(Status.DRAFT, title="Harbour day")
    login_as(cast.lead)
    response = client.post(
        f"/events/{event.id}/workflow/submit", headers=FRENCH, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Soumis pour examen" in response.get_data(as_text=True)  # the flash: the actor's
    assert [m.subject for m in mail_to(cast.admin)] == ["Propuesta enviada: Harbour day"]
    assert [m.subject for m in mail_to(cast.staff)] == ["Proposal submitted: Harbour day"]


# --- Pages --------------------------------------------------------------------------------------


def test_manage_page_in_french(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED, title="Harbour day")
    login_as(cast.staff)
    html = client.get(f"/events/{event.id}/manage", headers=FRENCH).get_data(as_text=True)
    assert "Ce que vous pouvez faire" in html
    assert "Approuver et publier" in html
    assert "Partenaire chef de file" in html
    assert "En attente" in html  # the co-organiser's answer, not the raw "pending"
    assert "What you can do" not in html


def test_review_queue_in_arabic(app, client, login_as):
    cast = Cast()
    cast.event(Status.SUBMITTED, title="Harbour day")
    login_as(cast.staff)
    response = client.get("/review/", headers=ARABIC)
    html = response.get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "قائمة المراجعة" in html and "مقترحات الفعاليات" in html
    assert "Review queue" not in html


def test_my_activities_in_spanish(app, client, login_as):
    cast = Cast()
    cast.event(Status.DRAFT, title="Harbour day")
    login_as(cast.lead)
    html = client.get("/my/activities", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Proponer un evento" in html and "Pendiente de su respuesta" in html


def test_event_form_labels_choices_and_errors_in_french(app, client, login_as, partner):
    user = factories.UserFactory(role="focal_point", partner=partner)
    login_as(user)
    html = client.get("/events/new", headers=FRENCH).get_data(as_text=True)
    assert "Proposer un événement commun" in html
    assert ">Fuseau horaire</label>" in html
    assert ">Atelier</option>" in html  # the kind, through EventKind.label
    assert "Membres du réseau uniquement (utilisateurs connectés)" in html

    # 02:30 on 31 March 2030 never happens in Paris (the clocks go from 02:00 to 03:00).
    response = client.post(
        "/events/new",
        data=event_form_data(start_date="2030-03-31", start_time="02:30", end_date="2030-03-31"),
        headers=FRENCH,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "02:30 le 31 mars 2030 (heure : Paris) n’existe pas" in html

    response = client.post("/events/new", data=event_form_data(end_time="08:00"), headers=FRENCH)
    assert "L’événement doit se terminer après son début." in response.get_data(as_text=True)


def test_dst_fold_message_in_spanish(app, client, login_as, partner):
    user = factories.UserFactory(role="focal_point", partner=partner)
    login_as(user)
    # 02:30 on 27 October 2030 happens twice in Paris.
    response = client.post(
        "/events/new",
        data=event_form_data(start_date="2030-10-27", start_time="02:30", end_date="2030-10-27"),
        headers={"Accept-Language": "es"},
    )
    assert "(hora de París) ocurren dos veces" in response.get_data(as_text=True)


def test_transition_error_in_french(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.SUBMITTED)
    login_as(cast.staff)
    response = client.post(
        f"/events/{event.id}/workflow/reject", data={"comment": ""}, headers=FRENCH
    )
    assert response.status_code == 400
    assert "Veuillez rédiger un commentaire" in response.get_data(as_text=True)


def test_history_in_french(app, client, login_as):
    cast = Cast()
    event = cast.event(Status.DRAFT)
    services.transition(cast.lead, event, Action.SUBMIT)
    login_as(cast.lead)
    html = client.get(f"/events/{event.id}/manage", headers=FRENCH).get_data(as_text=True)
    assert "soumis pour examen" in html


# --- Revision wording -------------------------------------------------------------------------


def test_revision_wording_follows_the_locale(app):
    event = factories.EventFactory(timezone="Europe/Paris")
    start = datetime(2030, 6, 3, 7, 30, tzinfo=UTC).isoformat()
    assert field_label("start_dt") == "Starts"
    assert describe_value("start_dt", start, event) == "Mon 3 Jun 2030, 09:30 CEST (Paris Time)"
    with force_locale("fr"):
        assert field_label("start_dt") == "Début"
        assert describe_value("start_dt", start, event).startswith("lun. 3 juin 2030, 09:30")
        assert describe_value("is_all_day", True, event) == "Oui"
        assert describe_value("visibility", "network", event) == "Membres du réseau uniquement"
        assert describe_value("kind", "workshop", event) == "Atelier"
    with force_locale("es"):
        assert describe_value("start_date", "2030-06-03", event) == "lun 3 jun 2030"


def test_a_changed_time_zone_reads_as_places_in_the_history(app):
    event = factories.EventFactory(timezone="Africa/Cairo")
    assert field_label("timezone") == "Time zone"
    assert describe_value("timezone", "Africa/Tunis", event) == "Tunis Time"
    with force_locale("ar"):
        assert describe_value("timezone", "Africa/Tunis", event) == "توقيت تونس"
        start = datetime(2030, 6, 3, 7, 30, tzinfo=UTC).isoformat()
        assert describe_value("start_dt", start, event).endswith("(توقيت القاهرة)")


def test_action_labels_are_read_in_the_current_language(app):
    assert Action.APPROVE.label == "Approve and publish"
    with force_locale("ar"):
        assert Action.APPROVE.label == "الموافقة والنشر"


# --- Every workflow string is in the catalogs ---------------------------------------------------


def _catalog_ids(language: str) -> set[str]:
    path = ROOT / "coordinator" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        return {m.id for m in read_po(handle, locale=language) if m.id}


def _workflow_message_ids() -> set[str]:
    ids = set()
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None}
    for source in WORKFLOW_SOURCES:
        method = "jinja2" if source.endswith(".html") else "python"
        options = {"trim_blocks": "True", "lstrip_blocks": "True"} if method == "jinja2" else {}
        for _lineno, message, _comments, _context in extract_from_file(
            method, str(ROOT / source), keywords=keywords, options=options
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_every_workflow_string_is_in_the_catalogs(language):
    ids = _workflow_message_ids()
    assert "Possible clashes" in ids and "Proposal submitted: %(title)s" in ids
    assert sorted(ids - _catalog_ids(language)) == []


# --- Every workflow page answers in every language --------------------------------------------

# One English sentence per page that must not survive the translation.
PAGE_CHECKS = {
    "new_event": ("Propose a joint event", "/events/new"),
    "edit_published": ("This event is published.", "/events/{event}/edit"),
    "manage_with_revision": ("Changes waiting for review", "/events/{event}/manage"),
    "new_project": ("Propose a joint project", "/projects/new"),
    "manage_project": ("What you can do", "/projects/{project}/manage"),
    "my_activities": ("Waiting for your answer", "/my/activities"),
}


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
@pytest.mark.parametrize("page", sorted(PAGE_CHECKS))
def test_workflow_pages_answer_in_each_language(app, client, login_as, language, page):
    cast = Cast()
    event = cast.event(
        Status.APPROVED,
        start_dt=datetime(2030, 6, 3, 7, 30, tzinfo=UTC),
        end_dt=datetime(2030, 6, 3, 15, 0, tzinfo=UTC),
    )
    data = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    data.update(title="New", theme_ids=[], partner_ids=[cast.co_partner.id])
    services.edit_event(cast.lead, event, data)  # a revision waits on the manage page
    project = factories.ProjectFactory(
        lead_partner=cast.lead_partner, status=Status.DRAFT, proposer=cast.lead
    )
    english, path = PAGE_CHECKS[page]
    login_as(cast.lead)
    response = client.get(
        path.format(event=event.id, project=project.id), headers={"Accept-Language": language}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language}"' in html
    assert english not in html
