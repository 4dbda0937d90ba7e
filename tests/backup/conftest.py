"""Fixtures for the backup tests: an alliance with rows in every table, and a fresh restore
target (a second SQLite file, or a second PostgreSQL database named <test database>_restore)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine, make_url, select, text

from coordinator import create_app
from coordinator.accounts.models import LoginFailure
from coordinator.accounts.services import invite_user, request_password_reset
from coordinator.activities import services as activities
from coordinator.activities.models import (
    Confirmation,
    EventRevision,
    ProjectPartner,
    RevisionStatus,
    Status,
)
from coordinator.activities.workflow import Action
from coordinator.documents import services as documents
from coordinator.documents.models import DocumentVisibility
from coordinator.documents.storage import get_storage
from coordinator.extensions import db
from coordinator.feeds.tokens import create_feed_token, revoke_feed_token
from coordinator.mail import OutgoingMessage, deliver_messages, queue_mail
from coordinator.partners.models import PartnerGroup
from tests import factories
from tests.activities.helpers import Cast
from tests.conftest import _test_config
from tests.documents import samples

# The tables the alliance below fills: the drill compares every table, and these must not be
# empty, or their comparison would prove nothing.
FILLED_TABLES = {
    "audit_entries",
    "document_versions",
    "documents",
    "event_partners",
    "event_revisions",
    "event_themes",
    "events",
    "feed_tokens",
    "invitations",
    "login_failures",
    "outgoing_messages",
    "partner_group_members",
    "partner_groups",
    "partners",
    "password_reset_tokens",
    "project_partners",
    "project_themes",
    "projects",
    "themes",
    "users",
}


def build_alliance(app) -> dict:
    """Partners, users, events in every state, audit rows, documents with files, feed tokens,
    mail and tokens, made through the services where they exist; committed."""
    cast = Cast()
    db.session.add(
        PartnerGroup(
            name="Urban Hub – مركز", slug="urban-hub", partners=[cast.lead_partner, cast.co_partner]
        )
    )
    water = factories.ThemeFactory(name="Eau et climat – المياه")
    events = {
        status: cast.event(status, themes=[water], latitude=43.296482, longitude=5.36978)
        for status in Status
    }
    published = cast.event(Status.DRAFT, title="Forum méditerranéen ; «eau», 水")
    activities.transition(cast.lead, published, Action.SUBMIT)
    activities.transition(cast.staff, published, Action.APPROVE, "Bienvenue ! مرحبا")
    activities.answer_co_organisation(cast.co_organiser, published, True)
    db.session.add(
        EventRevision(
            event=events[Status.APPROVED],
            proposer=cast.lead,
            data={"title": "Nouveau titre", "city": None, "latitude": 43.3},
            status=RevisionStatus.PENDING,
        )
    )
    project = factories.ProjectFactory(lead_partner=cast.lead_partner, themes=[water])
    db.session.add(
        ProjectPartner(project=project, partner=cast.co_partner, confirmation=Confirmation.DECLINED)
    )
    storage = get_storage()
    agenda = documents.create_document(
        subject=published,
        user=cast.lead,
        title="Agenda",
        description="Ordre du jour",
        visibility=DocumentVisibility.PUBLIC,
        filename="agenda.pdf",
        stream=io.BytesIO(samples.pdf("agenda")),
        storage=storage,
    )
    documents.add_version(
        document=agenda,
        user=cast.lead,
        filename="agenda-v2.pdf",
        stream=io.BytesIO(samples.pdf("agenda, second version")),
        storage=storage,
    )
    for subject, content in ((project, "same bytes"), (cast.lead_partner, "same bytes")):
        documents.create_document(
            subject=subject,
            user=cast.lead,
            title="",
            description="",
            visibility=DocumentVisibility.PARTNERS,
            filename="report.pdf",
            stream=io.BytesIO(samples.pdf(content)),
            storage=storage,
        )
    removed = documents.create_document(
        subject=cast.lead_partner,
        user=cast.lead,
        title="Old slides",
        description="",
        visibility=DocumentVisibility.NETWORK,
        filename="slides.png",
        stream=io.BytesIO(samples.png(3, 2)),
        storage=storage,
    )
    documents.delete_document(document=removed, user=cast.staff)
    orphan_key = storage.put(io.BytesIO(b"a file no row points at"))

    create_feed_token(cast.lead, "Téléphone")
    token, _ = create_feed_token(cast.staff, "Old laptop")
    revoke_feed_token(cast.staff, token)
    queue_mail("someone@example.org", "Sujet – موضوع", "Corps du message.\n")
    with app.test_request_context("/"):
        invite_user(
            cast.admin,
            email="invitee@example.org",
            name="Invitée",
            role="focal_point",
            partner=cast.lead_partner,
        )
        request_password_reset(cast.lead.email)
    db.session.add(LoginFailure(email=cast.lead.email, address="203.0.113.9"))
    db.session.commit()
    # Some mail sent (to the outbox folder), the rest still queued.
    deliver_messages(db.session.scalars(select(OutgoingMessage.id).limit(2)).all())
    return {"cast": cast, "orphan_key": orphan_key, "agenda": agenda}


@pytest.fixture
def app_config(app_config) -> dict:
    # Nothing may change the rows behind the test's back: mail is sent only when asked.
    return {**app_config, "MAIL_SEND_AFTER_REQUEST": False}


@pytest.fixture
def alliance(app) -> dict:
    return build_alliance(app)


@pytest.fixture
def restore_config(database_url, tmp_path) -> dict:
    """Configuration of a fresh, empty database and upload folder to restore into."""
    folder = tmp_path / "restored"
    folder.mkdir()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield _test_config(f"sqlite:///{folder / 'restored.sqlite'}", folder)
        return
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = url.set(database=name).render_as_string(hide_password=False)
        yield _test_config(target, folder)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def restore_app(restore_config):
    target = create_app(restore_config)
    yield target
    with target.app_context():
        db.session.remove()
        db.engine.dispose()
