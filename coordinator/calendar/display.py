"""What the month grid and the agenda repeat on every cell and entry, formatted cheaply.

A full month grid shows 42 days and up to 126 events: formatting each day's number and full
date, and each event's two clock times, through Babel costs 10-25 µs a call, most of the page's
time. The texts only depend on the locale and on the day, the number or the wall-clock time,
so they are formatted once per process (by coordinator.i18n, the one place that formats them)
and reused; the words every cell repeats are translated once per page.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from coordinator import i18n
from coordinator.activities.card_html import event_title_link
from coordinator.i18n import _
from coordinator.multilingual import localized
from coordinator.templating import zone_abbreviation

# Bounded: 4 locales × ~1,500 days or clock times, far more than a site shows; cleared whole
# when full (a restart's worth of formatting, milliseconds).
_MAX_TEXTS = 20_000
_texts: dict[tuple, str] = {}


def _remember(key: tuple, make) -> str:
    text = _texts.get(key)
    if text is None:
        if len(_texts) >= _MAX_TEXTS:
            _texts.clear()
        text = _texts[key] = make()
    return text


class PageText:
    """The calendar page's formatters, for the locale of the request that made it."""

    def __init__(self) -> None:
        self.locale = str(get_locale())
        # Markup, as a template's own _() gives with autoescaping on: the same bytes.
        self.all_day = Markup(_("All day"))
        self.continues = Markup(_("Continues"))
        self.cancelled = Markup(_("Cancelled"))
        self.today = Markup(_("Today"))
        self.online = Markup(_("Online"))
        # The patterns of the sentences repeated per cell or entry, filled in as a template's
        # _('...', name=value) fills them: the values escaped unless already Markup.
        self._more = Markup(_("+%(count)s more"))
        self._all_events_on = Markup(_("All events on %(day)s"))
        self._led_by = Markup(_("Led by %(partner)s"))
        self._zone_names: dict[str, str] = {}
        self._kinds: dict[object, str] = {}

    def more(self, count: int) -> Markup:
        """_('+%(count)s more', count=count|l_number)."""
        return self._more % {"count": self.number(count)}

    def all_events_on(self, day: date) -> Markup:
        """_('All events on %(day)s', day=day|l_date('full'))."""
        return self._all_events_on % {"day": self.full_day(day)}

    def led_by(self, partner: Markup) -> Markup:
        """_('Led by %(partner)s', partner=partner)."""
        return self._led_by % {"partner": partner}

    def kind(self, kind) -> str:
        """kind.label, translated once per page."""
        label = self._kinds.get(kind)
        if label is None:
            label = self._kinds[kind] = str(kind.label)
        return label

    def number(self, value: int) -> str:
        """value|l_number."""
        return _remember(("n", self.locale, value), lambda: i18n.localized_number(value))

    def full_day(self, day: date) -> str:
        """day|l_date('full')."""
        return _remember(("d", self.locale, day), lambda: i18n.localized_date(day, "full"))

    def clock(self, value: datetime, tz_name: str) -> str:
        """value|l_time(tz_name): the locale's short time (i18n.format_clock keeps each)."""
        return i18n.format_clock(value, tz_name)

    def zone_name(self, tz_name: str) -> str:
        """tz_name|zone_name."""
        name = self._zone_names.get(tz_name)
        if name is None:
            name = self._zone_names[tz_name] = i18n.zone_name(tz_name)
        return name

    # An event's entry in a cell or the agenda: written here rather than as macros because a
    # month shows up to 126 of them, and each macro's dozen calls through the template context
    # and escapes were a fifth of the page.

    def event_link(self, event) -> Markup:
        """The event's title linking to its page, with the translation marker and a badge when
        it is cancelled."""
        link = event_title_link(event, localized(event, "title"))
        if event.is_cancelled:
            link += Markup(f'\n<span class="badge text-bg-secondary">{self.cancelled}</span>')
        return link

    def event_time(self, entry) -> Markup:
        """The entry's time in its event's zone ("All day", "Continues" on the days after its
        first), the zone named; calendar-localtime.js adds the viewer's time."""
        event = entry.event
        zone = escape(event.timezone)
        if event.is_all_day:
            when = self.all_day
        elif entry.continues:
            when = self.continues
        else:
            start, end = event.start_dt, event.end_dt
            when = (
                f'<time datetime="{start.isoformat()}" data-zone="{zone}">'
                f"{escape(self.clock(start, event.timezone))}</time>–"
                f'<time datetime="{end.isoformat()}">{escape(self.clock(end, event.timezone))}'
                f'</time>\n<abbr title="{zone}" class="zone">'
                f"{escape(zone_abbreviation(start, event.timezone))}</abbr>"
            )
        return Markup(
            f'<span class="event-time">\n{when}\n<span class="zone-name">'
            f"({escape(self.zone_name(event.timezone))})</span>\n</span>"
        )

    def day_cell(self, day: date, entries, more: int, *, month: int, today: date, filter_args):
        """A day of the month grid: its number and full date, its first events and "+N more"
        linking to that day in the agenda (keeping the filters). Written here, not in the
        template, for the same reason as event_link: a grid has 35 to 42 of them."""
        classes = []
        if day.month != month:
            classes.append("other-month")
        if not entries:
            classes.append("no-events")
        is_today = day == today
        if is_today:
            classes.append("today")
        full_day = escape(self.full_day(day))
        current = ' aria-current="date"' if is_today else ""
        html = [
            f'<td class="{" ".join(classes)}"{current}>\n'
            f'<div class="day-label">\n<time datetime="{day.isoformat()}">'
            f'<span class="day-number" aria-hidden="true">{escape(self.number(day.day))}</span>'
            f'<span class="day-full">{full_day}</span></time>\n'
        ]
        if is_today:
            html.append(f'<span class="badge text-bg-primary today-badge">{self.today}</span>\n')
        html.append("</div>\n")
        if entries:
            html.append('<ul class="list-unstyled mb-0 day-events">\n')
            for entry in entries:
                cancelled = " is-cancelled" if entry.event.is_cancelled else ""
                html.append(
                    f'<li class="calendar-event{cancelled}">\n{self.event_link(entry.event)}\n'
                    f'<div class="small">{self.event_time(entry)}</div>\n</li>\n'
                )
            html.append("</ul>\n")
        if more:
            href = current_app.url_for("calendar.agenda", day=day.isoformat(), **filter_args)
            html.append(
                f'<a class="small day-more" href="{escape(href)}"'
                f' aria-label="{self.all_events_on(day)}">{self.more(more)}</a>\n'
            )
        html.append("</td>")
        return Markup("".join(html))
