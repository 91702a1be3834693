// The target form (/plans/targets/<code>/edit/): the fields of a live target (indicator, unit, history by)
// only show when "Live" is the source. Without JavaScript they all show and the server ignores them for a
// manual target.
(function () {
  "use strict";
  var LIVE_ONLY = ["dx", "org_unit", "series_period"];

  function sync(form) {
    var source = form.querySelector("select[name='source']");
    if (!source) return;
    var live = source.value === "analytics";
    LIVE_ONLY.forEach(function (name) {
      var box = form.querySelector("[data-field='" + name + "']");
      if (box) box.hidden = !live;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-source-form]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target && event.target.name === "source") sync(form);
      });
    });
  });
})();
