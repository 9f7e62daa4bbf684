// Building DOM nodes from data. Text always goes in as text (never as HTML), so an
// address or a name from the API cannot inject markup.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "style") {
      for (const [name, v] of Object.entries(value)) el.style.setProperty(name, v);
    } else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** Rows into a tbody, or one row saying why there are none. */
export function fillRows(tbody, rows, emptyText) {
  if (rows.length > 0) {
    fill(tbody, rows);
    return;
  }
  const columns = tbody.closest("table").querySelectorAll("thead th").length;
  fill(tbody, h("tr", { class: "empty" }, h("td", { colspan: columns }, emptyText)));
}

/** Mark rows whose key was not on screen last time, so a change is seen. */
export class FreshTracker {
  constructor() {
    this.seen = null;
  }

  mark(rows, keyOf) {
    const keys = new Set();
    for (const [row, item] of rows) {
      const key = keyOf(item);
      keys.add(key);
      if (this.seen !== null && !this.seen.has(key)) row.classList.add("fresh");
    }
    this.seen = keys;
  }
}
