// @ts-check
// @craftkit-bff/embed: the <craftkit-embed> element, define() and mount(). Importing this
// entry has no side effects and touches no DOM, so server-side rendering can import it; call
// define() in the browser, or import define.js, which does.

export { CraftkitEmbedElement } from "./element.js";
export { CraftkitEmbedError } from "./errors.js";
export { mount } from "./mount.js";
export { define } from "./registry.js";
