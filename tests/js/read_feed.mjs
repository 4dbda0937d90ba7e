// Reads an iCalendar feed on stdin with ical.js and prints every VEVENT's UTC instants as JSON.
// Times are computed from the feed's own VTIMEZONE text (ical.js knows no zone names), which is
// how Thunderbird and Nextcloud read it. A TZID with no VTIMEZONE is reported, not guessed.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const calendar = new ICAL.Component(ICAL.parse(text));
const zones = new Set();
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  zones.add(zone.tzid);
}

function instant(time) {
  if (!time) return null;
  const zone = time.zone ? time.zone.tzid : null;
  if (!time.isDate && (zone === "floating" || zone === null)) {
    throw new Error(`floating time ${time.toString()}`);
  }
  return { utc: time.toUnixTime(), isDate: time.isDate, tzid: zone, value: time.toString() };
}

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  for (const name of ["dtstart", "dtend"]) {
    const tzid = vevent.getFirstProperty(name)?.getParameter("tzid");
    if (tzid && !zones.has(tzid)) throw new Error(`TZID ${tzid} has no VTIMEZONE`);
  }
  return {
    uid: event.uid,
    summary: event.summary,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: instant(event.startDate),
    end: instant(event.endDate),
  };
});
process.stdout.write(JSON.stringify({ zones: [...zones], events }));
