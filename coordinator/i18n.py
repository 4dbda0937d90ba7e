"""Languages: Flask-Babel setup, the locale choice and locale-aware filters (the language
switch, which saves a user's choice, is accounts.views.set_language).

The locale comes from, in order: the signed-in user's saved choice (User.locale), the
`lang` cookie set by the language switch, the browser's Accept-Language, then English.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import units as babel_units
from babel.core import get_global
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, LazyString, get_locale, get_translations, refresh
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

babel = Babel()

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
RTL_LANGUAGES = frozenset({"ar"})
# Each language is offered under its own name, so readers find theirs in any page language.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

# A zone by name, kept alive. ZoneInfo itself holds only its 8 latest zones strongly: a page
# showing events in more zones than that (the month grid of a network spread over 16) would
# read and parse zone files again and again as the others are collected; a select of zones
# reads hundreds on every form.
zone_info = lru_cache(maxsize=1024)(ZoneInfo)


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def supported_language(code: str | None) -> str | None:
    return code if code and code in supported_languages() else None


def select_locale() -> str:
    """The user's saved choice, else the cookie, else Accept-Language, else the default."""
    if not has_request_context():  # commands and background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_choice = None
    if getattr(current_user, "is_authenticated", False):
        user_choice = supported_language(getattr(current_user, "locale", None))
    return (
        user_choice
        or supported_language(request.cookies.get(LANGUAGE_COOKIE))
        or request.accept_languages.best_match(supported_languages())
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def locale_for(user) -> str:
    """The language to write to a user in when no request chooses it (e-mails): their saved
    choice, else the default. Use as `with force_locale(locale_for(user)): ...`."""
    saved = getattr(user, "locale", None)
    if saved and saved in current_app.config["LANGUAGES"]:
        return saved
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_rtl(locale_code: str) -> bool:
    return locale_code.split("_")[0] in RTL_LANGUAGES


# --- Locale-aware formatting (the templating.py filters format in English only) -------------


def page_locale() -> Locale | None:
    """Flask-Babel's get_locale(), in one context lookup where it takes four: a page asks for
    it for every translated field and every date of every card, hundreds of times."""
    if has_app_context():
        chosen = getattr(
            getattr(g._get_current_object(), "_flask_babel", None), "babel_locale", None
        )
        if chosen is not None:
            return chosen
    return get_locale()


def page_translations() -> Translations | NullTranslations:
    """Flask-Babel's get_translations() for the page's locale, kept beside that locale (a
    force_locale() block sets another locale, so the kept catalogue no longer matches it)."""
    if not has_app_context():
        return get_translations()
    state = getattr(g._get_current_object(), "_flask_babel", None)
    kept = getattr(state, "coordinator_translations", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    translations = get_translations()
    locale = get_locale()
    state = getattr(g._get_current_object(), "_flask_babel", None)
    if state is not None and locale is not None:
        state.coordinator_translations = (locale, translations)
    return translations


def gettext(string: str, /, **variables: Any) -> str:
    """Flask-Babel's gettext (formatted only when given variables), from the page's catalogue
    (page_translations): the dates, places and names of a page's cards ask it hundreds of times,
    and Flask-Babel finds the catalogue anew each time."""
    text = page_translations().ugettext(string)
    return text % variables if variables else text


_ = gettext


def lazy_gettext(string: str, /, **variables: Any) -> LazyString:
    """Flask-Babel's lazy_gettext, read from the page's catalogue (gettext above) each time it
    is shown: kinds, states and form labels are shown on every card and list, and Flask-Babel's
    finds the catalogue anew each time."""
    return LazyString(gettext, string, **variables)


def _locale() -> Locale:
    return page_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])


def local_datetime(value: datetime | None, tz_name: str, format: str = "medium") -> str:
    """A UTC instant shown in the given zone, formatted for the page's locale."""
    if value is None:
        return ""
    return babel_dates.format_datetime(value, format, tzinfo=zone_info(tz_name), locale=_locale())


