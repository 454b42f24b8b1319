// The dashboard's shared enhancements. Every page works without them; no inline script anywhere.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // a "select all" box ticks every box of its form's list
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    all.addEventListener("change", () => {
      for (const box of all.form.querySelectorAll(`input[name="${all.dataset.selectAll}"]`)) {
        box.checked = all.checked;
      }
    });
  }
});
