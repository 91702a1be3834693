/* ioc's own script: no inline scripts anywhere (the Content-Security-Policy allows only 'self').
 *
 * htmx requests that change anything must carry Django's CSRF token: it is read from the csrftoken cookie
 * (CSRF_COOKIE_HTTPONLY is False for this reason), or from a hidden csrfmiddlewaretoken field on the page,
 * and sent as the X-CSRFToken header. */
(function () {
  "use strict";

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.substring(0, name.length + 1) === name + "=") {
        return decodeURIComponent(part.substring(name.length + 1));
      }
    }
    return null;
  }

  function csrfToken() {
    var fromCookie = cookie("csrftoken");
    if (fromCookie) return fromCookie;
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : null;
  }

  var SAFE = { GET: true, HEAD: true, OPTIONS: true, TRACE: true };

  document.addEventListener("htmx:configRequest", function (event) {
    var verb = (event.detail.verb || "get").toUpperCase();
    if (SAFE[verb]) return;
    var token = csrfToken();
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });

  /* A short "busy" state on the element that started a request. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt) event.detail.elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt) event.detail.elt.removeAttribute("aria-busy");
  });

  /* Close the user menu when clicking elsewhere or pressing Escape. */
  document.addEventListener("click", function (event) {
    var open = document.querySelectorAll("details.user-menu[open]");
    for (var i = 0; i < open.length; i++) {
      if (!open[i].contains(event.target)) open[i].removeAttribute("open");
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelectorAll("details.user-menu[open]");
    for (var i = 0; i < open.length; i++) {
      open[i].removeAttribute("open");
      var summary = open[i].querySelector("summary");
      if (summary) summary.focus();
    }
  });
})();
