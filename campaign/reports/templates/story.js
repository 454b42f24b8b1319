// The December story's own script (inlined; the page's Content-Security-Policy allows it by
// its hash and nothing else). Progressive enhancement: without it every month is shown. With
// it, and unless the reader asks for reduced motion, each month fades in as it scrolls into
// view, and the month index marks where the reader is.
(function () {
  "use strict";
  var root = document.documentElement;
  var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter"));
  var links = Array.prototype.slice.call(document.querySelectorAll(".months a"));
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var watching = null;

  function show(chapter) {
    chapter.classList.add("seen");
    if (watching) { watching.unobserve(chapter); }
  }

  function showAll() {
    root.classList.remove("reveal");
    chapters.forEach(show);
  }

  function here(id) {
    links.forEach(function (link) {
      if (link.getAttribute("href") === "#" + id) {
        link.setAttribute("aria-current", "step");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  root.setAttribute("data-motion", still.matches ? "reduce" : "full");
  if (still.matches || !("IntersectionObserver" in window)) {
    showAll();
  } else {
    root.classList.add("reveal");
    watching = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { show(entry.target); }
      });
    }, { rootMargin: "0px 0px -5% 0px" });  // any part of it in view: a month taller than
    // twenty screens never reaches a share of itself in view, but always shows a part
    chapters.forEach(function (chapter) { watching.observe(chapter); });
  }

  if ("IntersectionObserver" in window) {
    var reading = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { here(entry.target.id); }
      });
    }, { rootMargin: "-40% 0px -55% 0px" });
    chapters.forEach(function (chapter) { reading.observe(chapter); });
  }

  // a reader who switches reduced motion on while reading gets everything at once
  still.addEventListener("change", function (event) {
    root.setAttribute("data-motion", event.matches ? "reduce" : "full");
    if (event.matches) { showAll(); }
  });

  // a month reached by keyboard or by a link is shown at once, never focused while hidden
  document.addEventListener("focusin", function (event) {
    var chapter = event.target.closest ? event.target.closest(".chapter") : null;
    if (chapter) { show(chapter); }
  });
  window.addEventListener("hashchange", function () {
    var target = document.getElementById(window.location.hash.slice(1));
    if (target && target.classList.contains("chapter")) {
      show(target);
      target.focus({ preventScroll: true });
    }
  });
})();
