// @ts-check
// The browser entry: defines <craftkit-embed> when loaded in a browser (nothing happens on a
// server) and exports what index.js exports. <script type="module" src=".../define.js">.

import { define } from "./registry.js";

export * from "./index.js";

if (globalThis.customElements) define();
