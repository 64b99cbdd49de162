// The form-fill page: one input per template field, required ones enforced, submit a render.
import { el, showMessage, showPage } from "./dom.js";
import { EmbedSession } from "./session.js";

const INPUT_TYPES = { text: "text", email: "email", number: "number", date: "date",
                      phone: "tel", url: "url" };
const session = new EmbedSession({ onExpiredChange: () => refreshControls() });
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
let context = null;
let busy = false;

function refreshControls() {
  if (!context) return;
  $("submit").disabled = busy || session.expired || !context.permissions.submitForm;
}

function input(field) {
  const attrs = { id: `f-${field.key}`, name: field.key, required: field.required,
                  dataset: { testid: `field-${field.key}` } };
  if (field.dataType === "longtext") return el("textarea", { rows: 4, ...attrs });
  if (field.dataType === "boolean") return el("input", { type: "checkbox", ...attrs });
  const extra = field.dataType === "number" ? { step: "any" } : {};
  return el("input", { type: INPUT_TYPES[field.dataType] || "text", ...extra, ...attrs });
}

function row(field) {
  const marker = field.required
    ? el("span", { class: "required", title: "Required", "aria-hidden": "true" }, " *")
    : null;
  return el("div", { class: `row ${field.dataType === "boolean" ? "inline" : ""}` },
    el("label", { for: `f-${field.key}` }, field.label, marker), input(field));
}

function values(form) {
  const out = {};
  for (const field of context.template.fields) {
    const node = form.elements.namedItem(field.key);
    out[field.key] = field.dataType === "boolean" ? node.checked : node.value;
  }
  return out;
}

// Say which fields stop the submission and why: an empty required field, or a value that is
// not what its field takes (an optional email without an "@" is no missing required field).
function invalidFieldsMessage(form) {
  const invalid = context.template.fields.filter(
    (field) => !form.elements.namedItem(field.key).validity.valid);
  const missing = invalid.filter((field) => form.elements.namedItem(field.key).validity.valueMissing);
  const wrong = invalid.filter((field) => !missing.includes(field));
  const parts = [];
  if (missing.length) {
    parts.push(`Fill in the fields marked with *: ${missing.map((f) => f.label).join(", ")}.`);
  }
  for (const field of wrong) {
    parts.push(`${field.label}: ${form.elements.namedItem(field.key).validationMessage}`);
  }
  return parts.join(" ");
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  if (!form.reportValidity()) return showMessage(invalidFieldsMessage(form), "error");
  busy = true;
  refreshControls();
  const answer = await session.api("/v1/embed/iframe/submissions",
    { method: "POST", body: { values: values(form) } });
  busy = false;
  refreshControls();
  if (!answer.ok) return showMessage(answer.message, "error");
  $("message").dataset.renderId = answer.data.renderId;
  showMessage("Submitted. Your document is ready.", "ok");
  session.post({ type: "craftkit.form.completed",
                 payload: { renderId: answer.data.renderId, downloadUrl: answer.data.downloadUrl } });
}

async function main() {
  context = await session.start();
  if (!context) return;
  const form = $("fill-form");
  $("form-title").textContent = context.template.name;
  form.prepend(...context.template.fields.map(row));
  form.addEventListener("submit", submit);
  refreshControls();
  if (!context.permissions.submitForm) showMessage("This session may not submit.", "info");
  showPage();
}

main();
