// @ts-check
// What the element's attributes and properties accept: their defaults, their checks, and the
// session params they make. DOM-free; the element and mount() share these tables.

import { CraftkitEmbedError } from "./errors.js";

/** @typedef {import("./types/index.js").CraftkitMode} CraftkitMode */
/** @typedef {import("./types/index.js").SessionParams} SessionParams */

export const DEFAULT_ENDPOINT = "/api/craftkit";
export const DEFAULT_RETRY_DELAYS = [1000, 2000, 4000];
/** @type {CraftkitMode[]} */
const MODES = ["create", "edit", "fill", "view"];

/** Property (and mount() option) -> attribute. */
export const ATTRIBUTES = /** @type {const} */ ({
  mode: "mode",
  tenant: "tenant",
  template: "template",
  templateName: "template-name",
  endpoint: "endpoint",
});
/** The settable properties that are not attributes. */
export const PROPERTIES = /** @type {const} */ ([
  "fetchSession",
  "refreshSession",
  "fetch",
  "retryDelays",
]);

/**
 * The body of a session request for these attribute values; absent ones are left out.
 * @param {{ mode: string, tenant: string | null, template: string | null,
 *           templateName: string | null }} attributes
 * @returns {SessionParams}
 * @throws {CraftkitEmbedError} invalid_mode
 */
export function sessionParamsOf({ mode, tenant, template, templateName }) {
  if (!MODES.includes(/** @type {CraftkitMode} */ (mode))) {
    throw new CraftkitEmbedError(
      "invalid_mode",
      `The mode attribute is "${mode}"; set it to one of ${MODES.join(", ")}.`,
    );
  }
  /** @type {SessionParams} */
  const params = { mode: /** @type {CraftkitMode} */ (mode) };
  if (tenant) params.tenantExternalId = tenant;
  if (template) params.templateExternalId = template;
  if (templateName) params.templateName = templateName;
  return params;
}

/**
 * The retry-delays attribute ("1000,2000,4000") as milliseconds; null when absent or invalid.
 * @param {string | null} text
 */
export function parseDelays(text) {
  if (!text) return null;
  // An empty entry ("100,,200") is a typo, not 0 ms: Number("") would read it as 0.
  const delays = text.split(",").map((part) => (part.trim() ? Number(part) : Number.NaN));
  return delays.every((ms) => Number.isFinite(ms) && ms >= 0) ? delays : null;
}

/**
 * A retryDelays property value: a copy of the array, or null to restore the default.
 * @param {unknown} value
 * @returns {number[] | null}
 * @throws {TypeError} anything but an array of non-negative numbers, or null
 */
export function checkDelays(value) {
  if (value == null) return null;
  if (!(Array.isArray(value) && value.every((ms) => Number.isFinite(ms) && ms >= 0))) {
    throw new TypeError(
      "retryDelays must be an array of non-negative numbers of milliseconds, or null.",
    );
  }
  return [...value];
}

/**
 * A callback property value: the function, or null to restore the default.
 * @template {Function} F
 * @param {string} name
 * @param {F | null | undefined} value
 * @returns {F | null}
 * @throws {TypeError} anything but a function or null
 */
export function checkFunction(name, value) {
  if (value == null) return null;
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function (or null to restore the default).`);
  }
  return value;
}
