// Search-as-you-type over the filter form's topic checkboxes. Without script the full list
// still shows (it scrolls); with it, a box above the list hides the topics that do not match.
// A separate file, not inline: the Content-Security-Policy allows scripts from this site only.
"use strict";

(function () {
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  }

  function wire(input) {
    var list = document.getElementById(input.dataset.filters);
    var status = document.getElementById(input.id + "-status");
    if (!list) return;
    var checks = Array.prototype.slice.call(list.querySelectorAll(".check"));
    input.closest("[hidden]").hidden = false;
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var shown = 0;
      checks.forEach(function (check) {
        var match = !wanted || check.querySelector("input").checked || fold(check.textContent).indexOf(wanted) !== -1;
        check.hidden = !match;
        if (match) shown += 1;
      });
      if (status) status.textContent = wanted ? shown + " of " + checks.length + " topics" : "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-filters]").forEach(wire);
  });
})();
