"""Forms of following and digests: shapes only, rules live in services."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import EmailField, RadioField, SelectField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from coordinator import i18n, times
from coordinator.accounts.notices import Delivery, NoticeKind
from coordinator.following.models import Period
from coordinator.following.queries import active_partner_choices, active_theme_choices
from coordinator.forms import BaseForm, MultiCheckboxField
from coordinator.i18n import lazy_gettext as _l

NO_DIGEST = "none"


class DigestChoicesForm(BaseForm):
    """What a digest subscription follows, and how often."""

    partner_ids = MultiCheckboxField(_l("Partners"), coerce=int)
    theme_ids = MultiCheckboxField(_l("Themes"), coerce=int)
    countries = MultiCheckboxField(_l("Countries"))
    period = RadioField(
        _l("How often"),
        choices=[(p.value, p.label) for p in Period],
        default=Period.WEEKLY.value,
        validators=[DataRequired()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_ids.choices = active_partner_choices()
        self.theme_ids.choices = active_theme_choices()
        self.countries.choices = i18n.country_choices()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.partner_ids.data or self.theme_ids.data or self.countries.data):
            self.form_errors.append(_("Choose at least one partner, theme or country."))
            return False
        return valid


class SubscribeForm(DigestChoicesForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Email()])
    timezone = SelectField(_l("Your time zone (days and weeks end at your midnight)"))

    def __init__(self, *args, default_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        if self.timezone.data is None:
            self.timezone.data = default_zone
        self.timezone.choices = i18n.zone_choices(times.offered_zones(self.timezone.data))

    def validate_timezone(self, field) -> None:
        if not times.is_known_zone(field.data):
            raise ValidationError(_("Choose a time zone from the list."))


class FollowingDigestForm(BaseForm):
    """A signed-in user's digest of what they follow."""

    period = RadioField(
        _l("A digest of what you follow"),
        choices=[
            (Period.DAILY.value, _l("Daily")),
            (Period.WEEKLY.value, _l("Weekly")),
            (NO_DIGEST, _l("No digest")),
        ],
        validators=[DataRequired()],
    )


class NoticePreferencesForm(BaseForm):
    """One choice per kind of workflow notice; fields named after the kinds."""

    co_organiser_requests = SelectField(NoticeKind.CO_ORGANISER_REQUESTS.label)
    decisions = SelectField(NoticeKind.DECISIONS.label)
    revisions = SelectField(NoticeKind.REVISIONS.label)
    new_documents = SelectField(NoticeKind.NEW_DOCUMENTS.label)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NoticeKind:
            self[kind.value].choices = [(d.value, d.label) for d in Delivery]

    def choices(self) -> dict[NoticeKind, Delivery]:
        return {kind: Delivery(self[kind.value].data) for kind in NoticeKind}
