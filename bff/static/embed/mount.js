// @ts-check
// mount(): the imperative way in. Creates a <craftkit-embed> in a container from one options
// object (attributes, session callbacks, event callbacks) and hands back destroy().

import { CraftkitEmbedElement } from "./element.js";
import { ATTRIBUTES, PROPERTIES } from "./element-options.js";
import { define } from "./registry.js";

/** @typedef {import("./types/index.js").MountOptions} MountOptions */
/** @typedef {import("./types/index.js").MountedEmbed} MountedEmbed */

const EVENT_OPTIONS = /** @type {const} */ ({
  onPublished: "craftkit:published",
  onCompleted: "craftkit:completed",
  onRefreshed: "craftkit:refreshed",
  onError: "craftkit:error",
});

/**
 * Create a <craftkit-embed> in `container` (an element or a selector); `destroy()` removes it.
 * @param {Element | string} container
 * @param {MountOptions} [options]
 * @returns {MountedEmbed}
 */
export function mount(container, options = {}) {
  if (typeof document === "undefined") {
    throw new TypeError("mount() needs a browser: call it on the client, not during server rendering.");
  }
  const host = typeof container === "string" ? document.querySelector(container) : container;
  if (!(host instanceof Element)) {
    const got =
      typeof container === "string" ? `"${container}", which matches nothing` : String(container);
    throw new TypeError(`mount() needs an element or a selector that matches one; got ${got}.`);
  }
  const Embed = define();
  const element = /** @type {CraftkitEmbedElement} */ (new Embed());
  for (const [option, attribute] of Object.entries(ATTRIBUTES)) {
    const value = options[/** @type {keyof typeof ATTRIBUTES} */ (option)];
    if (value != null) element.setAttribute(attribute, value);
  }
  const properties = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (element));
  for (const name of PROPERTIES) {
    if (options[name] != null) properties[name] = options[name];
  }
  const listeners = new AbortController();
  for (const [option, type] of Object.entries(EVENT_OPTIONS)) {
    const callback = options[/** @type {keyof typeof EVENT_OPTIONS} */ (option)];
    if (typeof callback === "function") {
      const call = /** @type {(detail: unknown) => void} */ (callback);
      element.addEventListener(type, (event) => call(/** @type {CustomEvent} */ (event).detail), {
        signal: listeners.signal,
      });
    }
  }
  host.append(element);
  return {
    element,
    destroy() {
      listeners.abort();
      element.remove();
    },
  };
}
