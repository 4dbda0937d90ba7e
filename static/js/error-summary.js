// The error summary at the top of a form (templates/_macros.html form_errors): focus moves to it
// when the page loads, so a screen reader reads the problems and the keyboard starts there; its
// links move the focus into the field they name and show its label. Without scripts the
// summary's autofocus attribute does the first part and the links still lead to each field.
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary || summary.dataset.ready) {
    return;
  }
  summary.dataset.ready = "1";
  summary.focus();

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) {
      return;
    }
    event.preventDefault();
    // The label (or a check box list's legend) is scrolled into view with its field.
    var fieldset = target.closest("fieldset.choice-list");
    var label = fieldset ? fieldset.querySelector("legend")
      : document.querySelector("label[for='" + target.id + "']");
    (label || target).scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", link.hash);
    }
  });
})();
