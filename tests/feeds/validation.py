"""Every feed the suite produces goes through validate_feed(): five independent parsers plus the
octet-level rules that no parser checks (see shared/ICAL.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream

JS_DIR = Path(__file__).resolve().parent.parent / "js"
JS_READER = JS_DIR / "read_feed.mjs"
# libical comes from Debian (gir1.2-ical-3.0 + python3-gi) for Debian's own Python, not our venv.
SYSTEM_PYTHON = Path("/usr/bin/python3")
LIBICAL_READER = Path(__file__).resolve().parent.parent / "libical" / "read_feed.py"


def ical_js_available() -> tuple[bool, str]:
    if shutil.which("node") is None:
        return False, "node is not installed (CI installs it; see .ci/run)"
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        return False, "ical.js is not installed: run `npm ci --prefix tests/js` (.ci/run does)"
    return True, ""


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_ical_js() -> None:
    """Skip the calling test when node or ical.js is missing on a developer's machine; under
    CI=true fail instead, so a CI run can never pass without ical.js having read the feeds."""
    available, reason = ical_js_available()
    if available:
        return
    if running_in_ci():
        pytest.fail(f"CI=true, but {reason}")
    pytest.skip(reason)


def read_with_ical_js(body: bytes) -> dict:
    """ical.js's reading of the feed: {uid: {"start": epoch, "end": epoch, ...}}."""
    require_ical_js()
    result = subprocess.run(
        ["node", str(JS_READER)], input=body, capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return json.loads(result.stdout)


@lru_cache(maxsize=1)
def libical_available() -> tuple[bool, str]:
    if not SYSTEM_PYTHON.exists():
        return False, f"{SYSTEM_PYTHON} is missing (libical is read through Debian's python3-gi)"
    probe = subprocess.run(
        [
            str(SYSTEM_PYTHON),
            "-c",
            "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        return False, (
            "libical is not installed for /usr/bin/python3: "
            "`apt-get install -y gir1.2-ical-3.0 python3-gi` (.ci/run does)"
        )
    return True, ""


def read_with_libical(body: bytes) -> dict | None:
    """libical's reading of the feed ({"zones": [...], "events": [...]}, as ical.js's), or None
    when libical is not installed here. Under CI=true a missing libical fails instead."""
    available, reason = libical_available()
    if not available:
        if running_in_ci():
            pytest.fail(f"CI=true but {reason}")
        return None
    result = subprocess.run(
        [str(SYSTEM_PYTHON), str(LIBICAL_READER)],
        input=body,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return json.loads(result.stdout)


def check_octets(body: bytes) -> list[bytes]:
    """CRLF only, no BOM, no line over 75 octets, folds between characters, valid UTF-8."""
    assert not body.startswith(b"\xef\xbb\xbf"), "BOM"
    body.decode("utf-8")  # strict: raises on invalid UTF-8
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, f"bare CR or LF in {line[:80]!r}"
        assert len(line) <= 75, f"{len(line)} octets: {line[:80]!r}"
        line.decode("utf-8")  # every physical line decodes alone: no character was split
        assert not any(b < 0x20 and b != 0x09 for b in line), f"control character in {line!r}"
    return lines


def unfolded(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def check_structure(body: bytes) -> None:
    lines = unfolded(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert not any(line.startswith(("ATTENDEE", "RSVP")) for line in lines)
    refresh = [line.split(":", 1)[1] for line in lines if line.startswith("REFRESH-INTERVAL")]
    ttl = [line.split(":", 1)[1] for line in lines if line.startswith("X-PUBLISHED-TTL")]
    assert refresh and refresh == ttl
    assert any(line.startswith("NAME:") for line in lines)
    assert any(line.startswith("X-WR-CALNAME:") for line in lines)


def check_with_icalendar(body: bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(body)
    assert not calendar.get_missing_tzids(), calendar.get_missing_tzids()
    uids: list[str] = []
    used_zones: set[str] = set()
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
        if component.name == "VEVENT":
            uids.append(str(component["UID"]))
            assert "DTSTAMP" in component and component["DTSTAMP"].dt.tzinfo is not None
            assert "DURATION" not in component
            start, end = component["DTSTART"].dt, component["DTEND"].dt
            if isinstance(start, datetime):
                assert start.tzinfo is not None, "floating time"
                assert end > start
                for prop in ("DTSTART", "DTEND"):
                    tzid = component[prop].params.get("TZID")
                    if tzid:
                        used_zones.add(tzid)
                        assert not component[prop].to_ical().endswith(b"Z")
            else:
                assert "TZID" not in component["DTSTART"].params
                assert end > start
    assert len(uids) == len(set(uids)), "duplicate UIDs"
    declared = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert len(declared) == len(set(declared)), "a zone declared twice"
    assert set(declared) == used_zones, f"declared {declared}, used {used_zones}"
    return calendar


def check_with_vobject(body: bytes):
    # vobject keeps the first VTIMEZONE it ever saw per TZID in a process-wide registry; forget
    # them so this feed is read from its own VTIMEZONE text, as a fresh client would.
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [name for name in registry if name != "UTC"]:
        del registry[tzid]
    return vobject.readOne(body.decode("utf-8"), validate=True)


def check_with_ical(body: bytes):
    return IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))


def validate_feed(body: bytes, with_js: bool = True) -> dict:
    """Run every check; return each parser's UTC instants by UID (for timed events).

    The Python readers always run. ical.js and libical read too when they are installed (and must
    be under CI=true); without one, the result lacks its key and `reading()` skips only that case.
    """
    check_octets(body)
    check_structure(body)
    calendar = check_with_icalendar(body)
    readings: dict[str, dict[str, tuple[int, int]]] = {"icalendar": {}, "vobject": {}, "ical": {}}
    for event in calendar.walk("VEVENT"):
        readings["icalendar"][str(event["UID"])] = _instants(event["DTSTART"].dt, event["DTEND"].dt)
    parsed = check_with_vobject(body)
    for event in getattr(parsed, "vevent_list", []):
        readings["vobject"][event.uid.value] = _instants(event.dtstart.value, event.dtend.value)
    for event in check_with_ical(body).events:
        readings["ical"][event.uid] = _instants(event.dtstart, event.dtend)
    if with_js and (ical_js_available()[0] or running_in_ci()):
        js = read_with_ical_js(body)
        readings["ical.js"] = {
            e["uid"]: (e["start"]["utc"], e["end"]["utc"])
            for e in js["events"]
            if not e["start"]["isDate"]
        }
    libical = read_with_libical(body)
    if libical is not None:
        readings["libical"] = {
            e["uid"]: (e["start"]["utc"], e["end"]["utc"])
            for e in libical["events"]
            if not e["start"]["isDate"]
        }
    return readings


PARSERS = ("ical.js", "vobject", "ical", "icalendar", "libical")


def reading(readings: dict, parser: str) -> dict:
    """One parser's readings; the ical.js and libical cases alone skip (outside CI) when their
    reader is missing here."""
    if parser == "ical.js" and parser not in readings:
        require_ical_js()
    if parser == "libical" and parser not in readings:
        pytest.skip(libical_available()[1])
    return readings[parser]


def _instants(start, end):
    if not isinstance(start, datetime):
        return None
    return (int(start.astimezone(UTC).timestamp()), int(end.astimezone(UTC).timestamp()))
