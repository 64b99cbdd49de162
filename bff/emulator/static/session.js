// The session a page runs under: its token, the parent it talks to, and the expiry timers.
import { formatTime, showMessage } from "./dom.js";
import { findParentOrigin } from "./origins.js";

const REFRESH_TYPES = new Set(["craftkit.session.refreshed", "session.refresh"]);

// Read (never verify: the server does) the claims of a JWT, UTF-8 names included.
function decodeClaims(token) {
  const part = (token.split(".")[1] || "").replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function tokenFromHash() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  return params.get("token");
}

export class EmbedSession {
  #waitingForToken = null;

  constructor({ onExpiredChange } = {}) {
    const allowed = JSON.parse(document.body.dataset.frameAncestors || "[]");
    this.parentOrigin = findParentOrigin(allowed);
    this.onExpiredChange = onExpiredChange || (() => {});
    this.status = document.querySelector("[data-testid=session-status]");
    this.skew = 0;
    this.timers = [];
    this.expired = false;
    this.token = tokenFromHash();
    this.claims = null;
    window.addEventListener("message", (event) => this.#onMessage(event));
  }

  // Load the page's context; null (with a message shown) when the session is unusable.
  async start() {
    if (!this.token) return this.#fail("No session token: open this page from its iframe_url.");
    try {
      this.claims = decodeClaims(this.token);
    } catch {
      return this.#fail("The session token in the URL is malformed.");
    }
    for (;;) {
      const answer = await this.api("/v1/embed/iframe/context");
      if (answer.ok) {
        this.skew = answer.data.now - Date.now() / 1000;
        this.#schedule();
        this.post({ type: "craftkit.ready" });
        return answer.data;
      }
      if (answer.code !== "session_expired") return this.#fail(answer.message);
      // Expired before the page loaded: the host was told; wait for the token it sends.
      await new Promise((resolve) => { this.#waitingForToken = resolve; });
    }
  }

  // Call an iframe endpoint with the current token; never throws.
  async api(path, { method = "GET", body } = {}) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    } catch {
      return { ok: false, status: 0, message: "The Craftkit emulator cannot be reached." };
    }
    if (response.ok && !(response.headers.get("Content-Type") || "").includes("json")) {
      return { ok: true, status: response.status, blob: await response.blob() };
    }
    const data = await response.json().catch(() => ({}));
    const error = data.error || {};
    if (error.code === "session_expired") this.#expire();
    return { ok: response.ok, status: response.status, data, code: error.code,
             message: error.message || `Request failed (${response.status}).` };
  }

  // Post to the parent with an explicit target origin; silent when no allowed parent.
  post(message) {
    if (this.parentOrigin) window.parent.postMessage(message, this.parentOrigin);
  }

  #onMessage(event) {
    if (event.source !== window.parent || event.origin !== this.parentOrigin) return;
    const data = event.data || {};
    if (!REFRESH_TYPES.has(data.type) || typeof data.token !== "string") return;
    if (data.token === this.token) return; // the host sends both names with one token
    let claims;
    try {
      claims = decodeClaims(data.token);
    } catch {
      return;
    }
    if (!this.claims || claims.mode !== this.claims.mode) return;
    this.token = data.token;
    this.claims = claims;
    this.#schedule();
    if (this.#waitingForToken) {
      this.#waitingForToken();
      this.#waitingForToken = null;
    }
  }

  #schedule() {
    this.timers.forEach(clearTimeout);
    const { iat, exp } = this.claims;
    const lifetime = exp - iat;
    const lead = lifetime < 120 ? lifetime / 2 : 60;
    const nowServer = Date.now() / 1000 + this.skew;
    const inMs = (at) => Math.max(0, (at - nowServer) * 1000);
    this.timers = [
      setTimeout(() => this.#expiring(), inMs(exp - lead)),
      setTimeout(() => this.#expire(), inMs(exp)),
    ];
    this.#setExpired(false, "active");
  }

  #expiring() {
    this.#render("expiring");
    this.post({ type: "craftkit.session.expiring" });
  }

  #expire() {
    if (this.expired) return;
    this.timers.forEach(clearTimeout);
    this.#setExpired(true, "expired");
    this.post({ type: "craftkit.session.expired" });
  }

  #setExpired(expired, state) {
    const changed = this.expired !== expired;
    this.expired = expired;
    this.#render(state);
    if (changed && !expired) showMessage("");
    if (changed) this.onExpiredChange(expired);
  }

  #render(state) {
    const { jti, exp } = this.claims;
    this.status.dataset.state = state;
    this.status.dataset.jti = jti;
    this.status.dataset.exp = String(exp);
    const label = { active: "Session active", expiring: "Session expiring soon",
                    expired: "Session expired" }[state];
    this.status.textContent = `${label} · until ${formatTime(exp)} · ${jti.slice(0, 8)}`;
    if (state === "expired") showMessage("Your session expired. Waiting for a new one…", "error");
  }

  #fail(text) {
    this.status.dataset.state = "error";
    this.status.textContent = "No session";
    showMessage(text, "error");
    return null;
  }
}
