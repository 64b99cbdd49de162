// @ts-check
// <craftkit-embed>: the custom element. It reads its attributes, frames the session the
// SessionKeeper mints and keeps alive, listens to that frame only, and re-dispatches its events
// as DOM events. Importing this module touches no DOM (server-side rendering can import it);
// define() in registry.js registers it.
//
// Attributes: mode (create|edit|fill|view, default edit), tenant, template, template-name
// (changing any of these re-mints), endpoint (default /api/craftkit), retry-delays (ms list).
// Properties: fetchSession, refreshSession, fetch (seams, default: the BFF), retry(), refresh().
// Events (bubbling, composed): craftkit:published, craftkit:completed, craftkit:refreshed
// {expiresIn}, craftkit:error {code, retryable, message, phase}.
// State: data-state="loading|ready|error" on the element; shadow parts frame, status, error,
// error-message, retry.

import { postToBff } from "./bff-client.js";
import {
  ATTRIBUTES,
  checkDelays,
  checkFunction,
  DEFAULT_ENDPOINT,
  DEFAULT_RETRY_DELAYS,
  PROPERTIES,
  parseDelays,
  sessionParamsOf,
} from "./element-options.js";
import { EmbedView } from "./embed-view.js";
import { readFrameMessage } from "./frame-messages.js";
import { SessionKeeper } from "./session-keeper.js";

/** @typedef {import("./types/index.js").CraftkitMode} CraftkitMode */
/** @typedef {import("./types/index.js").FetchSession} FetchSession */
/** @typedef {import("./types/index.js").RefreshSession} RefreshSession */
/** @typedef {import("./types/index.js").CraftkitEmbedEventMap} CraftkitEmbedEventMap */
/** @typedef {import("./types/index.js").PublishedDetail} PublishedDetail */
/** @typedef {import("./types/index.js").CompletedDetail} CompletedDetail */

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
  /** @type {AbortController | null} aborts this connection's listeners */
  #connection = null;
  #mintQueued = false;
  #view = new EmbedView(this);
  #keeper = new SessionKeeper({
    sessionParams: () => sessionParamsOf(this),
    fetchSession: (params, options) => this.fetchSession(params, options),
    refreshSession: (params, options) => this.refreshSession(params, options),
    retryDelays: () => this.retryDelays,
    baseURL: () => this.ownerDocument.baseURI,
    onMinting: () => {
      this.#view.dropFrame();
      this.#view.setState("loading");
    },
    onStarted: ({ url }) => this.#view.showFrame(url, this.mode),
    onRefreshed: ({ token, expiresIn }) => {
      this.#deliverToken(token);
      this.#emit("craftkit:refreshed", { expiresIn });
    },
    onError: (error, phase) => {
      if (phase === "mint") this.#view.showError(error);
      const { code, retryable, message } = error;
      this.#emit("craftkit:error", { code, retryable, message, phase });
    },
  });

  connectedCallback() {
    for (const name of [...Object.keys(ATTRIBUTES), ...PROPERTIES]) this.#upgradeProperty(name);
    this.#connection = new AbortController();
    const { signal } = this.#connection;
    const view = this.ownerDocument.defaultView ?? window;
    view.addEventListener("message", this.#onMessage, { signal });
    view.addEventListener("online", this.#keeper.recheck, { signal });
    this.ownerDocument.addEventListener("visibilitychange", this.#onVisibilityChange, { signal });
    this.#view.retryButton.addEventListener("click", () => this.retry(), { signal });
    this.#view.setState("loading");
    this.#scheduleMint();
  }

  disconnectedCallback() {
    this.#connection?.abort();
    this.#connection = null;
    this.#keeper.stop();
    this.#view.dropFrame();
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
  set mode(value) {
    this.#reflect("mode", value);
  }
  /** @returns {string | null} */
  get tenant() {
    return this.getAttribute("tenant") || null;
  }
  set tenant(value) {
    this.#reflect("tenant", value);
  }
  /** @returns {string | null} */
  get template() {
    return this.getAttribute("template") || null;
  }
  set template(value) {
    this.#reflect("template", value);
  }
  /** @returns {string | null} */
  get templateName() {
    return this.getAttribute("template-name") || null;
  }
  set templateName(value) {
    this.#reflect("template-name", value);
  }
  /** @returns {string} */
  get endpoint() {
    return (this.getAttribute("endpoint") || DEFAULT_ENDPOINT).replace(/\/+$/, "");
  }
  set endpoint(value) {
    this.#reflect("endpoint", value);
  }

  /** The fetch the default session callbacks use (a seam for tests); null restores the global. */
  get fetch() {
    return this.#fetch ?? globalThis.fetch;
  }
  set fetch(value) {
    this.#fetch = checkFunction("fetch", value);
  }

  /** `(params, {signal}) => Promise<SessionResponse>`; default: POST {endpoint}/session. */
  get fetchSession() {
    /** @type {FetchSession} */
    const viaBff = (params, options) => postToBff(this.#target(), "session", params, options);
    return this.#fetchSession ?? viaBff;
  }
  set fetchSession(value) {
    this.#fetchSession = checkFunction("fetchSession", value);
  }

  /** `({renewToken, orgId}, {signal}) => Promise<SessionResponse>`; default: POST .../refresh. */
  get refreshSession() {
    /** @type {RefreshSession} */
    const viaBff = (params, options) => postToBff(this.#target(), "refresh", params, options);
    return this.#refreshSession ?? viaBff;
  }
  set refreshSession(value) {
    this.#refreshSession = checkFunction("refreshSession", value);
  }

  /** Waits before each refresh retry, in ms; or the `retry-delays` attribute ("1000,2000,4000"). */
  get retryDelays() {
    return (
      this.#retryDelays ?? parseDelays(this.getAttribute("retry-delays")) ?? DEFAULT_RETRY_DELAYS
    );
  }
  set retryDelays(value) {
    this.#retryDelays = checkDelays(value);
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

  #target() {
    return { endpoint: this.endpoint, fetch: this.fetch };
  }

  // Never "*": if the frame navigated to another origin, the token is not delivered.
  /** @param {string} token */
  #deliverToken(token) {
    const origin = this.#keeper.url?.origin;
    const target = this.#view.frameWindow;
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
    const frame = this.#view.frameWindow;
    const origin = this.#keeper.url?.origin;
    if (!frame || !origin || event.source !== frame || event.origin !== origin) return;
    const message = readFrameMessage(event.data);
    // The payloads are Craftkit's, passed on as they came: the types say what Craftkit sends.
    const payload = /** @type {PublishedDetail & CompletedDetail} */ (message?.payload);
    if (message?.name === "template.published") this.#emit("craftkit:published", payload);
    else if (message?.name === "form.completed") this.#emit("craftkit:completed", payload);
    else if (message?.name === "session.expiring") this.#keeper.refresh();
    else if (message?.name === "session.expired") this.#keeper.mint();
  };

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
