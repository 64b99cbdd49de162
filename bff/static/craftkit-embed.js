// <craftkit-embed>: hosts the Craftkit iframe, keeps its session alive, and re-dispatches its
// events as DOM events. One dependency-free ES module; no build step. Types: craftkit-embed.d.ts.
//
//   <script type="module" src="/static/craftkit-embed.js"></script>
//   <craftkit-embed mode="fill" tenant="org-1" template="tpl-uuid"></craftkit-embed>
//
// Attributes: mode (create|edit|fill|view, default edit), tenant, template, template-name
// (changing any of these re-mints), endpoint (default /api/craftkit), retry-delays (ms list).
// Properties: fetchSession, refreshSession, fetch (seams, default: the BFF), retry(), refresh().
// Events (bubbling, composed): craftkit:published, craftkit:completed, craftkit:refreshed
// {expiresIn}, craftkit:error {code, retryable, message, phase}.
// State: data-state="loading|ready|error" on the element; shadow parts frame, status, error,
// error-message, retry.

const DEFAULT_ENDPOINT = "/api/craftkit";
const MODES = ["create", "edit", "fill", "view"];
const TITLES = {
  create: "Craftkit template builder",
  edit: "Craftkit template builder",
  fill: "Craftkit form",
  view: "Craftkit document viewer",
};
const DEFAULT_RETRY_DELAYS = [1000, 2000, 4000];
// Refresh at 80% of the lifetime or 60 s before expiry, whichever is earlier, but not before
// half the lifetime (short sessions would otherwise refresh at once, forever) nor within 1 s.
const REFRESH_FRACTION = 0.8;
const REFRESH_LEAD_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 1000;
const RETRY_MARGIN_MS = 250; // leave room for one last refresh attempt before expiry.
// Property (and mount() option) -> attribute; and the properties that are not attributes.
const ATTRIBUTES = {
  mode: "mode",
  tenant: "tenant",
  template: "template",
  templateName: "template-name",
  endpoint: "endpoint",
};
const PROPERTIES = ["fetchSession", "refreshSession", "fetch", "retryDelays"];

