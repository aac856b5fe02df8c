// The article body's editor: "Write" and "Preview" tabs over the Markdown textarea. The preview is the HTML the
// site shows, made by the server (admin/preview-body/, articles/admin/preview.py) with the site's own sanitiser.
"use strict";
(function () {
  const script = document.currentScript;
  function setUp() {
    const textarea = document.getElementById("id_body");
    if (!textarea || textarea.dataset.preview) return;
    textarea.dataset.preview = "on";
    const form = textarea.form;
    const url = script.dataset.previewUrl;

    const tabs = document.createElement("div");
    tabs.className = "body-editor-tabs";
    tabs.setAttribute("role", "tablist");
    tabs.setAttribute("aria-label", "Body editor");
    const write = tab("Write", "body-write-tab", true);
    const preview = tab("Preview", "body-preview-tab", false);
    tabs.append(write, preview);

    const panel = document.createElement("div");
    panel.id = "body-preview";
    panel.className = "body-preview";
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", "body-preview-tab");
    panel.setAttribute("aria-live", "polite");
    panel.tabIndex = 0;
    panel.hidden = true;
    textarea.setAttribute("role", "tabpanel");
    textarea.setAttribute("aria-labelledby", "body-write-tab");
    write.setAttribute("aria-controls", textarea.id);
    preview.setAttribute("aria-controls", panel.id);

    // One box for the tabs, the textarea and the preview: the admin lays a field's parts out in a row.
    const editor = document.createElement("div");
    editor.className = "body-editor";
    textarea.before(editor);
    editor.append(tabs, textarea, panel);

    function tab(text, id, selected) {
      const button = document.createElement("button");
      button.type = "button";
      button.id = id;
      button.textContent = text;
      button.setAttribute("role", "tab");
      button.setAttribute("aria-selected", String(selected));
      return button;
    }

    function show(previewing) {
      write.setAttribute("aria-selected", String(!previewing));
      preview.setAttribute("aria-selected", String(previewing));
      textarea.hidden = previewing;
      panel.hidden = !previewing;
    }

    write.addEventListener("click", () => { show(false); textarea.focus(); });
    preview.addEventListener("click", async () => {
      panel.textContent = "Rendering…";
      show(true);
      const data = new FormData();
      data.append("body", textarea.value);
      const title = document.getElementById("id_title");
      if (title) data.append("title", title.value);
      const token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
      try {
        const response = await fetch(url, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": token ? token.value : "" },
        });
        // The server's HTML went through the site's allow-list sanitiser (articles/rendering.py).
        panel.innerHTML = await response.text();
      } catch (error) {
        panel.textContent = "The preview could not be loaded: " + error.message;
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
