// @ts-check
// The session keeper: mints an embed session and keeps it alive, with no DOM. It refreshes on
// a timer from the server's expires_in (one refresh at a time), retries a failing refresh with
// backoff, re-mints when refresh gives up or the session expired, and re-checks on recheck()
// (the element calls it when the page wakes up or comes back online). Its clock, timers and
// session calls are injected, so tests move time without waiting.

import { toEmbedError } from "./errors.js";
import { readRefresh, readSession, refreshDelay } from "./session-response.js";

const RETRY_MARGIN_MS = 250; // leave room for one last refresh attempt before expiry.

/** @typedef {import("./errors.js").CraftkitEmbedError} CraftkitEmbedError */
/** @typedef {import("./types/index.js").SessionParams} SessionParams */
/** @typedef {import("./types/index.js").RefreshParams} RefreshParams */
/** @typedef {import("./types/index.js").FetchSession} FetchSession */
/** @typedef {import("./types/index.js").RefreshSession} RefreshSession */

/**
 * @typedef {object} Clock
 * @property {() => number} now monotonic milliseconds, like performance.now()
 * @property {() => number} epochNow wall-clock milliseconds, only to read an `expires_at`
 * @property {(callback: () => void, ms: number) => unknown} setTimeout
 * @property {(id: unknown) => void} clearTimeout
 */

/**
 * @typedef {object} KeeperOptions
 * @property {() => SessionParams} sessionParams read at each mint; a throw fails the mint
 * @property {FetchSession} fetchSession
 * @property {RefreshSession} refreshSession
 * @property {() => number[]} retryDelays waits before each refresh retry, read per refresh
 * @property {() => string} baseURL resolves a relative iframe_url
 * @property {() => void} onMinting a mint started; any previous session is gone
 * @property {(session: { url: URL }) => void} onStarted a session was minted: frame `url`
 * @property {(refresh: { token: string, expiresIn: number | null }) => void} onRefreshed
 * @property {(error: CraftkitEmbedError, phase: "mint" | "refresh") => void} onError
 * @property {Clock} [clock] default: systemClock
 */

/**
 * @typedef {object} KeptSession
 * @property {URL} url
 * @property {string | null} renewToken
 * @property {string | null} orgId
 * @property {number} expiresAt clock.now() ms
 * @property {number} refreshAt clock.now() ms
 */

/** The real clock: performance.now() (read at each call) and the global timers. */
/** @type {Clock} */
export const systemClock = {
  now: () => performance.now(),
  epochNow: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (id) => globalThis.clearTimeout(/** @type {number | undefined} */ (id)),
};

export class SessionKeeper {
  /** @type {KeeperOptions} */
  #options;
  /** @type {Clock} */
  #clock;
  #generation = 0; // bumped whenever the current session is abandoned
  /** @type {AbortController | null} aborts the current session's calls and backoff sleeps */
  #work = null;
  /** @type {unknown} */
  #timer = undefined;
  /** @type {Promise<void> | null} */
  #minting = null;
  /** @type {Promise<boolean> | null} */
  #refreshing = null;
  /** @type {KeptSession | null} */
  #session = null;
  /** @type {CraftkitEmbedError | null} */
  #lastError = null;

  /** @param {KeeperOptions} options */
  constructor(options) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** The framed session's URL, or null while there is none. */
  get url() {
    return this.#session?.url ?? null;
  }