def local_time_only(value: datetime | None, tz_name: str, format: str = "short") -> str:
    if value is None:
        return ""
    return babel_dates.format_time(value, format, tzinfo=zone_info(tz_name), locale=_locale())


def localized_date(value: date | datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return babel_dates.format_date(value, format, locale=_locale())


# One set of formatters for every date and time a page shows, so the public pages, the manage
# pages, the dashboard and the staff tables agree: a day reads "Wed, Jan 13, 2027", a time
# "10:00 AM" (the locale's own short style: no leading zero in English, 24-hour in French), a
# moment "Wed, Jan 13, 2027, 10:00 AM", and an event's span as format_span writes it.


def _zone_of(value: datetime, tz_name: str | None):
    # Babel would read an aware datetime in the server's own zone when given none: name it.
    return zone_info(tz_name) if tz_name else (value.tzinfo or UTC)


def format_day(value: date | datetime | None, tz_name: str | None = None) -> str:
    """A day, weekday included, as the locale abbreviates it ("Wed, Jan 13, 2027"); a datetime
    is read in tz_name first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone_of(value, tz_name)).date()
    return format_in_skeleton("yMMMEd", value)


def format_in_skeleton(skeleton: str, value: date) -> str:
    """Babel's format_skeleton(skeleton, value) in the page's locale, with the locale's pattern
    for the skeleton looked up once (Babel matches it against every pattern on each call: half
    the cost of each date on a page of event cards)."""
    return _day_in_skeleton(_locale(), skeleton, value)


# A page of twenty cards writes forty days and clocks, most of them the same few: each text is
# a function of the locale and the value alone, written once per process (Babel reads the
# locale's data for every field of every call).
@lru_cache(maxsize=4096)
def _day_in_skeleton(locale: Locale, skeleton: str, value: date) -> str:
    return babel_dates.format_date(value, _skeleton_pattern(locale, skeleton), locale=locale)


@lru_cache(maxsize=64)
def _skeleton_pattern(locale: Locale, skeleton: str) -> str:
    patterns = locale.datetime_skeletons
    if skeleton not in patterns:
        skeleton = babel_dates.match_skeleton(skeleton, patterns)
    return str(patterns[skeleton])


def format_clock(value: datetime, tz_name: str | None = None) -> str:
    """A wall-clock time in the locale's short style ("10:00 AM", "10:00")."""
    wall = value.astimezone(_zone_of(value, tz_name))
    return _clock(_locale(), wall.hour, wall.minute, wall.second)


@lru_cache(maxsize=4096)
def _clock(locale: Locale, hour: int, minute: int, second: int) -> str:
    # The short style names no zone (CLDR's short times are hours, minutes and the period):
    # the wall clock's fields alone decide the text.
    return babel_dates.format_time(time(hour, minute, second), "short", locale=locale)


def format_moment(value: datetime | None, tz_name: str) -> str:
    """A day and a time in tz_name ("Wed, Jan 13, 2027, 10:00 AM")."""
    if value is None:
        return ""
    locale = _locale()
    pattern = locale.datetime_formats.get("medium") or "{1} {0}"
    return (
        str(pattern)
        .replace("{1}", format_day(value, tz_name))
        .replace("{0}", format_clock(value, tz_name))
    )


def format_day_span(first: date, last: date) -> str:
    """Two days, or one when they are the same ("Wed, Jan 13, 2027 – Fri, Jan 15, 2027")."""
    if last == first:
        return format_day(first)
    return f"{format_day(first)} – {format_day(last)}"


def format_span(start: datetime, end: datetime, tz_name: str) -> str:
    """A timed span in its zone, with the zone named: "Wed, Jan 13, 2027, 10:00 AM–1:00 PM
    (Cairo Time, EET)", or both days when it runs past midnight."""
    zone = zone_info(tz_name)
    start, end = start.astimezone(zone), end.astimezone(zone)
    # The abbreviation stays as the zone database writes it ("EET", "+03"): people match it
    # against their other calendars; the zone's city beside it, in their language, says which.
    start_abbr, end_abbr = start.strftime("%Z"), end.strftime("%Z")
    # A clock change inside the span shows both names, e.g. "CET/CEST".
    abbreviation = start_abbr if start_abbr == end_abbr else f"{start_abbr}/{end_abbr}"
    # A span ending at midnight still reads as one day.
    if end.date() == start.date() or (end - timedelta(microseconds=1)).date() == start.date():
        return _(
            "%(day)s, %(start)s–%(end)s (%(zone)s, %(abbreviation)s)",
            day=format_day(start),
            start=format_clock(start),
            end=format_clock(end),
            zone=zone_name(tz_name),
            abbreviation=abbreviation,
        )
    return _(
        "%(start_day)s, %(start)s – %(end_day)s, %(end)s (%(zone)s, %(abbreviation)s)",
        start_day=format_day(start),
        start=format_clock(start),
        end_day=format_day(end),
        end=format_clock(end),
        zone=zone_name(tz_name),
        abbreviation=abbreviation,
    )


def localized_number(value: int | float | None) -> str:
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale())


