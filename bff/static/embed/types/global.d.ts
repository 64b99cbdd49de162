// Opt-in global typing: `import type {} from "@craftkit-bff/embed/global";` makes
// document.querySelector("craftkit-embed") and createElement("craftkit-embed") return a
// CraftkitEmbedElement. Only the tag name is declared; no global event map is touched.
import type { CraftkitEmbedElement } from "./index.js";

declare global {
  interface HTMLElementTagNameMap {
    "craftkit-embed": CraftkitEmbedElement;
  }
}