const template = document.createElement("template");
template.innerHTML = `
<style>
  :host { display: block; position: relative; min-height: 480px; }
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

/** An error with a stable `code` and whether trying again may help. */
export class CraftkitEmbedError extends Error {
  constructor(code, message, { status, retryable = false } = {}) {
    super(message);
    this.name = "CraftkitEmbedError";
    this.code = code;
    this.status = status;
    this.retryable = retryable;
  }
}

export class CraftkitEmbedElement extends HTMLElement {
  static observedAttributes = Object.values(ATTRIBUTES);

  #fetch = null;
  #fetchSession = null;
  #refreshSession = null;
  #retryDelays = null;

  #status;
  #errorBox;
  #errorText;
  #retryButton;
  #iframe = null;

  #connection = null; // aborts this connection's listeners
  #work = null; // aborts the current session's fetches and backoff sleeps
  #generation = 0; // bumped whenever the current session is abandoned
  #mintQueued = false;
  #minting = null;
  #refreshing = null;
  #session = null; // { origin, tenant, renewToken, expiresAt, refreshAt } (performance.now() ms)
  #timer = 0;
  #lastError = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.append(template.content.cloneNode(true));
    this.#status = root.querySelector('[part="status"]');
    this.#errorBox = root.querySelector('[part="error"]');
    this.#errorText = root.querySelector('[part="error-message"]');
    this.#retryButton = root.querySelector('[part="retry"]');
  }

  connectedCallback() {
    for (const name of [...Object.keys(ATTRIBUTES), ...PROPERTIES]) this.#upgradeProperty(name);
    this.#connection = new AbortController();
    const { signal } = this.#connection;
    const view = this.ownerDocument.defaultView ?? window;
    view.addEventListener("message", this.#onMessage, { signal });
    view.addEventListener("online", this.#recheck, { signal });
    this.ownerDocument.addEventListener("visibilitychange", this.#onVisibilityChange, { signal });
    this.#retryButton.addEventListener("click", () => this.retry(), { signal });
    this.#setState("loading");
    this.#scheduleMint();
  }

  disconnectedCallback() {
    this.#connection?.abort();
    this.#connection = null;
    this.#abandonSession();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (name !== "endpoint" && oldValue !== newValue && this.#connection) this.#scheduleMint();
  }

  get mode() {
    return this.getAttribute("mode") || "edit";
  }
  set mode(value) {
    this.#reflect("mode", value);
  }
  get tenant() {
    return this.getAttribute("tenant") || null;
  }
  set tenant(value) {
    this.#reflect("tenant", value);
  }
  get template() {
    return this.getAttribute("template") || null;
  }
  set template(value) {
    this.#reflect("template", value);
  }
  get templateName() {
    return this.getAttribute("template-name") || null;
  }
  set templateName(value) {
    this.#reflect("template-name", value);
  }
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
    return this.#fetchSession ?? ((params, options) => this.#post("session", params, options));
  }
  set fetchSession(value) {
    this.#fetchSession = checkFunction("fetchSession", value);
  }

  /** `({renewToken, orgId}, {signal}) => Promise<SessionResponse>`; default: POST .../refresh. */
  get refreshSession() {
    return this.#refreshSession ?? ((params, options) => this.#post("refresh", params, options));
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
    if (this.#connection) this.#mint();
  }

  /** Refresh the session now; resolves true when refreshed. Concurrent calls share one attempt. */
  refresh() {
    if (!this.#session) return Promise.resolve(false);
    if (!this.#refreshing) {
      const attempt = this.#runRefresh().finally(() => {
        if (this.#refreshing === attempt) this.#refreshing = null;
      });
      this.#refreshing = attempt;
    }
    return this.#refreshing;
  }

  // Attribute changes in one task coalesce into one mint.
  #scheduleMint() {
    if (this.#mintQueued) return;
    this.#mintQueued = true;
    queueMicrotask(() => {
      this.#mintQueued = false;
      if (this.#connection) this.#mint();
    });
  }

  #mint() {
    this.#abandonSession();
    this.#work = new AbortController();
    const generation = this.#generation;
    const { signal } = this.#work;
    const tenant = this.tenant;
    this.#setState("loading");
    this.#minting = (async () => {
      try {
        const data = await this.fetchSession(this.#sessionParams(), { signal });
        if (generation === this.#generation) this.#start(readSession(data), tenant);
      } catch (error) {
        if (generation === this.#generation) this.#fail(error);
      } finally {
        if (generation === this.#generation) this.#minting = null;
      }
    })();
    return this.#minting;
  }

  #sessionParams() {
    const mode = this.mode;
    if (!MODES.includes(mode)) {
      throw new CraftkitEmbedError(
        "invalid_mode",
        `The mode attribute is "${mode}"; set it to one of ${MODES.join(", ")}.`,
      );
    }
    const params = { mode };
    if (this.tenant) params.tenantExternalId = this.tenant;
    if (this.template) params.templateExternalId = this.template;
    if (this.templateName) params.templateName = this.templateName;
    return params;
  }

  #start({ url, renewToken, lifetimeMs }, tenant) {
    const iframe = document.createElement("iframe");
    iframe.setAttribute("part", "frame");
    iframe.title = TITLES[this.mode] ?? TITLES.edit;
    iframe.allow = "clipboard-write";
    iframe.addEventListener("load", () => {
      if (this.#iframe === iframe) this.#setState("ready");
    });
    iframe.src = url.href;
    this.shadowRoot.append(iframe);
    this.#iframe = iframe;
    this.#session = {
      origin: url.origin,
      tenant,
      renewToken,
      expiresAt: Infinity,
      refreshAt: Infinity,
    };
    this.#setLifetime(lifetimeMs);
  }

  // Forget the current session: stop its timer, fetches and backoff, and drop its iframe.
  #abandonSession() {
    this.#generation += 1;
    this.#work?.abort();
    this.#work = null;
    clearTimeout(this.#timer);
    this.#minting = null;
    this.#refreshing = null;
    this.#session = null;
    this.#lastError = null;
    this.#iframe?.remove();
    this.#iframe = null;
  }

  #setLifetime(lifetimeMs) {
    const session = this.#session;
    clearTimeout(this.#timer);
    if (lifetimeMs == null) {
      session.expiresAt = session.refreshAt = Infinity;
      return;
    }
    const now = performance.now();
    const delay = Math.max(
      MIN_REFRESH_DELAY_MS,
      lifetimeMs / 2,
      Math.min(lifetimeMs * REFRESH_FRACTION, lifetimeMs - REFRESH_LEAD_MS),
    );
    session.expiresAt = now + lifetimeMs;
    session.refreshAt = now + delay;
    this.#timer = setTimeout(this.#recheck, delay);
  }

  // Timer fallback and wake-up check: re-mint if expired, refresh if due, else wait again.
  #recheck = () => {
    if (!this.#connection) return;
    const session = this.#session;
    if (!session) {
      if (this.#lastError?.retryable && !this.#minting) this.#mint();
      return;
    }
    const now = performance.now();
    clearTimeout(this.#timer);
    if (now >= session.expiresAt) {
      this.#mint();
    } else if (now >= session.refreshAt) {
      this.refresh();
    } else {
      const next = Math.min(session.refreshAt, session.expiresAt);
      if (Number.isFinite(next)) this.#timer = setTimeout(this.#recheck, next - now);
    }
  };

  #onVisibilityChange = () => {
    if (this.ownerDocument.visibilityState === "visible") this.#recheck();
  };

  async #runRefresh() {
    const generation = this.#generation;
    const session = this.#session;
    const { signal } = this.#work;
    if (!session.renewToken) return this.#waitForExpiry(session);
    const delays = this.retryDelays;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const params = { renewToken: session.renewToken };
        if (session.tenant) params.orgId = session.tenant;
        const data = await this.refreshSession(params, { signal });
        if (generation !== this.#generation) return false;
        this.#applyRefresh(session, data);
        return true;
      } catch (caught) {
        if (generation !== this.#generation) return false;
        const error = toEmbedError(caught);
        const remaining = session.expiresAt - performance.now();
        if (!error.retryable || attempt >= delays.length || remaining <= 0) {
          return this.#giveUpRefresh(session, error);
        }
        await sleep(Math.min(delays[attempt], Math.max(0, remaining - RETRY_MARGIN_MS)), signal);
        if (generation !== this.#generation) return false;
      }
    }
  }

  #applyRefresh(session, data) {
    const token = data?.session_token;
    if (typeof token !== "string" || !token) {
      throw new CraftkitEmbedError(
        "invalid_session_response",
        "The refresh response has no session_token; " +
          "check what refreshSession or the /refresh route returns.",
      );
    }
    if (typeof data.renew_token === "string" && data.renew_token)
      session.renewToken = data.renew_token;
    const target = this.#iframe?.contentWindow;
    // Never "*": if the frame navigated to another origin, the token is not delivered.
    target?.postMessage({ type: "craftkit.session.refreshed", token }, session.origin);
    target?.postMessage({ type: "session.refresh", token }, session.origin);
    const lifetimeMs = lifetimeOf(data);
    this.#setLifetime(lifetimeMs);
    this.#emit("craftkit:refreshed", { expiresIn: lifetimeMs == null ? null : lifetimeMs / 1000 });
  }

  #giveUpRefresh(session, error) {
    const generation = this.#generation;
    this.#emitError(error, "refresh");
    if (generation !== this.#generation || !this.#connection) return false; // a listener moved on
    // Signed out: a new session would be refused too. Keep the frame until it expires.
    if (error.code === "unauthenticated") return this.#waitForExpiry(session);
    this.#mint();
    return false;
  }

  #waitForExpiry(session) {
    session.refreshAt = Infinity;
    clearTimeout(this.#timer);
    if (Number.isFinite(session.expiresAt)) {
      this.#timer = setTimeout(this.#recheck, Math.max(0, session.expiresAt - performance.now()));
    }
    return false;
  }

  // Only the current iframe's window, at the origin its session was minted for, is listened to.
  #onMessage = (event) => {
    const iframe = this.#iframe;
    const session = this.#session;
    if (!iframe || !session) return;
    if (event.source !== iframe.contentWindow || event.origin !== session.origin) return;
    const data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    const name = data.type.startsWith("craftkit.")
      ? data.type.slice("craftkit.".length)
      : data.type;
    if (name === "template.published") this.#emit("craftkit:published", payloadOf(data));
    else if (name === "form.completed") this.#emit("craftkit:completed", payloadOf(data));
    else if (name === "session.expiring") this.refresh();
    else if (name === "session.expired") this.#mint();
  };

  #fail(caught) {
    const error = toEmbedError(caught);
    this.#lastError = error;
    this.#errorText.textContent = describe(error);
    this.#setState("error");
    this.#emitError(error, "mint");
  }

  #setState(state) {
    this.dataset.state = state;
    this.setAttribute("aria-busy", String(state === "loading"));
    this.#status.hidden = state !== "loading";
    this.#errorBox.hidden = state !== "error";
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #emitError(error, phase) {
    const { code, retryable, message } = error;
    this.#emit("craftkit:error", { code, retryable, message, phase });
  }

  async #post(route, body, { signal } = {}) {
    const url = `${this.endpoint}/${route}`;
    const fetchImpl = this.fetch;
    let response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CraftkitEmbedError(
        "network_error",
        `Could not reach ${url}; check the network connection.`,
        {
          retryable: true,
        },
      );
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw errorFromResponse(response.status, data, url);
    return data;
  }

  #reflect(name, value) {
    if (value == null) this.removeAttribute(name);
    else this.setAttribute(name, value);
  }

  // A property set before the element was upgraded shadows the accessor; re-apply it.
  #upgradeProperty(name) {
    if (Object.prototype.hasOwnProperty.call(this, name)) {
      const value = this[name];
      delete this[name];
      this[name] = value;
    }
  }
}

function checkFunction(name, value) {
  if (value == null) return null;
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function (or null to restore the default).`);
  }
  return value;
}

