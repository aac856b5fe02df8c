// Names for the admin's autocomplete boxes (Django's select2), which select2 leaves without one: each box is named
// by its <select>'s <label>, its search field too. Watches the page, because select2 draws these after load and
// again on each change. Loaded on every admin page (templates/admin/base_site.html).
"use strict";
(function () {
  let pending = false;

  function labelFor(select) {
    const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    if (!label) return null;
    if (!label.id) label.id = `${select.id}-label`;
    return label;
  }

  function name() {
    pending = false;
    document.querySelectorAll("select.select2-hidden-accessible").forEach((select) => {
      const container = select.nextElementSibling;
      const label = labelFor(select);
      if (!container || !container.classList.contains("select2") || !label) return;
      const text = label.textContent.replace(/[:*\s]+$/, "").trim();
      const combobox = container.querySelector(".select2-selection");
      const rendered = container.querySelector(".select2-selection__rendered");
      if (combobox) {
        const ids = [label.id];
        if (rendered && rendered.id && combobox.classList.contains("select2-selection--single")) ids.push(rendered.id);
        combobox.setAttribute("aria-labelledby", ids.join(" "));
      }
      if (rendered && rendered.getAttribute("role") === "textbox") rendered.setAttribute("aria-labelledby", label.id);
      if (rendered && rendered.tagName === "UL") {
        for (const child of rendered.children) if (child.tagName !== "LI") child.setAttribute("role", "listitem");
      }
      container.querySelectorAll(".select2-search__field").forEach((field) => {
        field.setAttribute("aria-label", `Search ${text.toLowerCase()}`);
      });
    });
    // The search box of an open single-choice dropdown, drawn at the end of the page.
    document.querySelectorAll(".select2-dropdown .select2-search__field:not([aria-label])").forEach((field) => {
      field.setAttribute("aria-label", "Search");
    });
  }

  function soon() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(name);
    }
  }

  function start() {
    name();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("load", soon);
})();
