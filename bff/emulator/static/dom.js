// Tiny DOM helpers shared by the three pages.

// Build an element: el("button", {type: "button", dataset: {testid: "publish"}}, "Publish").
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// Show one line of feedback in the page's message area (kind: "ok", "error" or "info").
export function showMessage(text, kind = "info") {
  const box = document.querySelector("[data-testid=message]");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = !text;
}

// Reveal the page once its session is loaded: the toolbar with its primary action, and main.
export function showPage() {
  document.querySelector(".toolbar").hidden = false;
  document.querySelector("main").hidden = false;
  keepScrollTargetsBelowHeader();
}

// What the browser scrolls into view (an invalid field on submit, a focused input) must land
// below the sticky header, not under it: pad scrolling by the header's height as it changes.
function keepScrollTargetsBelowHeader() {
  const header = document.querySelector(".top");
  const pad = () => {
    document.documentElement.style.scrollPaddingTop = `${header.offsetHeight + 8}px`;
  };
  new ResizeObserver(pad).observe(header);
  pad();
}

export function formatTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour12: false });
}