function parseDelays(text) {
  if (!text) return null;
  const delays = text.split(",").map((part) => Number(part.trim()));
  return delays.every((ms) => Number.isFinite(ms) && ms >= 0) ? delays : null;
}

function readSession(data) {
  let url = null;
  try {
    url = new URL(data?.iframe_url, document.baseURI);
  } catch {
    // reported below
  }
  if (typeof data?.iframe_url !== "string" || !url || !/^https?:$/.test(url.protocol)) {
    throw new CraftkitEmbedError(
      "invalid_session_response",
      "The session response has no http(s) iframe_url; " +
        "check what fetchSession or the /session route returns.",
    );
  }
  const renewToken =
    typeof data.renew_token === "string" && data.renew_token ? data.renew_token : null;
  return { url, renewToken, lifetimeMs: lifetimeOf(data) };
}

// Trust the server's expires_in (seconds) over expires_at: the client's clock may be skewed.
function lifetimeOf(data) {
  const seconds = Number(data?.expires_in);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  const fallback = Date.parse(data?.expires_at) - Date.now();
  return Number.isFinite(fallback) && fallback > 0 ? fallback : null;
}

function payloadOf(data) {
  if ("payload" in data) return data.payload;
  const { type, ...rest } = data;
  return rest;
}

function errorFromResponse(status, data, url) {
  if (status === 401) {
    return new CraftkitEmbedError(
      "unauthenticated",
      "You are not signed in, or your sign-in has expired; sign in again, then retry.",
      { status },
    );
  }
  const code = typeof data?.error === "string" ? data.error : `http_${status}`;
  const retryable = status >= 500;
  const message =
    typeof data?.message === "string" && data.message
      ? data.message
      : retryable
        ? `${url} failed with HTTP ${status}; the server may be restarting or overloaded.`
        : `${url} refused the request with HTTP ${status}; ` +
          "check the element's attributes and the server log.";
  return new CraftkitEmbedError(code, message, { status, retryable });
}

