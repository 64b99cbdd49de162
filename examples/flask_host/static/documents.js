// documents.js: a plain ES module, no build step. The BFF serves the element beside its
// routes; this URL always leads to the version the BFF runs.
import { mount } from "/api/craftkit/element/craftkit-embed.js";

const status = document.querySelector("#status");

mount("#documents", {
  mode: "create",
  templateName: "Service agreement",
  onPublished: ({ templateId, name }) => {
    status.textContent = `Published "${name}" (${templateId}).`;
  },
  onError: ({ message }) => {
    status.textContent = message;
  },
});
