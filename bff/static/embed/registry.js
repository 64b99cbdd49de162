// @ts-check
// define(): registers the element under a tag name, once. Called by the module that wants the
// element (define.js, mount(), your app); importing this module registers nothing.

import { CraftkitEmbedElement } from "./element.js";

let classInUse = false;

/**
 * Define the element under `tagName`; does nothing if that name is already defined.
 * @param {string} [tagName]
 * @returns {CustomElementConstructor}
 */
export function define(tagName = "craftkit-embed") {
  const registry = globalThis.customElements;
  if (!registry) {
    throw new TypeError(
      "define() needs a browser: customElements is missing here (server-side rendering?). " +
        "Call it in the browser, e.g. in a useEffect or a client-only module.",
    );
  }
  if (!registry.get(tagName)) {
    // A constructor can back only one name, so further names get a trivial subclass.
    registry.define(tagName, classInUse ? class extends CraftkitEmbedElement {} : CraftkitEmbedElement);
    classInUse = true;
  }
  return /** @type {CustomElementConstructor} */ (registry.get(tagName));
}