// Errors thrown by host callbacks may be anything; give them a code and a retry decision.
function toEmbedError(error) {
  if (error instanceof CraftkitEmbedError) return error;
  const status = Number(error?.status) || undefined;
  const code =
    typeof error?.code === "string" ? error.code : status ? `http_${status}` : "session_failed";
  const retryable =
    typeof error?.retryable === "boolean"
      ? error.retryable
      : status
        ? status >= 500
        : code !== "unauthenticated";
  const message = error?.message || String(error);
  return new CraftkitEmbedError(code, message, { status, retryable });
}

// What the error state tells a user: what happened and what to do next.
function describe(error) {
  if (error.code === "unauthenticated")
    return "You are signed out. Sign in again, then press Retry.";
  const next = error.retryable ? "Press Retry to try again." : "Press Retry once this is fixed.";
  return `Could not load the document builder. ${error.message} ${next}`;
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(id);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const id = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

let classInUse = false;

/** Define the element under `tagName`; does nothing if that name is already defined. */
export function define(tagName = "craftkit-embed") {
  if (!customElements.get(tagName)) {
    // A constructor can back only one name, so further names get a trivial subclass.
    customElements.define(
      tagName,
      classInUse ? class extends CraftkitEmbedElement {} : CraftkitEmbedElement,
    );
    classInUse = true;
  }
  return customElements.get(tagName);
}

const EVENT_OPTIONS = {
  onPublished: "craftkit:published",
  onCompleted: "craftkit:completed",
  onRefreshed: "craftkit:refreshed",
  onError: "craftkit:error",
};

/** Create a <craftkit-embed> in `container` (an element or a selector); `destroy()` removes it. */
export function mount(container, options = {}) {
  const host = typeof container === "string" ? document.querySelector(container) : container;
  if (!(host instanceof Element)) {
    const got =
      typeof container === "string" ? `"${container}", which matches nothing` : String(container);
    throw new TypeError(`mount() needs an element or a selector that matches one; got ${got}.`);
  }
  const Embed = define();
  const element = new Embed();
  for (const [option, attribute] of Object.entries(ATTRIBUTES)) {
    if (options[option] != null) element.setAttribute(attribute, options[option]);
  }
  for (const name of PROPERTIES) {
    if (options[name] != null) element[name] = options[name];
  }
  const listeners = new AbortController();
  for (const [option, type] of Object.entries(EVENT_OPTIONS)) {
    const callback = options[option];
    if (typeof callback === "function") {
      element.addEventListener(type, (event) => callback(event.detail), {
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

define();
