// The read-only page: a view session's renders (its template's, or all) and their PDFs.
import { el, showMessage, showPage } from "./dom.js";
import { EmbedSession } from "./session.js";

const session = new EmbedSession();
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
let fieldsByTemplate = new Map();

function shown(field, value) {
  if (field.dataType === "boolean") return value ? "Yes" : "No";
  return value === undefined || value === "" ? "—" : String(value);
}

function showRender(render) {
  document.querySelectorAll(".renders button").forEach((b) =>
    b.setAttribute("aria-current", String(b.dataset.testid === `render-${render.id}`)));
  const fields = fieldsByTemplate.get(render.templateId) ||
    Object.keys(render.values).map((key) => ({ key, label: key, dataType: "text" }));
  $("render-detail").replaceChildren(
    el("h2", {}, render.templateName),
    el("p", { class: "muted" }, `Submitted ${new Date(render.createdAt).toLocaleString()}`),
    el("button", { type: "button", dataset: { testid: "download-pdf" },
      on: { click: () => download(render) } }, "Download PDF"),
    el("dl", {}, ...fields.flatMap((field) => [
      el("dt", {}, field.label),
      el("dd", { dataset: { testid: `value-${field.key}` } }, shown(field, render.values[field.key])),
    ])));
}

async function download(render) {
  const answer = await session.api(`/v1/embed/iframe/renders/${render.id}/download`);
  if (!answer.ok) return showMessage(answer.message, "error");
  const url = URL.createObjectURL(answer.blob);
  const link = el("a", { href: url, download: `${render.templateName}.pdf` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function main() {
  const context = await session.start();
  if (!context) return;
  if (context.template) fieldsByTemplate = new Map([[context.template.id, context.template.fields]]);
  $("view-title").textContent = context.template ? context.template.name : "All submissions";
  const answer = await session.api("/v1/embed/iframe/renders");
  if (!answer.ok) return showMessage(answer.message, "error");
  const renders = answer.data.data;
  $("empty").hidden = renders.length > 0;
  $("render-list").replaceChildren(...renders.map((render) => el("li", {},
    el("button", { type: "button", dataset: { testid: `render-${render.id}` },
      on: { click: () => showRender(render) } },
      render.templateName, el("span", { class: "muted" }, new Date(render.createdAt).toLocaleString())))));
  if (renders.length) showRender(renders[0]);
  showPage();
}

main();
