"""The languages of an activity's text as the workflow handles them: writing the original's
language and the translations from a form, carrying translations in a revision, and which
languages a proposal still lacks before approval.

A revision of a published event carries translation changes as flat keys "<field>@<language>"
("title@fr": the French title; "" removes it) beside the event's own fields, so the review diff
shows them field by field and the audit entry lists them like any other field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from coordinator.activities.models import (
    Event,
    EventTranslation,
    Project,
    ProjectTranslation,
)
from coordinator.errors import DomainError
from coordinator.multilingual import (
    UnsupportedLanguage,
    language_name,
    mark_checked,
    offered_languages,
    set_translations,
)

TRANSLATION_MODELS: dict[type, type] = {Event: EventTranslation, Project: ProjectTranslation}
KEY_SEPARATOR = "@"


def translation_key(field: str, language: str) -> str:
    return f"{field}{KEY_SEPARATOR}{language}"


def split_translation_key(key: str) -> tuple[str, str] | None:
    """(field, language) of a revision key such as "title@fr", else None."""
    field, separator, language = key.partition(KEY_SEPARATOR)
    return (field, language) if separator and field and language else None


def _unsupported(language: str) -> DomainError:
    return DomainError(
        _("“%(code)s” is not a language this site offers.", code=language[:20]),
        field="translations",
    )


def check_original_language(language: str) -> None:
    if language not in offered_languages():
        raise DomainError(_("Choose a language from the list."), field="language")


def write_texts(actor, activity: Event | Project, data: Mapping[str, Any]) -> list[str]:
    """Write the original's language and the translations of `data` on an activity edited in
    place (a draft, a proposal sent back, or a new one); returns the languages changed.
    Data without these keys (a calendar's import) leaves them as they are."""
    language = data.get("language")
    if language:
        check_original_language(language)
        if language != activity.language:
            activity.language = language
            # The original's language is the row's own columns, never a translation too.
            activity.translations = [r for r in activity.translations if r.language != language]
    changed: list[str] = []
    if data.get("translations"):
        try:
            changed = set_translations(
                activity, data["translations"], actor, TRANSLATION_MODELS[type(activity)]
            )
        except UnsupportedLanguage as error:
            raise _unsupported(error.language) from None
    mark_checked_by_author(actor, activity, data.get("checked_languages") or ())
    return changed


def mark_checked_by_author(actor, activity, languages: Iterable[str]) -> list[str]:
    """The original's author (the proposer) vouches for these translations; anyone else's
    ticks are ignored. Returns the languages newly marked."""
    if actor is None or actor.id != activity.proposer_id:
        return []
    newly = [
        language
        for language in dict.fromkeys(languages)
        if (row := activity.translation(language)) is not None and not row.checked_by_author
    ]
    mark_checked(activity, newly)
    return newly


def translation_snapshot(activity: Event | Project) -> dict[str, str]:
    """The translations as revision keys ({"title@fr": "…"}), non-empty texts only."""
    return {
        translation_key(field, language): text
        for language, fields in activity.translated_texts().items()
        for field, text in fields.items()
    }


def proposed_translations(current: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, str]:
    """The translations an edit of a published event asks for, as revision keys: the current
    ones, updated by flat keys in `data` (a calendar's or a pending revision's) and by the
    form's {language: {field: text}}; texts in the (new) original's language and empty texts
    are left out. Raises DomainError for a language the site does not offer."""
    offered = offered_languages()
    texts = {k: v for k, v in current.items() if split_translation_key(k)}
    texts.update({k: v for k, v in data.items() if split_translation_key(k)})
    for language, fields in (data.get("translations") or {}).items():
        if language not in offered:
            raise _unsupported(language)
        for field, text in fields.items():
            texts[translation_key(field, language)] = (text or "").strip()
    original = data.get("language") or current.get("language")
    return {
        key: text
        for key, text in texts.items()
        if text and split_translation_key(key)[1] != original  # type: ignore[index]
    }


def revision_languages(changes: Mapping[str, Any]) -> list[str]:
    """The languages whose translation a revision's data changes."""
    return sorted({split[1] for key in changes if (split := split_translation_key(key))})


def apply_translation_changes(event: Event, changes: Mapping[str, Any], author) -> list[str]:
    """Apply an approved revision's translation keys; the revision's proposer is their author."""
    texts: dict[str, dict[str, str]] = {}
    for key, text in changes.items():
        split = split_translation_key(key)
        if split is not None:
            field, language = split
            texts.setdefault(language, {})[field] = text or ""
    if event.language in texts:  # the revision moved the original to a translated language
        del texts[event.language]
    event.translations = [r for r in event.translations if r.language != event.language]
    if not texts:
        return []
    try:
        return set_translations(event, texts, author, EventTranslation)
    except UnsupportedLanguage as error:  # the site stopped offering it since the proposal
        raise _unsupported(error.language) from None


def translation_field_label(key: str, label_of) -> str | None:
    """ "Title (French)" for "title@fr" (label_of names the field), else None."""
    split = split_translation_key(key)
    if split is None:
        return None
    field, language = split
    return _("%(field)s (%(language)s)", field=label_of(field), language=language_name(language))


def has_language(activity: Event | Project, language: str) -> bool:
    """Whether the activity reads in `language`: the original's, or a translation with the
    title, and with the summary too when the original has one."""
    if language == activity.language:
        return True
    row = activity.translation(language)
    if row is None or not row.text_of("title"):
        return False
    return bool(row.text_of("summary")) or not activity.summary


def missing_required_languages(activity: Event | Project) -> list[str]:
    """The required languages (REQUIRED_LANGUAGES) the activity does not read in yet."""
    required = current_app.config.get("REQUIRED_LANGUAGES") or []
    return [language for language in required if not has_language(activity, language)]
