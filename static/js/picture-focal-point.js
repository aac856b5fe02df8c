// The picture admin: click the image to set the focal point (fills focal_x and focal_y, 0..1).
// A file of its own, no inline script: the admin's Content-Security-Policy allows 'self' scripts only.
(function () {
  "use strict";
  function place(box, x, y) {
    var mark = box.querySelector(".focal-point__mark");
    mark.style.left = (x * 100) + "%";
    mark.style.top = (y * 100) + "%";
  }
  function round(value) {
    return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".focal-point");
    var fieldX = document.getElementById("id_focal_x");
    var fieldY = document.getElementById("id_focal_y");
    if (!box || !fieldX || !fieldY) {
      return;
    }
    var image = box.querySelector("img");
    place(box, parseFloat(box.dataset.focalX), parseFloat(box.dataset.focalY));
    image.addEventListener("click", function (event) {
      var rect = image.getBoundingClientRect();
      var x = round((event.clientX - rect.left) / rect.width);
      var y = round((event.clientY - rect.top) / rect.height);
      fieldX.value = x;
      fieldY.value = y;
      place(box, x, y);
    });
    [fieldX, fieldY].forEach(function (field) {
      field.addEventListener("input", function () {
        place(box, parseFloat(fieldX.value) || 0, parseFloat(fieldY.value) || 0);
      });
    });
  });
})();
