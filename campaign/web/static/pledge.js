// The pledge form's live help: word counters on the limited answers, and the SMART check's
// feedback as the pledger types. The form works without it; the server checks everything again.
"use strict";
(() => {
  // the same word rule as campaign/pledges/words.py: a word is a run of non-white-space
  const countWords = (text) => (text.match(/\S+/g) || []).length;
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_m, key) => String(values[key]));

  function setUpCounter(field) {
    const max = Number(field.dataset.maxWords);
    const out = document.getElementById(`count-${field.id}`);
    const form = field.form;
    if (!out || !max || !form) return;
    const words = form.dataset.wordsText || "{n} / {max} words";
    const over = form.dataset.overText || "{n} words, over the limit of {max}: shorten it.";
    let wasOver = null;
    const update = () => {
      const n = countWords(field.value);
      const isOver = n > max;
      out.textContent = isOver ? fill(over, { n, max }) : fill(words, { n, max });
      out.classList.toggle("problem", isOver);
      if (isOver !== wasOver) {
        // the server's own problem, if the page shows one, is kept until the field is fixed
        if (isOver) field.setAttribute("aria-invalid", "true");
        else if (!document.getElementById(`problem-${field.id}`)) field.removeAttribute("aria-invalid");
        field.setCustomValidity(isOver ? out.textContent : "");
        wasOver = isOver;
      }
    };
    field.addEventListener("input", update);
    update();
  }

  function fieldsOf(form) {
    const data = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (name !== "csrf" && typeof value === "string") data[name] = value;
    }
    return data;
  }

  function setUpSmart(form) {
    const box = document.getElementById("smart-feedback");
    const url = form.dataset.check;
    const token = form.querySelector('input[name="csrf"]');
    if (!box || !url || !token) return;
    const words = { true: box.dataset.yes, false: box.dataset.no, null: box.dataset.unsure };
    let timer = 0;
    let asked = 0;
    const show = (result) => {
      box.replaceChildren();
      if (result.empty || !result.criteria) {
        const p = document.createElement("p");
        p.className = "hint";
        p.textContent = box.dataset.empty;
        box.append(p);
        return;
      }
      if (!result.complete) {
        const p = document.createElement("p");
        p.className = "hint";
        p.textContent = box.dataset.partial;
        box.append(p);
      }
      const list = document.createElement("ul");
      list.className = "smart-list";
      for (const c of result.criteria) {
        const item = document.createElement("li");
        const state = c.ok === true ? "yes" : c.ok === false ? "no" : "unsure";
        item.className = `smart-${state}`;
        item.dataset.criterion = c.key;
        const name = document.createElement("strong");
        name.textContent = `${c.name} (${words[String(c.ok)]})`;
        item.append(name, document.createTextNode(`: ${c.why}`));
        if (c.suggestion) {
          const hint = document.createElement("span");
          hint.className = "hint";
          hint.textContent = ` ${c.suggestion}`;
          item.append(hint);
        }
        list.append(item);
      }
      box.append(list);
    };
    const ask = async () => {
      const mine = ++asked;
      try {
        const response = await fetch(url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": token.value },
          body: JSON.stringify(fieldsOf(form)),
        });
        if (!response.ok) return;
        const result = await response.json();
        if (mine === asked) show(result);  // an older answer never replaces a newer one
      } catch (_error) {
        // offline or refused: the check runs again when the form is sent
      }
    };
    const later = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 500);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    show({ empty: true });
    if (form.querySelector("#title").value) ask();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("pledge-form");
    if (!form) return;
    for (const field of form.querySelectorAll("[data-max-words]")) setUpCounter(field);
    setUpSmart(form);
    const problems = document.getElementById("problems");
    if (problems) problems.focus();
  });
})();
