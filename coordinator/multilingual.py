"""Content in several languages: the text an event, project, partner or theme shows in each
language, and which text a reader gets.

An activity is written in one language, its *original* (`language` on the row, the text in the
row's own columns). Translations are rows of a translations table per model (`event_translations`,
`project_translations`, `partner_translations`, `theme_translations`): one row per owner and
language holding that language's text of every translatable field, who wrote it and whether the
original's author checked it.

Why a table per model rather than a JSON column per field: a row per language carries its own
author, "checked" flag and stamps; search is a plain LIKE over real columns that behaves the same
on SQLite and PostgreSQL (SQLite stores JSON text with \\u escapes, so a LIKE on Arabic would miss);
the columns keep the originals' length limits; and one `selectin` load per page keeps a page's
query count flat however many events it shows.

Pages that show many owners of several kinds (event cards: the event, its partners, project and
themes) read all their translations in one statement instead (preload_translations): each
relationship path would otherwise cost a load of its own, and the ORM's cost per statement is
most of such a page's time.

Reading is per field and never mixes languages inside one: a field shows the reader's language
when that translation has it, otherwise the original, marked as such (`LocalizedText.is_fallback`
and its `language`, which pages put in `lang`/`dir` attributes with an "in French" marker).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from babel import Locale
from flask import current_app, has_app_context
from markupsafe import Markup, escape
from sqlalchemy import (
    Executable,
    ForeignKey,
    String,
    Text,
    cast,
    event,
    inspect,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, Mapper, declared_attr, mapped_column, relationship

from coordinator.db import UTCDateTime, in_bound_ids, utcnow
from coordinator.extensions import db
from coordinator.i18n import _, is_rtl, page_locale
from coordinator.text import render_markdown

if TYPE_CHECKING:
    from coordinator.accounts.models import User

LANGUAGE_LENGTH = 8


class TranslationMixin:
    """One language's text of an owner's translatable fields (the owner's key is declared by
    each table, with the field columns, at the owner's lengths)."""

    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH), primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Whether the author of the original checked this translation (a translation the original's
    # author wrote themself is checked by definition).
    checked_by_author: Mapped[bool] = mapped_column(default=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def author(cls) -> Mapped[User | None]:
        """Who wrote (or last changed) this translation, shown on the edit forms."""
        return relationship("User")

    def text_of(self, field: str) -> str:
        return getattr(self, field) or ""

    def is_empty(self) -> bool:
        return not any(self.text_of(field) for field in self.FIELDS)  # type: ignore[attr-defined]


class TranslatableMixin:
    """An owner of translations: its `language` is the original's; subclasses name their
    translatable fields (TRANSLATABLE) and declare `translations` (a list of TranslationMixin
    rows, loaded with `selectin`)."""

    TRANSLATABLE: ClassVar[tuple[str, ...]] = ()

    language: Mapped[str] = mapped_column(
        String(LANGUAGE_LENGTH), default="en", server_default="en"
    )

    def translation(self, language: str) -> TranslationMixin | None:
        for row in self.translations:  # type: ignore[attr-defined]
            if row.language == language:
                return row
        return None

    def shown_translation(self, language: str) -> TranslationMixin | ShownTranslation | None:
        """The translation a page shows: the loaded collection's, else what
        preload_translations read, else the collection's (loading it)."""
        if "translations" not in self.__dict__:
            preloaded = self.__dict__.get(_PRELOADED)
            if preloaded is not None:
                return preloaded.get(language)
        return self.translation(language)

    def localized(self, field: str, language: str | None = None) -> LocalizedText:
        return localized(self, field, language)

    def content_languages(self) -> list[str]:
        """The original's language first, then every language a translation has text in."""
        extra = sorted(
            row.language
            for row in self.translations  # type: ignore[attr-defined]
            if row.language != self.language and not row.is_empty()
        )
        return [self.language, *extra]

    def translated_texts(self) -> dict[str, dict[str, str]]:
        """{language: {field: text}} of the translations with text (empty fields left out)."""
        texts: dict[str, dict[str, str]] = {}
        for row in self.translations:  # type: ignore[attr-defined]
            fields = {f: row.text_of(f) for f in self.TRANSLATABLE if row.text_of(f)}
            if fields and row.language != self.language:
                texts[row.language] = fields
        return dict(sorted(texts.items()))


# preload_translations keeps what it read on each owner under this key, beside the mapped
# `translations` collection, which stays unloaded.
_PRELOADED = "_preloaded_translations"


@dataclass(frozen=True)
class ShownTranslation:
    """One language's texts of an owner, as preload_translations read them (text only)."""

    language: str
    texts: Mapping[str, str | None]

    def text_of(self, field: str) -> str:
        return self.texts.get(field) or ""


def preload_translations(owners: Iterable[Any]) -> None:
    """Read the translations of `owners` (events, projects, partners and themes, mixed) in one
    statement, for shown_translation(). Owners whose collection is loaded, or that were preloaded
    already, are left alone. Their statements must leave `translations` unloaded (lazyload):
    a `selectin` default would read them again, one statement per relationship path."""
    by_class: dict[type, dict[int, Any]] = {}
    for owner in owners:
        if owner is None or "translations" in owner.__dict__ or _PRELOADED in owner.__dict__:
            continue
        by_class.setdefault(type(owner), {})[owner.id] = owner
    if not by_class:
        return
    # In a fixed order, so that the same kinds of owners make the same statement.
    groups = sorted(by_class.items(), key=lambda group: group[0].__name__)
    statement, fields = _translations_statement(tuple(cls for cls, _found in groups))
    ids = {f"ids_{kind}": sorted(found) for kind, (_cls, found) in enumerate(groups)}
    kept: dict[tuple[int, int], dict[str, ShownTranslation]] = {}
    for kind, owner_id, language, *texts in db.session.execute(statement, ids):
        shown = ShownTranslation(language, dict(zip(fields, texts, strict=True)))
        kept.setdefault((kind, owner_id), {})[language] = shown
    for kind, (_cls, found) in enumerate(groups):
        for owner_id, owner in found.items():
            owner.__dict__[_PRELOADED] = kept.get((kind, owner_id), {})


@functools.cache
def _translations_statement(classes: tuple[type, ...]) -> tuple[Executable, tuple[str, ...]]:
    """The statement reading the translations of owners of `classes` (ids bound as ids_0,
    ids_1...) and the fields of its rows. Built once per set of classes: building a statement
    and its cache key costs more Python than running it does."""
    fields = tuple(sorted({field for cls in classes for field in cls.TRANSLATABLE}))
    branches = []
    for kind, cls in enumerate(classes):
        link = inspect(cls).relationships["translations"]
        rows, (owner_column,) = link.mapper.class_, link.remote_side
        branches.append(
            select(
                literal(kind).label("kind"),
                owner_column.label("owner_id"),
                rows.language,
                *(
                    getattr(rows, field) if field in cls.TRANSLATABLE else cast(null(), Text)
                    for field in fields
                ),
            ).where(in_bound_ids(owner_column, f"ids_{kind}"))
        )
    statement = branches[0] if len(branches) == 1 else union_all(*branches)
    return statement, fields


@event.listens_for(Mapper, "mapper_configured")
def _forget_preloaded_on_expiry(mapper: Mapper, cls: type) -> None:
    # An owner expired (by a commit; a refresh expires it first) is read again from the
    # database: so are its translations, which the preloaded ones would otherwise hide.
    if issubclass(cls, TranslatableMixin):
        event.listen(cls, "expire", _forget_preloaded)


def _forget_preloaded(target: Any, attrs: Iterable[str] | None) -> None:
    # target is None for an object already collected (its state expires all the same).
    if target is not None and (attrs is None or "translations" in attrs):
        target.__dict__.pop(_PRELOADED, None)


@dataclass(frozen=True)
class LocalizedText:
    """One field's text in the language it is shown in."""

    text: str
    language: str
    # The reader's language had no text for this field: this is the original's.
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> Markup:
        return escape(self.text)

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def direction(self) -> str:
        return "rtl" if is_rtl(self.language) else "ltr"

    @property
    def language_name(self) -> str:
        """The text's language, named in the reader's language ("français" on a French page)."""
        return language_name(self.language)


def language_name(code: str, in_language: str | None = None) -> str:
    reader = in_language or current_language()
    try:
        return Locale.parse(code).get_display_name(Locale.parse(reader)) or code
    except (ValueError, LookupError):
        return code


def current_language() -> str:
    """The language pages, feeds and mail are being written in: the request's, the one
    force_locale chose (a recipient's, outside any request), or the default."""
    if has_app_context():
        locale = page_locale()
        if locale is not None:
            return locale.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(owner: Any, field: str, language: str | None = None) -> LocalizedText:
    """`owner`'s `field` in `language` (default: the current one) when a translation has it,
    else the original, marked as a fallback when the original is in another language."""
    wanted = language or current_language()
    original = getattr(owner, field) or ""
    original_language = getattr(owner, "language", None) or "en"
    if wanted != original_language:
        row = owner.shown_translation(wanted)
        if row is not None and row.text_of(field):
            return LocalizedText(row.text_of(field), wanted, False)
    return LocalizedText(original, original_language, wanted != original_language)


def translation_marker(text: LocalizedText) -> Markup:
    """The small "in French" after a field shown in its original because the page's language
    has no text for it (nothing otherwise)."""
    if not (text.is_fallback and text.text):
        return Markup("")
    return Markup(' <small class="translation-marker text-body-secondary">{}</small>').format(
        _("in %(language)s", language=text.language_name)
    )


def translated_html(
    owner: Any,
    field: str,
    markdown: bool = False,
    marker: bool = True,
    language: str | None = None,
) -> Markup:
    """`owner`'s `field` for a page: the text in the page's language, or the original inside an
    element carrying its own lang and dir (an Arabic title keeps right to left on a French page),
    followed by the marker. `markdown` renders a description, as a block."""
    return localized_html(localized(owner, field, language), markdown, marker)


def localized_html(text: LocalizedText, markdown: bool = False, marker: bool = True) -> Markup:
    """translated_html of a text already localized (a caller that also needs its marker or
    whether it is empty asks `localized` once)."""
    body = render_markdown(text.text) if markdown else escape(text.text)
    if not (text.is_fallback and text.text):
        return Markup(body)
    tag = "div" if markdown else "span"
    element = Markup('<{tag} lang="{lang}" dir="{dir}">{body}</{tag}>').format(
        tag=Markup(tag), lang=text.language, dir=text.direction, body=body
    )
    return element + (translation_marker(text) if marker else Markup(""))


def localized_text(owner: Any, field: str, language: str | None = None) -> str:
    """The plain text of `localized` (for attributes, <title>, <option> and sorting)."""
    return localized(owner, field, language).text


def offered_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


class UnsupportedLanguage(ValueError):
    """A translation in a language the app does not offer."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.language = language


def set_translations(
    owner: Any,
    texts: Mapping[str, Mapping[str, str]],
    author: User | None,
    translation_model: type,
    replace: bool = False,
) -> list[str]:
    """Store `texts` ({language: {field: text}}) as `owner`'s translations, by `author`.

    Fields left out of a language keep their text; an empty string clears a field; a language
    left with no text is removed (empty translations are not stored). With `replace`, languages
    missing from `texts` are removed too. Text in the original's language is the owner's own
    columns, not a translation: it is ignored here. Returns the languages whose text changed.
    Raises UnsupportedLanguage for a language the app does not offer."""
    offered = offered_languages()
    for language in texts:
        if language not in offered:
            raise UnsupportedLanguage(language)
    changed: list[str] = []
    rows = {row.language: row for row in owner.translations}
    is_original_author = author is not None and author.id == getattr(owner, "proposer_id", None)
    for language, fields in texts.items():
        if language == owner.language:
            continue
        row = rows.get(language)
        values = {f: (fields[f] or "").strip() for f in owner.TRANSLATABLE if f in fields}
        if row is None:
            if not any(values.values()):
                continue
            row = translation_model(language=language)
            owner.translations.append(row)
            rows[language] = row
        before = {f: row.text_of(f) for f in owner.TRANSLATABLE}
        for name, value in values.items():
            setattr(row, name, value)
        if before != {f: row.text_of(f) for f in owner.TRANSLATABLE}:
            changed.append(language)
            row.author_id = author.id if author is not None else None
            row.checked_by_author = is_original_author
        if row.is_empty():
            owner.translations.remove(row)
    if replace:
        for language in set(rows) - set(texts):
            if rows[language] in owner.translations:
                owner.translations.remove(rows[language])
                changed.append(language)
    return sorted(set(changed))


def mark_checked(owner: Any, languages: Iterable[str]) -> None:
    """The original's author checked these translations."""
    for language in languages:
        row = owner.translation(language)
        if row is not None:
            row.checked_by_author = True
