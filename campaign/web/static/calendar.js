// The month grid by keyboard: arrow keys move between days (Home/End: the week's first and last
// day, Page Up/Down: the previous/next month). Every day is a link anyway: this only adds moves.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.getElementById("month-grid");
  if (!grid) return;
  const links = Array.from(grid.querySelectorAll("td.day a.daylink"));
  const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
  grid.addEventListener("keydown", (event) => {
    const at = links.indexOf(document.activeElement);
    if (at < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    let to = null;
    if (event.key in moves) to = at + moves[event.key];
    else if (event.key === "Home") to = at - (at % 7);
    else if (event.key === "End") to = at - (at % 7) + 6;
    else if (event.key === "PageUp" || event.key === "PageDown") {
      const rel = event.key === "PageUp" ? "prev" : "next";
      const link = document.querySelector(`.calnav a[rel="${rel}"]`);
      if (link) { event.preventDefault(); window.location.assign(link.href); }
      return;
    }
    if (to === null || to < 0 || to >= links.length) return;
    event.preventDefault();
    links[to].focus();
  });
});
