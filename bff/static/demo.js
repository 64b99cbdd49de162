// The demo host page: pickers drive one <craftkit-embed>; lists and the event log follow it.
// Plain ES module, no build step. Everything Craftkit goes through the BFF on this origin.
import "./craftkit-embed.js";

const API = "/api/craftkit";
const EVENTS = ["craftkit:published", "craftkit:completed", "craftkit:refreshed", "craftkit:error"];
const NEEDS_TEMPLATE = new Set(["edit", "fill"]);
const SECRET_KEYS = /token|secret|key|password/i; // never print these, whatever arrives
const MAX_LOG = 200;

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const embed = $("embed");
const slot = embed.parentElement;
const picker = { org: $("org-picker"), mode: $("mode-picker"), template: $("template-picker") };
// New templates are named in the builder; the page only seeds its field (the session's
// initialName) with the name the markup gives.
const NEW_TEMPLATE_NAME = embed.getAttribute("template-name");
let templates = [];
const loads = { templates: 0, renders: 0 }; // an answer for an org no longer shown is dropped

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (value != null) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

const orgQuery = () => `tenantExternalId=${encodeURIComponent(picker.org.value)}`;
const orgName = () => picker.org.selectedOptions[0]?.textContent ?? picker.org.value;
const clock = (date = new Date()) => date.toLocaleTimeString([], { hour12: false });
const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

async function getJson(path) {
  const response = await fetch(`${API}${path}`, { headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.message || `HTTP ${response.status}`);
  return data;
}

// Point the element at what the pickers say; attribute changes in one task mint once.
function applyPickers() {
  const mode = picker.mode.value;
  const template = picker.template.value;
  document.body.dataset.mode = mode;
  if (NEEDS_TEMPLATE.has(mode) && !template) {
    showNotice(templates.length ? `Pick a template to ${mode}.`
      : `${orgName()} has no templates yet: publish one in create mode first.`);
    embed.remove();
    return;
  }
  showNotice("");
  const wanted = { tenant: picker.org.value, mode,
                   template: mode === "create" ? null : template || null,
                   "template-name": mode === "create" ? NEW_TEMPLATE_NAME : null };
  const changed = Object.entries(wanted).filter(([name, value]) => embed.getAttribute(name) !== value);
  for (const [name, value] of changed) {
    if (value == null) embed.removeAttribute(name);
    else embed.setAttribute(name, value);
  }
  if (!embed.isConnected) slot.append(embed);
  else if (!changed.length) return;
  const about = wanted.template ? ` · ${templateName(wanted.template)}` : "";
  logLine("host", `opening ${mode} for ${orgName()}${about}`);
}

function showNotice(text) {
  const notice = $("embed-notice");
  notice.textContent = text;
  notice.hidden = !text;
}

function templateName(id) {
  return templates.find((t) => t.id === id)?.name ?? id.slice(0, 8);
}

async function loadTemplates() {
  const load = ++loads.templates;
  let data;
  try {
    data = await getJson(`/templates?${orgQuery()}&limit=100`);
  } catch (error) {
    $("templates-empty").textContent = `Could not load templates: ${error.message}`;
    return;
  }
  if (load !== loads.templates) return;
  templates = data.data;
  const selected = picker.template.value;
  picker.template.replaceChildren(el("option", { value: "" }, templates.length ? "Choose…" : "None yet"),
    ...templates.map((t) => el("option", { value: t.id }, `${t.name} (v${t.version})`)));
  picker.template.value = templates.some((t) => t.id === selected) ? selected
    : templates.at(-1)?.id ?? "";
  $("templates-org").textContent = orgName();
  $("templates-empty").hidden = templates.length > 0;
  $("templates-list").replaceChildren(...templates.map(templateItem).reverse());
}

function templateItem(t) {
  const open = (mode) => () => {
    picker.mode.value = mode;
    picker.template.value = t.id;
    applyPickers();
  };
  return el("li", { "data-testid": `template-${t.id}` },
    el("span", { class: "title" }, t.name),
    el("span", { class: "muted small" }, `v${t.version} · ${t.fields.length} fields · ${when(t.publishedAt)}`),
    el("span", { class: "actions" },
      ...["edit", "fill", "view"].map((mode) =>
        el("button", { type: "button", class: "quiet small", on: { click: open(mode) } }, mode))));
}

async function loadRenders() {
  const load = ++loads.renders;
  let data;
  try {
    data = await getJson(`/renders?${orgQuery()}&limit=20`);
  } catch (error) {
    $("renders-empty").textContent = `Could not load documents: ${error.message}`;
    return;
  }
  if (load !== loads.renders) return;
  $("renders-empty").hidden = data.data.length > 0;
  $("renders-list").replaceChildren(...data.data.map((render) => el("li",
    { "data-testid": `render-${render.id}` },
    el("span", { class: "title" }, render.templateName),
    el("span", { class: "muted small" }, `${render.status} · ${when(render.createdAt)}`),
    el("a", { href: `${API}/renders/${encodeURIComponent(render.id)}/download?${orgQuery()}`,
              download: "", class: "button small", "data-testid": `download-${render.id}` },
      "Download PDF"))));
}

// One line per event, newest first; details are summarised and never include a token.
function logLine(type, text, detail) {
  const item = el("li", { "data-type": type, class: type.replace(":", "-") },
    el("time", {}, clock()), el("code", {}, type), el("span", {}, text));
  if (detail !== undefined) item.dataset.detail = JSON.stringify(withoutSecrets(detail));
  const log = $("event-log");
  log.prepend(item);
  while (log.children.length > MAX_LOG) log.lastElementChild.remove();
}

function withoutSecrets(value) {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value)
    .filter(([key]) => !SECRET_KEYS.test(key))
    .map(([key, inner]) => [key, withoutSecrets(inner)]));
}