  /** Abandon any session and mint a new one; resolves once it started or failed. */
  mint() {
    this.stop();
    const work = new AbortController();
    this.#work = work;
    const generation = this.#generation;
    this.#options.onMinting();
    let settled = false; // a callback that throws at once settles the mint synchronously
    const minting = (async () => {
      try {
        const params = this.#options.sessionParams();
        const data = await this.#options.fetchSession(params, { signal: work.signal });
        if (generation !== this.#generation) return;
        const minted = readSession(data, this.#options.baseURL(), this.#clock.epochNow);
        this.#start(minted, params.tenantExternalId ?? null);
      } catch (caught) {
        if (generation !== this.#generation) return;
        const error = toEmbedError(caught);
        this.#lastError = error;
        this.#options.onError(error, "mint");
      } finally {
        settled = true;
        if (generation === this.#generation) this.#minting = null;
      }
    })();
    if (!settled && generation === this.#generation) this.#minting = minting;
    return minting;
  }

  /** Refresh now; true once refreshed. Concurrent calls share one attempt. */
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

  /** Timer and wake-up check: re-mint if expired, refresh if due, else wait again. */
  recheck = () => {
    const session = this.#session;
    if (!session) {
      if (this.#lastError?.retryable && !this.#minting) this.mint();
      return;
    }
    const now = this.#clock.now();
    this.#clock.clearTimeout(this.#timer);
    if (now >= session.expiresAt) {
      this.mint();
    } else if (now >= session.refreshAt) {
      this.refresh();
    } else {
      const next = Math.min(session.refreshAt, session.expiresAt);
      if (Number.isFinite(next)) this.#timer = this.#clock.setTimeout(this.recheck, next - now);
    }
  };

  /** Forget the current session: stop its timer, calls and backoff; late answers are ignored. */
  stop() {
    this.#generation += 1;
    this.#work?.abort();
    this.#work = null;
    this.#clock.clearTimeout(this.#timer);
    this.#minting = null;
    this.#refreshing = null;
    this.#session = null;
    this.#lastError = null;
  }

  /**
   * @param {import("./session-response.js").MintedSession} minted
   * @param {string | null} orgId
   */
  #start({ url, renewToken, lifetimeMs }, orgId) {
    const session = { url, renewToken, orgId, expiresAt: Infinity, refreshAt: Infinity };
    this.#session = session;
    this.#setLifetime(session, lifetimeMs);
    this.#options.onStarted({ url });
  }

  /**
   * @param {KeptSession} session
   * @param {number | null} lifetimeMs
   */
  #setLifetime(session, lifetimeMs) {
    this.#clock.clearTimeout(this.#timer);
    if (lifetimeMs == null) {
      session.expiresAt = session.refreshAt = Infinity;
      return;
    }
    const now = this.#clock.now();
    const delay = refreshDelay(lifetimeMs);
    session.expiresAt = now + lifetimeMs;
    session.refreshAt = now + delay;
    this.#timer = this.#clock.setTimeout(this.recheck, delay);
  }

  async #runRefresh() {
    const generation = this.#generation;
    const session = /** @type {KeptSession} */ (this.#session);
    const { signal } = /** @type {AbortController} */ (this.#work);
    if (!session.renewToken) return this.#waitForExpiry(session);
    const delays = this.#options.retryDelays();
    for (let attempt = 0; ; attempt += 1) {
      try {
        /** @type {RefreshParams} */
        const params = { renewToken: session.renewToken };
        if (session.orgId) params.orgId = session.orgId;
        const data = await this.#options.refreshSession(params, { signal });
        if (generation !== this.#generation) return false;
        const { token, renewToken, lifetimeMs } = readRefresh(data, this.#clock.epochNow);
        if (renewToken) session.renewToken = renewToken;
        this.#setLifetime(session, lifetimeMs);
        this.#options.onRefreshed({ token, expiresIn: lifetimeMs == null ? null : lifetimeMs / 1000 });
        return true;
      } catch (caught) {
        if (generation !== this.#generation) return false;
        const error = toEmbedError(caught);
        const remaining = session.expiresAt - this.#clock.now();
        if (!error.retryable || attempt >= delays.length || remaining <= 0) {
          return this.#giveUpRefresh(session, error);
        }
        await this.#sleep(Math.min(delays[attempt], Math.max(0, remaining - RETRY_MARGIN_MS)), signal);
        if (generation !== this.#generation) return false;
      }
    }
  }

  /**
   * @param {KeptSession} session
   * @param {CraftkitEmbedError} error
   */
  #giveUpRefresh(session, error) {
    const generation = this.#generation;
    this.#options.onError(error, "refresh");
    if (generation !== this.#generation) return false; // a listener moved on (removed, re-minted)
    // Signed out: a new session would be refused too. Keep the frame until it expires.
    if (error.code === "unauthenticated") return this.#waitForExpiry(session);
    this.mint();
    return false;
  }

  /** @param {KeptSession} session */
  #waitForExpiry(session) {
    session.refreshAt = Infinity;
    this.#clock.clearTimeout(this.#timer);
    if (Number.isFinite(session.expiresAt)) {
      const wait = Math.max(0, session.expiresAt - this.#clock.now());
      this.#timer = this.#clock.setTimeout(this.recheck, wait);
    }
    return false;
  }

  /**
   * @param {number} ms
   * @param {AbortSignal} signal
   * @returns {Promise<void>}
   */
  #sleep(ms, signal) {
    return new Promise((resolve) => {
      /** @type {unknown} */
      let id;
      const done = () => {
        this.#clock.clearTimeout(id);
        signal.removeEventListener("abort", done);
        resolve();
      };
      id = this.#clock.setTimeout(done, ms);
      signal.addEventListener("abort", done);
    });
  }
}
