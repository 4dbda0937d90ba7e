// Copy buttons of the feed panels: <button data-feeds-copy="INPUT_ID"> copies that input's value
// and reports it in the element with data-feeds-copy-status="INPUT_ID" (an aria-live region).
// The messages come, already translated, from that element's data-copied-message and
// data-copy-failed-message attributes: this script holds no text of its own.
(function () {
  "use strict";
  if (window.feedsCopyReady) return; // the partial may be included more than once
  window.feedsCopyReady = true;

  function report(id, copied) {
    var status = document.querySelector('[data-feeds-copy-status="' + id + '"]');
    if (!status) return;
    status.textContent = copied ? status.dataset.copiedMessage : status.dataset.copyFailedMessage;
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-feeds-copy]");
    if (!button) return;
    var id = button.getAttribute("data-feeds-copy");
    var input = document.getElementById(id);
    if (!input) return;
    var done = function () { report(id, true); };
    var failed = function () {
      input.select();
      report(id, fallbackCopy(input));
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, failed);
    } else {
      failed();
    }
  });
})();
