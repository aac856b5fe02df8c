/* Admin changelist: picking a value in an autocomplete filter submits its form
   (templates/admin/articles/article/autocomplete_filter.html). A file rather
   than an inline script, so the admin runs under script-src 'self'. */
window.addEventListener("load", function () {
  document.querySelectorAll("form[data-autocomplete-filter]").forEach(function (form) {
    if (form.dataset.bound) { return; }
    form.dataset.bound = "1";
    django.jQuery(form).find("select").on("change", function () { form.submit(); });
  });
});
