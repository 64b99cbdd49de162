// @ts-check
// <craftkit-embed>: frames the Craftkit iframe, listens to it, and re-dispatches its events as
// DOM events; the SessionKeeper mints and refreshes its session. Importing this module touches
// no DOM (server-side rendering can import it); define() in registry.js registers it.
//
// Attributes: mode (create|edit|fill|view, default edit), tenant, template, template-name
// (changing any of these re-mints), endpoint (default /api/craftkit), retry-delays (ms list).
// Properties: fetchSession, refreshSession, fetch (seams, default: the BFF), retry(), refresh().
// Events (bubbling, composed): craftkit:published, craftkit:completed, craftkit:refreshed
// {expiresIn}, craftkit:error {code, retryable, message, phase}.
// State: data-state="loading|ready|error" on the element; shadow parts frame, status, error,
// error-message, retry.

import { postToBff } from "./bff-client.js";
import { CraftkitEmbedError } from "./errors.js";
import { readFrameMessage } from "./frame-messages.js";
import { SessionKeeper } from "./session-keeper.js";

/** @typedef {import("./types/index.js").CraftkitMode} CraftkitMode */
/** @typedef {import("./types/index.js").CraftkitEmbedState} CraftkitEmbedState */
/** @typedef {import("./types/index.js").SessionParams} SessionParams */
/** @typedef {import("./types/index.js").FetchSession} FetchSession */
/** @typedef {import("./types/index.js").RefreshSession} RefreshSession */
/** @typedef {import("./types/index.js").CraftkitEmbedEventMap} CraftkitEmbedEventMap */
/** @typedef {import("./types/index.js").PublishedDetail} PublishedDetail */
/** @typedef {import("./types/index.js").CompletedDetail} CompletedDetail */

const DEFAULT_ENDPOINT = "/api/craftkit";
/** @type {CraftkitMode[]} */
const MODES = ["create", "edit", "fill", "view"];
const TITLES = {
  create: "Craftkit template builder",
  edit: "Craftkit template builder",
  fill: "Craftkit form",
  view: "Craftkit document viewer",
};
const DEFAULT_RETRY_DELAYS = [1000, 2000, 4000];
/** Property (and mount() option) -> attribute. */
export const ATTRIBUTES = /** @type {const} */ ({
  mode: "mode",
  tenant: "tenant",
  template: "template",
  templateName: "template-name",
  endpoint: "endpoint",
});
/** The settable properties that are not attributes. */
export const PROPERTIES = /** @type {const} */ (["fetchSession", "refreshSession", "fetch", "retryDelays"]);

// The element fills the height its container gives it (at least min-height); the frame fills
// the element. Hosts size it from outside (`craftkit-embed { height: ... }`) and style ::part().
const SHADOW_HTML = `
<style>
  :host { display: block; position: relative; height: 100%; min-height: 480px; }
  :host([hidden]) { display: none; }
  [hidden] { display: none !important; }
  [part~="frame"] { position: absolute; inset: 0; width: 100%; height: 100%; border: 0; }
  :host(:not([data-state="ready"])) [part~="frame"] { visibility: hidden; }
  [part~="status"], [part~="error"] {
    position: absolute; inset: 0; display: flex; flex-direction: column; gap: 0.75em;
    align-items: center; justify-content: center; padding: 1em; text-align: center;
  }
  [part~="error"] { color: #b42318; }
</style>
<div part="status" role="status">Loading document builder…</div>
<div part="error" role="alert" hidden>
  <p part="error-message"></p>
  <button part="retry" type="button">Retry</button>
</div>`;

// Server-side rendering has no HTMLElement: the class then extends a stand-in, and importing
// this module still works (only define(), in a browser, registers it).
const BaseElement = /** @type {typeof HTMLElement} */ (globalThis.HTMLElement ?? class {});

export class CraftkitEmbedElement extends BaseElement {
  static observedAttributes = Object.values(ATTRIBUTES);

  /** @type {typeof globalThis.fetch | null} */
  #fetch = null;
  /** @type {FetchSession | null} */
  #fetchSession = null;
  /** @type {RefreshSession | null} */
  #refreshSession = null;
  /** @type {number[] | null} */
  #retryDelays = null;

  /** @type {HTMLElement} */
  #status;
  /** @type {HTMLElement} */
  #errorBox;
  /** @type {HTMLElement} */
  #errorText;
  /** @type {HTMLButtonElement} */
  #retryButton;
  /** @type {HTMLIFrameElement | null} */
  #iframe = null;

