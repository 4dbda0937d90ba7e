"""The form base every form uses: NFC text, no control characters, bounded lengths."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.core import unset_value
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextArea

from coordinator.dates import EARLIEST_DATE, LATEST_DATE, is_supported_date
from coordinator.i18n import lazy_gettext as _l
from coordinator.multilingual import current_language, language_name, offered_languages

# C0 and C1 controls and NUL; PostgreSQL refuses NUL outright and the others
# break feeds and mail headers. Tabs and newlines are allowed in multi-line text.
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalise_text(value):
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def reject_control_characters(form, field):
    if not isinstance(field.data, str):
        return
    pattern = _CONTROL_MULTI_LINE if isinstance(field, TextAreaField) else _CONTROL_SINGLE_LINE
    if pattern.search(field.data):
        raise ValidationError(
            _l("This field contains invisible control characters; please retype it.")
        )


def has_control_characters(value: str, multi_line: bool = False) -> bool:
    pattern = _CONTROL_MULTI_LINE if multi_line else _CONTROL_SINGLE_LINE
    return bool(pattern.search(value))


def supported_date(form, field):
    """A date field's value lies in the years coordinator handles (see coordinator.dates)."""
    if field.data is not None and not is_supported_date(field.data):
        raise ValidationError(
            _l(
                "Choose a date between %(first)s and %(last)s.",
                first=EARLIEST_DATE.year,
                last=LATEST_DATE.year,
            )
        )


# Inputs where people write in their own language, and inputs whose content reads left to right
# in every language (an address, a password, a date or a number mirrored on an Arabic page is
# misread). A text field that holds a code or a link declares render_kw={"dir": "ltr"}.
_FREE_TEXT_INPUT_TYPES = {"text", "search"}
_LEFT_TO_RIGHT_INPUT_TYPES = {
    "email",
    "url",
    "password",
    "tel",
    "number",
    "date",
    "time",
    "datetime",
    "datetime-local",
    "month",
    "week",
}


def input_direction(field: Field) -> str | None:
    """The dir attribute of a field's input: the one it declares, "auto" for free text (its first
    strong letter decides), "ltr" for addresses, passwords, dates and numbers, None otherwise."""
    declared = (field.render_kw or {}).get("dir")
    if declared:
        return declared
    input_type = getattr(field.widget, "input_type", None)
    if isinstance(field.widget, TextArea) or input_type in _FREE_TEXT_INPUT_TYPES:
        return "auto"
    if input_type in _LEFT_TO_RIGHT_INPUT_TYPES:
        return "ltr"
    return None


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes in a fieldset, with a filter box once the list is long
    (the `field` macro in _macros.html): it works without JavaScript, by keyboard and with a
    screen reader, where a Ctrl-click multiple select does not. The data is the same list."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BaseForm(FlaskForm):
    """Every text field is NFC-normalised, stripped and refused if it holds control characters."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            # Wrap the bound field: passing validators/filters through `options` would
            # replace the ones the form declared (DataRequired, Length, Email, ...).
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                field.filters = (normalise_text, *field.filters)
                field.validators = [reject_control_characters, *field.validators]
            return field


class ActionForm(BaseForm):
    """A button that changes state: only the CSRF token."""


class TranslationsField(Field):
    """The translatable fields' text in languages other than the original's.

    Posted as `<name>-<language>-<field>` inputs (one panel per language, the
    `translation_panels` macro in _translations.html), plus `<name>-checked` for the
    translations the original's author marks as checked. `data` is {language: {field: text}}
    with every posted field, empty ones included (clearing a field removes its text); `checked`
    the languages ticked. Each field keeps the original's length limit and the same refusal of
    control characters; a language the app does not offer is an error on the field."""

    def __init__(self, label=None, validators=None, fields=(), **kwargs):
        super().__init__(label, validators, **kwargs)
        # (name, label, max length, multi-line) of each translatable field, in form order.
        self.text_fields: tuple[tuple[str, Any, int, bool], ...] = tuple(fields)
        self.checked: list[str] = []
        # The languages whose text an error is about (their panel opens first on the page).
        self.error_languages: set[str] = set()

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.raw_data = None
        self.object_data = data
        known = {name for name, *_ in self.text_fields}
        # An object's own rows (form(obj=...)) are no input: the view fills translated_texts().
        if data is unset_value or not isinstance(data, dict):
            data = {}
        self.data = {language: dict(fields) for language, fields in data.items()}
        if formdata is None:
            return
        prefix = f"{self.name}-"
        posted: dict[str, dict[str, str]] = {}
        for key in formdata:
            if not key.startswith(prefix):
                continue
            language, separator, name = key[len(prefix) :].partition("-")
            if separator and name in known:
                posted.setdefault(language, {})[name] = normalise_text(formdata.get(key) or "")
        self.data = posted
        self.checked = [c for c in formdata.getlist(f"{prefix}checked") if isinstance(c, str)]

    def pre_validate(self, form):
        offered = offered_languages()
        for language, values in self.data.items():
            self.error_languages = {language}
            if language not in offered:
                raise ValidationError(
                    _l("“%(code)s” is not a language this site offers.", code=language[:20])
                )
            for name, label, max_length, multi_line in self.text_fields:
                text = values.get(name) or ""
                where = f"{label} ({language_name(language)})"
                if len(text) > max_length:
                    raise ValidationError(
                        _l(
                            "%(field)s: at most %(count)s characters.",
                            field=where,
                            count=max_length,
                        )
                    )
                if has_control_characters(text, multi_line):
                    raise ValidationError(
                        _l(
                            "%(field)s contains invisible control characters; please retype it.",
                            field=where,
                        )
                    )
        self.error_languages = set()

    def text(self, language: str, name: str) -> str:
        return (self.data.get(language) or {}).get(name) or ""


class OriginalLanguageField(SelectField):
    """The language an object's translatable text is written in (the original's): the
    languages the site offers, each named in itself; the page's language when nothing is
    posted or stored."""

    def offer(self, stored: str | None = None) -> None:
        """Offer the site's languages; nothing posted keeps the stored language (an edit) or
        takes the page's (a new proposal)."""
        self.choices = [(code, language_name(code, code)) for code in offered_languages()]
        if not self.data:
            self.data = stored or current_language()
