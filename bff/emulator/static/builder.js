// The template builder: name a template, pick fields, publish (create and edit sessions).
import { el, showMessage, showPage } from "./dom.js";
import { EmbedSession } from "./session.js";

const TYPES = ["text", "longtext", "email", "number", "date", "phone", "url", "boolean"];
const state = { fields: [], offered: new Map(), templateId: null, busy: false };
const session = new EmbedSession({ onExpiredChange: () => refreshControls() });
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
let context = null;

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

function canPublish(context) {
  return context.permissions.publish && !session.expired && !state.busy;
}

function refreshControls() {
  if (!context) return;
  const button = $("publish");
  const name = $("template-name").value.trim();
  button.disabled = !canPublish(context) || !name || state.fields.length === 0;
  for (const [key] of state.offered) {
    const add = $(`add-field-${key}`);
    if (add) add.disabled = state.fields.some((field) => field.key === key);
  }
}

function addField(field) {
  if (state.fields.some((existing) => existing.key === field.key)) return;
  state.fields.push({ ...field });
  renderSelected();
}

function renderSelected() {
  const list = $("selected-fields");
  list.replaceChildren(...state.fields.map((field) => el("li",
    { class: "selected", dataset: { testid: `selected-field-${field.key}` } },
    el("span", { class: "label" }, field.label),
    el("code", {}, field.key),
    el("span", { class: "type" }, field.dataType),
    el("label", { class: "check" },
      el("input", { type: "checkbox", checked: field.required,
        dataset: { testid: `field-required-${field.key}` },
        on: { change: (e) => { field.required = e.target.checked; } } }),
      "Required"),
    el("button", { type: "button", class: "link", dataset: { testid: `remove-field-${field.key}` },
      on: { click: () => { state.fields = state.fields.filter((f) => f !== field); renderSelected(); } } },
      "Remove"))));
  $("no-fields").hidden = state.fields.length > 0;
  refreshControls();
}

function renderPicker(catalog) {
  const groups = catalog.namespaces.map((group) => el("section", { class: "group" },
    el("h3", {}, group.label),
    el("ul", {}, ...group.fields.map((field) => {
      state.offered.set(field.key, field);
      return el("li", {},
        el("span", { class: "label" }, field.label, field.required ? " *" : ""),
        el("code", {}, field.key),
        el("button", { type: "button", dataset: { testid: `add-field-${field.key}` },
          on: { click: () => addField(field) } }, "Add"));
    }))));
  $("field-picker").replaceChildren(...groups);
  $("custom-field").hidden = !catalog.allowCustom;
  $("custom-field-type").replaceChildren(...TYPES.map((t) => el("option", { value: t }, t)));
}

function addCustomField(event) {
  event.preventDefault();
  const label = $("custom-field-label").value.trim();
  if (!label) return showMessage("Give the custom field a label first.", "error");
  let key = `custom.${slug(label) || "field"}`;
  for (let n = 2; state.fields.some((f) => f.key === key); n += 1) key = `custom.${slug(label)}_${n}`;
  addField({ key, label, dataType: $("custom-field-type").value,
             required: $("custom-field-required").checked });
  $("custom-field-label").value = "";
}

async function publish() {
  state.busy = true;
  refreshControls();
  const body = { name: $("template-name").value.trim(), fields: state.fields };
  if (state.templateId) body.templateId = state.templateId;
  const answer = await session.api("/v1/embed/iframe/templates", { method: "POST", body });
  state.busy = false;
  refreshControls();
  if (!answer.ok) return showMessage(answer.message, "error");
  const template = answer.data.template;
  if (context.mode === "create") state.templateId = template.id;
  $("message").dataset.templateId = template.id;
  showMessage(`Published "${template.name}" (version ${template.version}).`, "ok");
  session.post({ type: "craftkit.template.published",
                 payload: { templateId: template.id, name: template.name } });
}

async function main() {
  context = await session.start();
  if (!context) return;
  const template = context.template;
  const mayRename = context.mode === "create" || context.permissions.rename;
  const name = $("template-name");
  name.value = (mayRename ? context.initialName : template && template.name) || "";
  name.readOnly = !mayRename;
  if (!mayRename) name.title = "Renaming needs the rename permission.";
  name.addEventListener("input", refreshControls);
  $("builder-mode").textContent = template ? `Editing version ${template.version}` : "New template";
  renderPicker(context.catalog);
  for (const field of (template && template.fields) || []) addField(field);
  renderSelected();
  $("custom-field").addEventListener("submit", addCustomField);
  $("publish").addEventListener("click", publish);
  if (!context.permissions.publish) showMessage("This session may not publish.", "info");
  showPage();
}

main();
