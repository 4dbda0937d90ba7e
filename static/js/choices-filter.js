// Check box lists with a filter box (templates/_macros.html choice_list): typing hides the
// choices that do not contain what is typed (accents and case ignored), keeps ticked ones in
// view, and says how many are shown. Without scripts the box stays hidden and every choice shows.
(function () {
  "use strict";

  function fold(text) {
    return (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f\u064b-\u065f\u0670]/g, "")
      .toLocaleLowerCase();
  }

  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  document.querySelectorAll("[data-choice-filter]").forEach(function (box) {
    if (box.dataset.ready) {
      return;
    }
    box.dataset.ready = "1";
    var id = box.dataset.choiceFilter;
    var input = document.getElementById(id + "-filter");
    var count = document.getElementById(id + "-count");
    var list = document.getElementById(id + "-options");
    if (!input || !list) {
      return;
    }
    var choices = Array.prototype.slice.call(list.querySelectorAll("[data-choice]"));
    var names = choices.map(function (choice) {
      return fold(choice.textContent);
    });

    function apply() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      choices.forEach(function (choice, index) {
        var ticked = choice.querySelector("input").checked;
        var matches = words.every(function (word) {
          return names[index].indexOf(word) !== -1;
        });
        choice.hidden = !(matches || ticked);
        if (!choice.hidden) {
          shown += 1;
        }
      });
      if (count) {
        count.textContent = words.length
          ? count.dataset.template
              .replace("{shown}", numbers.format(shown))
              .replace("{total}", numbers.format(choices.length))
          : "";
      }
    }

    input.addEventListener("input", apply);
    // Enter in the filter must not send the form half filled.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    box.hidden = false;
  });
})();
