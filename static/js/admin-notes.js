// Mentions in the notes panel (templates/admin/articles/article/notes_panel.html): typing "@" and the start of a
// name lists matching people (admin:mention_suggestions); choosing one writes "@username ". Without JavaScript,
// typing the username works the same: mentions are read on the server.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.mentionsUrl;
  if (!url) return;
  var timer = null;

  function fragment(area) {
    var before = area.value.slice(0, area.selectionStart);
    var match = /(^|[^\w@.+-])@([\w.@+-]*)$/.exec(before);
    return match ? match[2] : null;
  }

  function listFor(area) {
    var list = area.parentNode.querySelector(".mention-list");
    if (!list) {
      list = document.createElement("ul");
      list.className = "mention-list";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "People to mention");
      area.insertAdjacentElement("afterend", list);
    }
    return list;
  }

  function choose(area, username) {
    var start = area.selectionStart;
    var before = area.value.slice(0, start).replace(/@[\w.@+-]*$/, "@" + username + " ");
    area.value = before + area.value.slice(start);
    area.selectionStart = area.selectionEnd = before.length;
    listFor(area).replaceChildren();
    area.focus();
  }

  function suggest(area) {
    var term = fragment(area);
    var list = listFor(area);
    if (term === null) { list.replaceChildren(); return; }
    fetch(url + "?q=" + encodeURIComponent(term), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { people: [] }; })
      .then(function (data) {
        list.replaceChildren();
        data.people.forEach(function (person) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "mention-choice";
          button.textContent = "@" + person.username + (person.name ? " (" + person.name + ")" : "");
          button.addEventListener("click", function () { choose(area, person.username); });
          item.appendChild(button);
          list.appendChild(item);
        });
      });
  }

  document.addEventListener("input", function (event) {
    if (!event.target.classList || !event.target.classList.contains("note-text")) return;
    clearTimeout(timer);
    var area = event.target;
    timer = setTimeout(function () { suggest(area); }, 150);
  });
})();
