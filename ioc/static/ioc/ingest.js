/* The import page: refuse a file larger than the limit before it is sent (the server refuses it too). */
(function () {
  "use strict";

  function setup() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    var input = form.querySelector("input[type=file]");
    var error = document.getElementById("file-size-error");
    var limit = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    if (!input || !error || !limit) return;

    function check() {
      var file = input.files && input.files[0];
      var tooLarge = !!file && file.size > limit;
      error.hidden = !tooLarge;
      error.textContent = tooLarge ? form.getAttribute("data-too-large") : "";
      input.setCustomValidity(tooLarge ? error.textContent : "");
      return !tooLarge;
    }

    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (!check()) {
        event.preventDefault();
        input.focus();
        return;
      }
      var button = document.getElementById("upload-submit");
      if (button) button.setAttribute("aria-busy", "true");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
