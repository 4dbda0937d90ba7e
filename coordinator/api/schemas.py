"""The API's shapes (marshmallow): flask-smorest validates input with them and documents every
one in the generated OpenAPI document."""

from __future__ import annotations

from datetime import UTC

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from coordinator.activities.models import EventKind, Visibility
from coordinator.config import DefaultConfig
from coordinator.converters import MAX_ID
from coordinator.slugs import SLUG_REGEX

KINDS = [kind.value for kind in EventKind]
VISIBILITIES = [v.value for v in Visibility]
STATUSES = [
    "published",
    "cancelled",
    "draft",
    "submitted",
    "changes_requested",
    "rejected",
    "withdrawn",
]
_SLUG = validate.Regexp(SLUG_REGEX)
_ID = validate.Range(min=1, max=MAX_ID)


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 instant; without an offset it is read as UTC."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise ValidationError("Not a supported instant.") from error


# --- errors -----------------------------------------------------------------------------------


class FieldErrorSchema(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String(metadata={"description": "A stable reason, e.g. insufficient_scope."})
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))


# --- reads ------------------------------------------------------------------------------------

# The content languages the API can be asked for (the site's; fixed when the schema is built).
LANGUAGES = list(DefaultConfig.LANGUAGES)
_LANG = fields.String(
    validate=validate.OneOf(LANGUAGES),
    metadata={
        "description": "Show the texts in this language where translated (each text's "
        "language is in field_languages); without it, the originals."
    },
)


class LanguageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    lang = _LANG


class ActivityTextsSchema(Schema):
    """An event's or project's texts in one language (a translation may lack some)."""

    title = fields.String()
    summary = fields.String()
    description = fields.String(metadata={"description": "Markdown."})


class ActivityTextLanguagesSchema(Schema):
    title = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True)


class PartnerTextsSchema(Schema):
    name = fields.String()
    summary = fields.String()


class PartnerTextLanguagesSchema(Schema):
    name = fields.String(required=True)
    summary = fields.String(required=True)


class ThemeTextsSchema(Schema):
    name = fields.String()


class ThemeTextLanguagesSchema(Schema):
    name = fields.String(required=True)


def _translations(texts: type[Schema]) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(LANGUAGES)),
        values=fields.Nested(texts),
        required=True,
        metadata={"description": "Every translation: {language: {field: text}}."},
    )


def _field_languages(languages: type[Schema]) -> fields.Nested:
    return fields.Nested(
        languages,
        required=True,
        metadata={"description": "The language of each text as shown in this answer."},
    )


_ORIGINAL = fields.String(
    required=True, metadata={"description": "The language the original is written in."}
)


class EventListQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    partner = fields.List(fields.String(validate=_SLUG), validate=validate.Length(max=20))
    project = fields.List(fields.String(validate=_SLUG), validate=validate.Length(max=20))
    theme = fields.List(fields.String(validate=_SLUG), validate=validate.Length(max=20))
    country = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$")), validate=validate.Length(max=20)
    )
    kind = fields.List(
        fields.String(validate=validate.OneOf(KINDS)), validate=validate.Length(max=20)
    )
    from_ = fields.Date(
        data_key="from", metadata={"description": "Events ending on or after this day."}
    )
    until = fields.Date(metadata={"description": "Events starting on or before this day."})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text search."})
    updated_since = UtcDateTime(metadata={"description": "Only events changed after this instant."})
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "The next_cursor of the previous page."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    lang = _LANG


class MomentSchema(Schema):
    utc = fields.String(required=True, metadata={"description": "UTC instant, ISO 8601."})
    local = fields.String(required=True, metadata={"description": "Local wall time, ISO 8601."})
    timezone = fields.String(required=True, metadata={"description": "IANA zone name."})


class PartnerRoleSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["lead", "co_organiser"]))


class ThemeSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    language = _ORIGINAL
    translations = _translations(ThemeTextsSchema)
    field_languages = _field_languages(ThemeTextLanguagesSchema)


class PlaceSchema(Schema):
    venue = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True)
    latitude = fields.Float(required=True, allow_none=True)
    longitude = fields.Float(required=True, allow_none=True)


class ProjectRefSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)


class EventLinksSchema(Schema):
    html = fields.String(required=True)
    ics = fields.String(required=True, allow_none=True)


class EventSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown."})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))
    is_all_day = fields.Boolean(required=True)
    start = fields.Nested(MomentSchema, required=True)
    end = fields.Nested(MomentSchema, required=True)
    start_date = fields.String(required=True, allow_none=True)
    end_date = fields.String(required=True, allow_none=True, metadata={"description": "Inclusive."})
    timezone = fields.String(required=True)
    partners = fields.List(fields.Nested(PartnerRoleSchema), required=True)
    themes = fields.List(fields.Nested(ThemeSchema), required=True)
    place = fields.Nested(PlaceSchema, required=True)
    online_url = fields.String(required=True)
    registration_url = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    project = fields.Nested(ProjectRefSchema, required=True, allow_none=True)
    sequence = fields.Integer(required=True)
    cancelled = fields.String(required=True, allow_none=True)
    cancel_reason = fields.String(required=True)
    updated = fields.String(required=True)
    links = fields.Nested(EventLinksSchema, required=True)
    language = _ORIGINAL
    translations = _translations(ActivityTextsSchema)
    field_languages = _field_languages(ActivityTextLanguagesSchema)


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class PartnerSchema(Schema):
    slug = fields.String(required=True)
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    acronym = fields.String(required=True)
    kind = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True)
    timezone = fields.String(required=True)
    website = fields.String(required=True)
    summary = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    language = _ORIGINAL
    translations = _translations(PartnerTextsSchema)
    field_languages = _field_languages(PartnerTextLanguagesSchema)


class PartnerListSchema(Schema):
    items = fields.List(fields.Nested(PartnerSchema), required=True)


class ThemeListSchema(Schema):
    items = fields.List(fields.Nested(ThemeSchema), required=True)


class ProjectSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    acronym = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True)
    start_date = fields.String(required=True)
    end_date = fields.String(required=True)
    website = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    partners = fields.List(fields.Nested(PartnerRoleSchema), required=True)
    themes = fields.List(fields.Nested(ThemeSchema), required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    language = _ORIGINAL
    translations = _translations(ActivityTextsSchema)
    field_languages = _field_languages(ActivityTextLanguagesSchema)


class ProjectListSchema(Schema):
    items = fields.List(fields.Nested(ProjectSchema), required=True)


class ActivitySummarySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["event", "project"]))
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    updated = fields.String(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class MyActivitiesSchema(Schema):
    partner = fields.String(required=True, metadata={"description": "The partner's slug."})
    items = fields.List(fields.Nested(ActivitySummarySchema), required=True)


# --- writes -----------------------------------------------------------------------------------


class EventInputSchema(Schema):
    """The fields of the "Propose an event" form; times are local to `timezone`."""

    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(validate=validate.Length(max=500))
    description = fields.String(validate=validate.Length(max=20_000))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    timezone = fields.String(required=True, validate=validate.Length(min=1, max=64))
    is_all_day = fields.Boolean()
    start_date = fields.Date(required=True)
    start_time = fields.Time(allow_none=True, metadata={"description": "HH:MM, local."})
    end_date = fields.Date(required=True)
    end_time = fields.Time(allow_none=True, metadata={"description": "HH:MM, local."})
    venue = fields.String(validate=validate.Length(max=200))
    city = fields.String(validate=validate.Length(max=120))
    country = fields.String(validate=validate.Length(max=2))
    latitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(-180, 180))
    online_url = fields.String(validate=validate.Length(max=500))
    languages = fields.String(validate=validate.Length(max=100))
    registration_url = fields.String(validate=validate.Length(max=500))
    visibility = fields.String(load_default="public", validate=validate.OneOf(VISIBILITIES))
    project_id = fields.Integer(allow_none=True, validate=_ID)
    theme_ids = fields.List(fields.Integer(validate=_ID), validate=validate.Length(max=50))
    partner_ids = fields.List(fields.Integer(validate=_ID), validate=validate.Length(max=100))
    language = fields.String(
        validate=validate.Regexp(r"^[a-z]{2,3}$"),
        metadata={"description": "The language title, summary and description are written in."},
    )
    translations = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")),
        values=fields.Dict(
            keys=fields.String(validate=validate.OneOf(["title", "summary", "description"])),
            values=fields.String(validate=validate.Length(max=20_000)),
        ),
        validate=validate.Length(max=10),
        metadata={
            "description": "The text in other languages, {language: {field: text}}: the fields "
            "given replace theirs, an empty text removes one, a language left out stays as it is."
        },
    )


class ClashSchema(Schema):
    event_id = fields.Integer(required=True)
    title = fields.String(required=True)
    start = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class ClashesSchema(Schema):
    items = fields.List(fields.Nested(ClashSchema), required=True)
    hidden = fields.Integer(
        required=True, metadata={"description": "Clashing proposals you may not see."}
    )


class ProposalSchema(Schema):
    event = fields.Nested(EventSchema, required=True)
    clashes = fields.Nested(ClashesSchema, required=True, allow_none=True)


class EventPatchSchema(EventInputSchema):
    """Any of the proposal's fields; those left out keep their value."""