function summary(type, d = {}) {
  if (type === "craftkit:published") return `"${d.name ?? "template"}" published (${short(d.templateId)})`;
  if (type === "craftkit:completed") return `form submitted, document ${short(d.renderId)} ready`;
  if (type === "craftkit:refreshed") return `session refreshed, ${d.expiresIn ?? "?"} s left`;
  if (type === "craftkit:error") {
    return `${d.code} during ${d.phase} (${d.retryable ? "retryable" : "not retryable"}): ${d.message}`;
  }
  return "";
}

const short = (id) => (typeof id === "string" ? id.slice(0, 8) : "?");

async function onEmbedEvent(event) {
  logLine(event.type, summary(event.type, event.detail ?? {}), event.detail);
  if (event.type === "craftkit:published") {
    await loadTemplates();
    // Offer the new template in the picker; in create mode that does not re-mint.
    if (templates.some((t) => t.id === event.detail?.templateId)) picker.template.value = event.detail.templateId;
  } else if (event.type === "craftkit:completed") {
    await loadRenders();
  }
}

async function onOrgChange() {
  picker.template.value = "";
  await Promise.all([loadTemplates(), loadRenders()]);
  applyPickers();
}

for (const type of EVENTS) embed.addEventListener(type, onEmbedEvent);
let shownState = embed.dataset.state;
new MutationObserver(() => {
  // The element may set the same state twice (re-attached, then minting): log changes only.
  if (embed.dataset.state === shownState) return;
  shownState = embed.dataset.state;
  logLine("host", `embed ${shownState}`);
}).observe(embed, { attributeFilter: ["data-state"] });
picker.org.addEventListener("change", onOrgChange);
picker.mode.addEventListener("change", applyPickers);
picker.template.addEventListener("change", applyPickers);
$("pickers").addEventListener("submit", (event) => { event.preventDefault(); applyPickers(); });
$("clear-log").addEventListener("click", () => $("event-log").replaceChildren());
document.body.dataset.mode = picker.mode.value;
await Promise.all([loadTemplates(), loadRenders()]);
document.body.dataset.ready = "true";
