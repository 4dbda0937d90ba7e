// Document uploads: refuse a file over the size limit before sending it, so the form (and
// what the user typed) stays exactly as it is; and the 413 page's "Back to your form" button.
(function () {
  "use strict";

  function humanSize(bytes) {
    var units = ["bytes", "kB", "MB", "GB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
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
        alertBox.textContent = alertBox.dataset.template
          .replace("{name}", file.name)
          .replace("{size}", humanSize(file.size));
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
      }
    });
  });

  document.querySelectorAll(".js-history-back").forEach(function (button) {
    button.addEventListener("click", function () {
      window.history.back();
    });
  });
})();