  /** @type {AbortController | null} aborts this connection's listeners */
  #connection = null;
  #mintQueued = false;
  #keeper = new SessionKeeper({
    sessionParams: () => this.#sessionParams(),
    fetchSession: (params, options) => this.fetchSession(params, options),
    refreshSession: (params, options) => this.refreshSession(params, options),
    retryDelays: () => this.retryDelays,
    baseURL: () => this.ownerDocument.baseURI,
    onMinting: () => {
      this.#dropFrame();
      this.#setState("loading");
    },
    onStarted: ({ url }) => this.#frame(url),
    onRefreshed: ({ token, expiresIn }) => {
      this.#deliverToken(token);
      this.#emit("craftkit:refreshed", { expiresIn });
    },
    onError: (error, phase) => {
      if (phase === "mint") this.#showError(error);
      const { code, retryable, message } = error;
      this.#emit("craftkit:error", { code, retryable, message, phase });
    },
  });

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = SHADOW_HTML;
    this.#status = /** @type {HTMLElement} */ (root.querySelector('[part="status"]'));
    this.#errorBox = /** @type {HTMLElement} */ (root.querySelector('[part="error"]'));
    this.#errorText = /** @type {HTMLElement} */ (root.querySelector('[part="error-message"]'));
    this.#retryButton = /** @type {HTMLButtonElement} */ (root.querySelector('[part="retry"]'));
  }

  connectedCallback() {
    for (const name of [...Object.keys(ATTRIBUTES), ...PROPERTIES]) this.#upgradeProperty(name);
    this.#connection = new AbortController();
    const { signal } = this.#connection;
    const view = this.ownerDocument.defaultView ?? window;
    view.addEventListener("message", this.#onMessage, { signal });
    view.addEventListener("online", this.#keeper.recheck, { signal });
    this.ownerDocument.addEventListener("visibilitychange", this.#onVisibilityChange, { signal });
    this.#retryButton.addEventListener("click", () => this.retry(), { signal });
    this.#setState("loading");
    this.#scheduleMint();
  }

  disconnectedCallback() {
    this.#connection?.abort();
    this.#connection = null;
    this.#keeper.stop();
    this.#dropFrame();
  }

  /**
   * @param {string} name
   * @param {string | null} oldValue
   * @param {string | null} newValue
   */
  attributeChangedCallback(name, oldValue, newValue) {
    if (name !== "endpoint" && oldValue !== newValue && this.#connection) this.#scheduleMint();
  }

  /** @returns {CraftkitMode} */
  get mode() {
    return /** @type {CraftkitMode} */ (this.getAttribute("mode") || "edit");
  }
  /** @param {CraftkitMode} value */
  set mode(value) {
    this.#reflect("mode", value);
  }
  /** @returns {string | null} */
  get tenant() {
    return this.getAttribute("tenant") || null;
  }
  /** @param {string | null} value */
  set tenant(value) {
    this.#reflect("tenant", value);
  }
  /** @returns {string | null} */
  get template() {
    return this.getAttribute("template") || null;
  }
  /** @param {string | null} value */
  set template(value) {
    this.#reflect("template", value);
  }
  /** @returns {string | null} */
  get templateName() {
    return this.getAttribute("template-name") || null;
  }
  /** @param {string | null} value */
  set templateName(value) {
    this.#reflect("template-name", value);
  }
  /** @returns {string} */
  get endpoint() {
    return (this.getAttribute("endpoint") || DEFAULT_ENDPOINT).replace(/\/+$/, "");
  }
  /** @param {string} value */
  set endpoint(value) {
    this.#reflect("endpoint", value);
  }

  /** The fetch the default session callbacks use (a seam for tests); null restores the global. */
  get fetch() {
    return this.#fetch ?? globalThis.fetch;
  }
  /** @param {typeof globalThis.fetch} value */
  set fetch(value) {
    this.#fetch = checkFunction("fetch", value);
  }

  /** `(params, {signal}) => Promise<SessionResponse>`; default: POST {endpoint}/session. */
  get fetchSession() {
    return (
      this.#fetchSession ??
      /** @type {FetchSession} */ ((params, options) => postToBff(this.#target(), "session", params, options))
    );
  }
  /** @param {FetchSession} value */
  set fetchSession(value) {
    this.#fetchSession = checkFunction("fetchSession", value);
  }

  /** `({renewToken, orgId}, {signal}) => Promise<SessionResponse>`; default: POST .../refresh. */
  get refreshSession() {
    return (
      this.#refreshSession ??
      /** @type {RefreshSession} */ ((params, options) => postToBff(this.#target(), "refresh", params, options))
    );
  }
  /** @param {RefreshSession} value */
  set refreshSession(value) {
    this.#refreshSession = checkFunction("refreshSession", value);
  }

  /** Waits before each refresh retry, in ms; or the `retry-delays` attribute ("1000,2000,4000"). */
  get retryDelays() {
    return (
      this.#retryDelays ?? parseDelays(this.getAttribute("retry-delays")) ?? DEFAULT_RETRY_DELAYS
    );
  }
  /** @param {number[]} value */
  set retryDelays(value) {
    if (
      value != null &&
      !(Array.isArray(value) && value.every((ms) => Number.isFinite(ms) && ms >= 0))
    ) {
      throw new TypeError(
        "retryDelays must be an array of non-negative numbers of milliseconds, or null.",
      );
    }
    this.#retryDelays = value == null ? null : [...value];
  }

  /** Mint a new session now (what the Retry button does). */
  retry() {
    if (this.#connection) this.#keeper.mint();
  }

  /** Refresh the session now; resolves true when refreshed. Concurrent calls share one attempt. */
  refresh() {
    return this.#keeper.refresh();
  }

  // Attribute changes in one task coalesce into one mint.
  #scheduleMint() {
    if (this.#mintQueued) return;
    this.#mintQueued = true;
    queueMicrotask(() => {
      this.#mintQueued = false;
      if (this.#connection) this.#keeper.mint();
    });
  }

  /** @returns {SessionParams} */
  #sessionParams() {
    const mode = this.mode;
    if (!MODES.includes(mode)) {
      throw new CraftkitEmbedError(
        "invalid_mode",
        `The mode attribute is "${mode}"; set it to one of ${MODES.join(", ")}.`,
      );
    }
    /** @type {SessionParams} */
    const params = { mode };
    if (this.tenant) params.tenantExternalId = this.tenant;
    if (this.template) params.templateExternalId = this.template;
    if (this.templateName) params.templateName = this.templateName;
    return params;
  }

  #target() {
    return { endpoint: this.endpoint, fetch: this.fetch };
  }

  /** @param {URL} url */
  #frame(url) {
    const iframe = this.ownerDocument.createElement("iframe");
    iframe.setAttribute("part", "frame");
    iframe.title = TITLES[this.mode] ?? TITLES.edit;
    iframe.allow = "clipboard-write";
    iframe.addEventListener("load", () => {
      if (this.#iframe === iframe) this.#setState("ready");
    });
    iframe.src = url.href;
    this.shadowRoot?.append(iframe);
    this.#iframe = iframe;
  }

  #dropFrame() {
    this.#iframe?.remove();
    this.#iframe = null;
  }

  // Never "*": if the frame navigated to another origin, the token is not delivered.
  /** @param {string} token */
  #deliverToken(token) {
    const origin = this.#keeper.url?.origin;
    const target = this.#iframe?.contentWindow;
    if (!origin || !target) return;
    target.postMessage({ type: "craftkit.session.refreshed", token }, origin);
    target.postMessage({ type: "session.refresh", token }, origin);
  }

  #onVisibilityChange = () => {
    if (this.ownerDocument.visibilityState === "visible") this.#keeper.recheck();
  };

  // Only the current iframe's window, at the origin its session was minted for, is listened to.
  /** @param {MessageEvent} event */
  #onMessage = (event) => {
    const iframe = this.#iframe;
    const origin = this.#keeper.url?.origin;
    if (!iframe || !origin) return;
    if (event.source !== iframe.contentWindow || event.origin !== origin) return;
    const message = readFrameMessage(event.data);
    // The payloads are Craftkit's, passed on as they came: the types say what Craftkit sends.
    const payload = /** @type {PublishedDetail & CompletedDetail} */ (message?.payload);
    if (message?.name === "template.published") this.#emit("craftkit:published", payload);
    else if (message?.name === "form.completed") this.#emit("craftkit:completed", payload);
    else if (message?.name === "session.expiring") this.#keeper.refresh();
    else if (message?.name === "session.expired") this.#keeper.mint();
  };

  /** @param {CraftkitEmbedError} error */
  #showError(error) {
    this.#errorText.textContent = describe(error);
    this.#setState("error");
  }

  /** @param {CraftkitEmbedState} state */
  #setState(state) {
    this.dataset.state = state;
    this.setAttribute("aria-busy", String(state === "loading"));
    this.#status.hidden = state !== "loading";
    this.#errorBox.hidden = state !== "error";
  }

  /**
   * @template {keyof CraftkitEmbedEventMap} K
   * @param {K} type
   * @param {CraftkitEmbedEventMap[K]["detail"]} detail
   */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /**
   * @param {string} name
   * @param {string | null} value
   */
  #reflect(name, value) {
    if (value == null) this.removeAttribute(name);
    else this.setAttribute(name, value);
  }

  // A property set before the element was upgraded shadows the accessor; re-apply it.
  /** @param {string} name */
  #upgradeProperty(name) {
    if (Object.prototype.hasOwnProperty.call(this, name)) {
      const self = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (this));
      const value = self[name];
      delete self[name];
      self[name] = value;
    }
  }
}

/**
 * @template {Function} F
 * @param {string} name
 * @param {F | null | undefined} value
 * @returns {F | null}
 */
function checkFunction(name, value) {
  if (value == null) return null;
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function (or null to restore the default).`);
  }
  return value;
}

/** @param {string | null} text */
function parseDelays(text) {
  if (!text) return null;
  const delays = text.split(",").map((part) => Number(part.trim()));
  return delays.every((ms) => Number.isFinite(ms) && ms >= 0) ? delays : null;
}

// What the error state tells a user: what happened and what to do next.
/** @param {CraftkitEmbedError} error */
function describe(error) {
  if (error.code === "unauthenticated")
    return "You are signed out. Sign in again, then press Retry.";
  const next = error.retryable ? "Press Retry to try again." : "Press Retry once this is fixed.";
  return `Could not load the document builder. ${error.message} ${next}`;
}
