"""A subscriber's address is never shown: not on the staff's undelivered-mail page, not by the
mail commands, not on the preferences page."""

from __future__ import annotations

from coordinator.extensions import db
from coordinator.following import services
from coordinator.following.models import Period
from coordinator.mail import MailStatus
from tests.following.helpers import outbox


def _failed_confirmation():
    services.request_subscription(
        "private.reader@example.org",
        services.Choices([], [], ["MA"], Period.DAILY),
        "en",
        "UTC",
    )
    [message] = outbox()
    message.status = MailStatus.FAILED
    db.session.commit()
    return message


def test_staff_see_no_subscriber_address_among_undelivered_mail(app, client, login_as, staff):
    _failed_confirmation()
    login_as(staff)
    page = client.get("/staff/mail").get_data(as_text=True)
    assert "a digest subscriber" in page
    assert "private.reader" not in page


def test_the_mail_command_shows_no_subscriber_address(app):
    _failed_confirmation()
    result = app.test_cli_runner().invoke(args=["mail", "failed"])
    assert result.exit_code == 0, result.output
    assert "a digest subscriber" in result.output
    assert "private.reader" not in result.output