def localized_age(value: timedelta) -> str:
    """How long something has waited, in whole days (else hours, else minutes): reviewers
    compare ages, so "9 days" beats "1 week"."""
    seconds = max(value.total_seconds(), 0)
    if seconds >= 86400:
        amount, unit = int(seconds // 86400), "duration-day"
    elif seconds >= 3600:
        amount, unit = int(seconds // 3600), "duration-hour"
    else:
        amount, unit = int(seconds // 60), "duration-minute"
    return babel_units.format_unit(amount, unit, length="long", locale=_locale())


def month_title(year: int, month: int) -> str:
    """ "November 2026", standalone month name as the locale writes it."""
    return format_in_skeleton("yMMMM", date(year, month, 1))


def weekday_name(weekday: int, width: str = "wide") -> str:
    """Monday is 0, as in datetime.weekday()."""
    return babel_dates.get_day_names(width, "format", _locale())[weekday]


def country_name(code: str) -> str:
    if not code:
        return _("Not given")
    return _locale().territories.get(code.upper(), code.upper())


# CLDR names these two-letter territories too, but ISO 3166-1 assigns them to no country:
# groupings (EU, UN), pseudo-locales, codes reserved for islands (IC, EA, TA...) and XK.
_NOT_ISO_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of real countries and territories (249 of them)."""
    territories = Locale.parse("en").territories
    return frozenset(
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_COUNTRIES
    )


def is_country_code(code: str | None) -> bool:
    return bool(code) and code in country_codes()


@lru_cache(maxsize=16)
def _countries_in_order(language: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(language).territories
    return tuple(
        sorted(
            ((code, territories.get(code, code)) for code in country_codes()),
            key=lambda pair: collation_key(pair[1]),
        )
    )


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Options of a country select: the ISO code as the value (what is stored), the country
    named in the page's language as the label, in that language's alphabetical order."""
    return list(_countries_in_order(language or str(_locale())))


def collation_key(name: str) -> str:
    """A key sorting names alphabetically in any of our languages: "Égypte" with the E's,
    "Zürich" with the Z's (case and accents ignored)."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", name.casefold())
        if not unicodedata.combining(char)
    )


# --- Time zones as people read them (IANA identifiers stay in data, forms' values and feeds) ----


@lru_cache(maxsize=4096)
def _zone_place(tz_name: str, language: str) -> str | None:
    """The city a zone is named after, as CLDR writes it in the language ("Le Caire",
    "القاهرة"), or None for a zone without a place (UTC, Etc/GMT+3, EST5EDT) or one that
    neither Babel nor the zone database knows."""
    # Babel resolves aliases to the current identifier (Egypt, Europe/Kiev -> Europe/Kyiv).
    canonical = get_global("zone_aliases").get(tz_name, tz_name)
    if "/" not in canonical or canonical.startswith("Etc/"):
        return None
    try:
        return babel_dates.get_timezone_location(tz_name, locale=language, return_city=True)
    except LookupError:
        return None


def _is_utc(tz_name: str) -> bool:
    return get_global("zone_aliases").get(tz_name, tz_name) == "Etc/UTC"


def _zone_name(tz_name: str, locale: Locale) -> str:
    place = _zone_place(tz_name, str(locale))
    if place is not None:
        return locale.zone_formats["region"] % place
    if _is_utc(tz_name):
        return locale.time_zones["Etc/UTC"]["long"]["standard"]
    # Babel would read Etc/GMT+3 as "GMT+3", the reverse of its offset: the identifier is exact.
    return tz_name


def zone_name(tz_name: str) -> str:
    """A time zone named for people in the page's language, after its city: "Cairo Time",
    "heure : Le Caire", "hora de El Cairo", "توقيت القاهرة"; UTC by its name in the language;
    the identifier itself for a zone without a place or one nobody knows."""
    return _zone_name(tz_name, _locale())


@lru_cache(maxsize=64)
def _zones_in_order(zones: tuple[str, ...], language: str) -> tuple[tuple[str, str], ...]:
    """(zone, city) pairs, UTC first, then alphabetically by city: people look for a city."""
    locale = Locale.parse(language)
    named = [(zone, _zone_place(zone, language) or _zone_name(zone, locale)) for zone in zones]
    return tuple(sorted(named, key=lambda pair: (not _is_utc(pair[0]), collation_key(pair[1]))))


_zone_info = zone_info


def _utc_offset(tz_name: str, moment: datetime) -> str:
    """ "UTC+01:00": written the same in every language, as people compare it across calendars."""
    minutes = int(moment.astimezone(_zone_info(tz_name)).utcoffset().total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_choices(zones: tuple[str, ...]) -> list[tuple[str, str]]:
    """Options of a time-zone select: the IANA identifier as the value (what is stored) and,
    as the label, the zone's city in the page's language with its offset now ("Casablanca
    (UTC+01:00)"). Offsets change with summer time, so labels are made on each request."""
    now = datetime.now(UTC)
    return [
        (zone, f"{place} ({_utc_offset(zone, now)})")
        for zone, place in _zones_in_order(zones, str(_locale()))
    ]


def _region_label(region: str) -> str:
    """A zone's region in the page's language: CLDR's continent names where there is one."""
    cldr_code = _ZONE_REGIONS_IN_CLDR.get(region)
    if cldr_code is not None:
        return _locale().territories.get(cldr_code, region)
    wording = {
        "Arctic": _("Arctic"),
        "Atlantic": _("Atlantic Ocean"),
        "Indian": _("Indian Ocean"),
        "Pacific": _("Pacific Ocean"),
    }
    return wording.get(region) or _("Other zones")


_ZONE_REGIONS_IN_CLDR = {
    "Africa": "002",
    "America": "019",
    "Antarctica": "AQ",
    "Asia": "142",
    "Australia": "AU",
    "Europe": "150",
}


def grouped_zone_choices(
    zones: tuple[str, ...], own_zone: str, network_zones: tuple[str, ...], first_label: str
) -> dict[str, list[tuple[str, str]]]:
    """Options of a time-zone select in optgroups. First, under first_label: the partner's own
    zone, the other zones the network's partners use (by city) and UTC. Then every other zone
    under its region ("Africa", "Europe"...), regions and cities in the page's order."""
    labels = dict(zone_choices(tuple(dict.fromkeys((*zones, own_zone, *network_zones)))))
    network = set(network_zones)
    leading = [own_zone] + [z for z in labels if z in network and z != own_zone]
    leading += [] if "UTC" in leading else ["UTC"]
    groups = {first_label: [(zone, labels[zone]) for zone in leading if zone in labels]}
    regions: dict[str, list[tuple[str, str]]] = {}
    for zone, label in labels.items():  # already in the language's order of cities
        if zone in leading:
            continue
        region = zone.split("/", 1)[0] if "/" in zone and not zone.startswith("Etc/") else ""
        regions.setdefault(_region_label(region), []).append((zone, label))
    for region in sorted(regions, key=collation_key):
        groups[region] = regions[region]
    return groups


# Jinja's newstyle gettext, each callable called straight: Jinja's own newstyle wrappers ask the
# template context to call the function they wrap, and its `_` looks `gettext` up first (three
# calls through the context for each of a page's hundred strings). The catalogue is the page's
# (page_translations: looked up once per page).


def _newstyle(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    """The text, as markup when the template escapes, always formatted with the variables
    (a "%%" in a catalogue is a "%"), as Jinja's newstyle gettext writes it."""
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def markup_gettext(string: str, /, **variables: Any) -> Markup:
    """The page's translation of `string` as a template's `{{ _(...) }}` writes it: markup (the
    catalogue is ours), with the variables escaped unless they are markup themselves. For HTML
    written in Python (activities.card_html)."""
    return Markup(page_translations().ugettext(string)) % variables


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    return _newstyle(eval_ctx, page_translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    return _newstyle(eval_ctx, page_translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _template_pgettext(
    eval_ctx: EvalContext, context: str, string: str, /, **variables: Any
) -> str:
    variables.setdefault("context", context)
    return _newstyle(eval_ctx, page_translations().upgettext(context, string), variables)


@pass_eval_context
def _template_npgettext(
    eval_ctx: EvalContext,
    context: str,
    singular: str,
    plural: str,
    num: int,
    /,
    **variables: Any,
) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = page_translations().unpgettext(context, singular, plural, num)
    return _newstyle(eval_ctx, text, variables)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # {% trans %} blocks compile to newstyle calls too (the i18n extension reads this flag).
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )

    def remember_locale():
        # Flask-Babel caches the locale on `g`, which outlives a request when an app context
        # was pushed around it (tests, CLI): choose afresh for every request.
        refresh()
        g.locale = str(get_locale())

    @app.after_request
    def vary_on_language(response):
        # The same URL answers in several languages: shared caches must key on what chose it.
        response.vary.update(("Accept-Language", "Cookie"))
        return response

    # First of all before_request hooks, so pages answered early (sign-in redirects) are localised.
    app.before_request_funcs.setdefault(None, []).insert(0, remember_locale)

    @app.context_processor
    def inject_languages():
        locale_code = g.get("locale") or str(get_locale())
        g.locale = locale_code
        return {
            "language_names": {
                code: LANGUAGE_NAMES.get(code, code) for code in app.config["LANGUAGES"]
            },
            "text_direction": "rtl" if is_rtl(locale_code) else "ltr",
        }

    app.jinja_env.filters["l_datetime"] = local_datetime
    app.jinja_env.filters["l_time"] = local_time_only
    app.jinja_env.filters["l_date"] = localized_date
    app.jinja_env.filters["l_number"] = localized_number
    app.jinja_env.filters["l_day"] = format_day
    app.jinja_env.filters["l_moment"] = format_moment
    app.jinja_env.filters["l_days"] = format_day_span
    app.jinja_env.filters["l_span"] = format_span
    app.jinja_env.filters["l_age"] = localized_age
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["zone_name"] = zone_name
    app.jinja_env.globals["month_title"] = month_title
    app.jinja_env.globals["weekday_name"] = weekday_name


def first_weekday() -> int:
    """The first day of the week for the page's locale (0 is Monday)."""
    return _locale().first_week_day
