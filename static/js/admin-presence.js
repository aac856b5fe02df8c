// The article change form's presence panel (templates/admin/articles/article/presence.html): a heartbeat POST
// every data-every seconds to data-url (CSRF token from the page's form), and the answer shown in the panel.
(function () {
  "use strict";
  const panel = document.getElementById("presence-panel");
  if (!panel) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const others = panel.querySelector(".presence-others");
  const every = (parseInt(panel.dataset.every, 10) || 20) * 1000;

  function show(data) {
    others.textContent = data.others.length
      ? "Also open by: " + data.others.map((row) => row.name).join(", ")
      : "Nobody else has this article open.";
  }

  function beat() {
    fetch(panel.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch" },
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => data && show(data))
      .catch(() => {});
  }

  beat();
  window.setInterval(beat, every);
})();
