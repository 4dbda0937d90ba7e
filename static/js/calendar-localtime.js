// Adds the viewer's own time next to an event time when the viewer's zone differs from the
// event's. The page is complete without it: every time is already shown in the event's zone.
(function () {
  "use strict";
  var viewerZone;
  try {
    viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!viewerZone) return;
  var lang = document.documentElement.lang || undefined;

  function wallTime(date, zone) {
    return new Intl.DateTimeFormat(lang, {
      weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: zone
    }).format(date);
  }

  document.querySelectorAll(".calendar-page").forEach(function (page) {
    var label = page.getAttribute("data-viewer-time-label") || "";
    page.querySelectorAll("time[data-zone]").forEach(function (element) {
      var eventZone = element.getAttribute("data-zone");
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime()) || eventZone === viewerZone) return;
      var inViewerZone, inEventZone;
      try {
        inViewerZone = wallTime(date, viewerZone);
        inEventZone = wallTime(date, eventZone);
      } catch (e) {
        return;
      }
      if (inViewerZone === inEventZone) return;
      var note = document.createElement("span");
      note.className = "viewer-time d-block text-body-secondary";
      var shown = new Intl.DateTimeFormat(lang, {
        weekday: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short"
      }).format(date);
      note.textContent = "(" + label + ": " + shown + ")";
      var holder = element.closest(".event-time") || element.parentNode;
      holder.appendChild(note);
    });
  });
})();
