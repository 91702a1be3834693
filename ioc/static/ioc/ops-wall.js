/* Wall-display mode of the operations screen (/ops/wall/): the dashboards in turn, each for its
 * rotate_seconds, with a progress bar under the current tab, a clock in the province's time, and controls
 * (previous, pause, next, full screen; also ←, →, space). ops.js loads the data and polls it for changes
 * every few seconds; this file only chooses which dashboard it shows.
 */
(function () {
  "use strict";

  var ops = window.IocOps;
  if (!ops || ops.config.mode !== "wall") return;
  var t = ops.t;
  var boards = ops.config.dashboards;
  var index = Math.max(0, boards.map(function (d) { return d.code; }).indexOf(ops.config.code));
  var timer = null;
  var scroller = null;
  var paused = false;
  var root = document.getElementById("ops");
  var pause = document.getElementById("wall-pause");

  function markTabs(code) {
    document.querySelectorAll(".wall-tabs__tab").forEach(function (tab) {
      var current = tab.getAttribute("data-code") === code;
      if (current) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
      var bar = tab.querySelector(".wall-tabs__progress");
      bar.style.animation = "none";
      if (current && !paused && boards.length > 1) {
        void bar.offsetWidth; // restart the CSS animation
        bar.style.animation = "ops-progress " + boards[index].rotate_seconds + "s linear forwards";
      }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    if (paused || boards.length < 2) return;
    timer = window.setTimeout(function () { show(index + 1); }, boards[index].rotate_seconds * 1000);
  }

  /* A dashboard taller than the screen: nobody scrolls a wall, so it scrolls itself, down halfway through
   * the dashboard's time and back up at the end (or every half-period when it is the only one). */
  function cycleScroll() {
    window.clearInterval(scroller);
    window.scrollTo({ top: 0 });
    var half = Math.max(5, boards[index].rotate_seconds / 2) * 1000;
    var down = false;
    scroller = window.setInterval(function () {
      if (paused) return;
      var room = document.documentElement.scrollHeight - window.innerHeight;
      down = !down && room > 8;
      window.scrollTo({ top: down ? room : 0, behavior: "smooth" });
    }, half);
  }

  function show(i) {
    index = (i + boards.length) % boards.length;
    markTabs(boards[index].code);
    schedule();
    cycleScroll();
    ops.show(boards[index].code);
  }

  function togglePause() {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? t("resume") : t("pause");
    root.classList.toggle("wall--paused", paused);
    markTabs(boards[index].code);
    schedule();
  }

  document.getElementById("wall-next").addEventListener("click", function () { show(index + 1); });
  document.getElementById("wall-prev").addEventListener("click", function () { show(index - 1); });
  pause.addEventListener("click", togglePause);
  document.getElementById("wall-fullscreen").addEventListener("click", function () {
    // Browsers refuse full screen without a user gesture or in some kiosks: then nothing happens, quietly.
    if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") show(index + 1);
    else if (e.key === "ArrowLeft") show(index - 1);
    else if (e.key === " " && e.target === document.body) {
      e.preventDefault();
      togglePause();
    }
  });

  // Moving the pointer shows the controls for a few seconds; on the wall nobody touches it.
  var pointerTimer = null;
  document.addEventListener("mousemove", function () {
    root.classList.add("wall--pointer");
    window.clearTimeout(pointerTimer);
    pointerTimer = window.setTimeout(function () { root.classList.remove("wall--pointer"); }, 3000);
  });

  var clock = document.getElementById("wall-clock");
  var day = document.getElementById("wall-date");
  function tick() {
    var p = ops.clock(new Date());
    clock.textContent = p.hour + ":" + p.minute + ":" + p.second;
    day.textContent = p.day + "/" + p.month + "/" + p.year;
  }
  tick();
  window.setInterval(tick, 1000);
  show(index);
})();
