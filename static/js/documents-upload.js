// Document uploads: refuse a file over the size limit before sending it, so the form (and
// what the user typed) stays exactly as it is; and the 413 page's "Back to your form" button.
// The warning is the alert's data-template, translated by the page; sizes are written in the
// page's language (<html lang>) with the browser's own unit names.
(function () {
  "use strict";

  var pageLanguage = document.documentElement.lang || "en";

  // Decimal units, as the server's l_filesize filter counts them.
  function humanSize(bytes) {
    var units = ["byte", "kilobyte", "megabyte", "gigabyte"];
    var value = bytes;
    var unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    var options = { style: "unit", unit: units[unit] };
    if (unit === 0) {
      options.unitDisplay = "long";
    } else {
      options.unitDisplay = "short";
      options.minimumFractionDigits = 0;
      options.maximumFractionDigits = 1;
    }
    try {
      return new Intl.NumberFormat(pageLanguage, options).format(value);
    } catch (error) {
      return new Intl.NumberFormat(undefined, options).format(value);
    }
  }

  document.querySelectorAll("form.js-document-upload").forEach(function (form) {
    var maxBytes = parseInt(form.dataset.maxBytes || "", 10);
    var input = form.querySelector('input[type="file"]');
    var alertBox = form.querySelector("#file-too-large");
    if (!input || !alertBox || !maxBytes) {
      return;
    }

    function tooLargeFile() {
      var files = input.files || [];
      for (var i = 0; i < files.length; i += 1) {
        if (files[i].size > maxBytes) {
          return files[i];
        }
      }
      return null;
    }

    function check() {
      var file = tooLargeFile();
      if (file) {
        // Functions as replacements, so a "$&" in a file name is not read as a pattern.
        alertBox.textContent = alertBox.dataset.template
          .replace("{name}", function () { return file.name; })
          .replace("{size}", function () { return humanSize(file.size); });
        alertBox.classList.remove("d-none");
        input.classList.add("is-invalid");
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "file-too-large");
        return false;
      }
      alertBox.classList.add("d-none");
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      return true;
    }

    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (!check()) {
        event.preventDefault();
        input.focus();
        return;
      }
      if (sendWithProgress(form)) {
        event.preventDefault();
      }
    });
  });

  // A large file over a slow line: send it with XMLHttpRequest to show how far it got, and
  // offer Cancel (abort). The answer is the page the plain form would have shown (the document
  // or the workflow page after the redirect, or the form with its errors): it replaces this one.
  function sendWithProgress(form) {
    var panel = form.querySelector("[data-upload-progress]");
    var status = form.querySelector("[data-upload-status]");
    if (!panel || !window.FormData || !window.XMLHttpRequest || form.dataset.sending) {
      return Boolean(form.dataset.sending);
    }
    var bar = panel.querySelector("progress");
    var amount = panel.querySelector("[data-upload-amount]");
    var cancel = panel.querySelector("[data-upload-cancel]");
    var submit = form.querySelector("button[type=submit]");
    var url = form.action || window.location.href;
    var xhr = new XMLHttpRequest();

    function finish(message) {
      delete form.dataset.sending;
      panel.hidden = true;
      if (submit) {
        submit.disabled = false;
      }
      if (status) {
        status.textContent = message || "";
      }
    }

    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) {
        return;
      }
      var percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      amount.textContent = humanSize(event.loaded) + " / " + humanSize(event.total);
    });
    xhr.addEventListener("load", function () {
      var redirected = xhr.responseURL && xhr.responseURL !== url;
      var html = xhr.responseText;
      document.open();
      document.write(html);
      document.close();
      if (redirected) {
        window.history.replaceState(null, "", xhr.responseURL);
        if (document.getElementById("documents")) {
          window.location.hash = "documents";
        }
      }
    });
    xhr.addEventListener("abort", function () {
      finish(panel.dataset.cancelled);
      form.querySelector('input[type="file"]').focus();
    });
    xhr.addEventListener("error", function () {
      finish(panel.dataset.failed);
    });
    cancel.addEventListener("click", function () {
      xhr.abort();
    }, { once: true });

    form.dataset.sending = "1";
    bar.value = 0;
    amount.textContent = "";
    if (status) {
      status.textContent = "";
    }
    panel.hidden = false;
    if (submit) {
      submit.disabled = true;
    }
    xhr.open("POST", url);
    xhr.send(new FormData(form));
    cancel.focus();
    return true;
  }

  document.querySelectorAll(".js-history-back").forEach(function (button) {
    button.addEventListener("click", function () {
      window.history.back();
    });
  });
})();
