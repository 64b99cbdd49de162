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

export function formatTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour12: false });
}
