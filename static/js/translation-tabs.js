// The text in several languages (templates/_translations.html) as tabs: one tab for the original,
// one per other language. Without scripts every language's fieldset shows, one below the other.
// Keyboard: the tab list is one stop (Tab), arrow keys move between tabs (mirrored right to
// left), Home and End go to the first and last; the WAI-ARIA tabs pattern with manual focus.
(function () {
  "use strict";

  document.querySelectorAll("[data-translation-tabs]").forEach(function (box, boxIndex) {
    if (box.dataset.ready) {
      return;
    }
    box.dataset.ready = "1";
    var panels = Array.prototype.slice.call(box.querySelectorAll(".translation-panel"));
    var original = box.querySelector("[data-original]");
    var select = original ? original.querySelector("select[name$='language']") : null;
    var intro = box.querySelector("[data-translations-intro]");
    var list = document.createElement("div");
    list.className = "nav nav-tabs mb-3";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", box.dataset.tablistLabel || "");
    var tabs = panels.map(function (panel, index) {
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "nav-link";
      tab.id = (panel.id || "translation-panel-" + boxIndex + "-" + index) + "-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      var legend = panel.querySelector("[data-tab-label]");
      tab.innerHTML = legend ? legend.innerHTML : String(index + 1);
      if (panel.dataset.language) {
        tab.dataset.language = panel.dataset.language;
      }
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = -1;
      if (legend) {
        legend.classList.add("visually-hidden");
      }
      list.appendChild(tab);
      return tab;
    });
    box.insertBefore(list, panels[0]);
    if (intro) {
      list.insertAdjacentElement("afterend", intro);
    }

    function visible() {
      return tabs.filter(function (tab) {
        return !tab.hidden;
      });
    }

    function show(chosen, focus) {
      tabs.forEach(function (tab, index) {
        var selected = tab === chosen;
        tab.classList.toggle("active", selected);
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        panels[index].hidden = !selected;
      });
      if (focus) {
        chosen.focus();
      }
    }

    // The original's language has no translation tab: its text is the original's fields.
    function followOriginal() {
      var language = select ? select.value : null;
      tabs.forEach(function (tab) {
        tab.hidden = Boolean(tab.dataset.language) && tab.dataset.language === language;
      });
      var current = tabs.filter(function (tab) {
        return tab.getAttribute("aria-selected") === "true";
      })[0];
      if (!current || current.hidden) {
        show(tabs[0], false);
      }
    }

    tabs.forEach(function (tab) {
      tab.addEventListener("click", function () {
        show(tab, false);
      });
      tab.addEventListener("keydown", function (event) {
        var shown = visible();
        var at = shown.indexOf(tab);
        var rtl = getComputedStyle(list).direction === "rtl";
        var next = null;
        if (event.key === "ArrowRight") {
          next = shown[(at + (rtl ? -1 : 1) + shown.length) % shown.length];
        } else if (event.key === "ArrowLeft") {
          next = shown[(at + (rtl ? 1 : -1) + shown.length) % shown.length];
        } else if (event.key === "Home") {
          next = shown[0];
        } else if (event.key === "End") {
          next = shown[shown.length - 1];
        }
        if (next) {
          event.preventDefault();
          show(next, true);
        }
      });
    });
    if (select) {
      select.addEventListener("change", followOriginal);
    }

    // A panel holding an error opens first, so the error summary's links land on a shown field.
    var withError = panels.filter(function (panel) {
      return panel.querySelector(".is-invalid, .invalid-feedback");
    })[0];
    show(withError ? tabs[panels.indexOf(withError)] : tabs[0], false);
    followOriginal();
    // A link to a field in a hidden panel (the error summary) opens that panel.
    window.addEventListener("hashchange", function () {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      var panel = target ? target.closest(".translation-panel") : null;
      if (panel && panels.indexOf(panel) !== -1 && panel.hidden) {
        show(tabs[panels.indexOf(panel)], false);
        target.focus();
      }
    });
  });
})();
