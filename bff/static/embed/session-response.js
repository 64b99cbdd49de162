// @ts-check
// Reading the BFF's session JSON: the iframe URL to frame, the sealed renew token, and how long
// the session lives; and when to refresh it. DOM-free (the caller passes the base URL and clock).

import { CraftkitEmbedError } from "./errors.js";

// Refresh at 80% of the lifetime or 60 s before expiry, whichever is earlier, but not before
// half the lifetime (short sessions would otherwise refresh at once, forever) nor within 1 s.
const REFRESH_FRACTION = 0.8;
const REFRESH_LEAD_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 1000;

/**
 * @typedef {object} MintedSession
 * @property {URL} url the page to frame; its origin is the only one listened to
 * @property {string | null} renewToken the sealed renew token, or null: no refresh possible
 * @property {number | null} lifetimeMs null when the server did not say
 */

/**
 * Check a `/session` answer and read what the element needs from it.
 * @param {unknown} data
 * @param {string} baseURL resolves a relative iframe_url
 * @param {() => number} epochNow wall-clock ms, only for an answer without expires_in
 * @returns {MintedSession}
 * @throws {CraftkitEmbedError} invalid_session_response
 */
export function readSession(data, baseURL, epochNow) {
  const answer = /** @type {Record<string, unknown> | null} */ (
    data && typeof data === "object" ? data : null
  );
  /** @type {URL | null} */
  let url = null;
  if (typeof answer?.iframe_url === "string") {
    try {
      url = new URL(answer.iframe_url, baseURL);
    } catch {
      // reported below
    }
  }
  if (!answer || !url || !/^https?:$/.test(url.protocol)) {
    throw new CraftkitEmbedError(
      "invalid_session_response",
      "The session response has no http(s) iframe_url; " +
        "check what fetchSession or the /session route returns.",
    );
  }
  return { url, renewToken: renewTokenOf(answer), lifetimeMs: lifetimeOf(answer, epochNow) };
}

/**
 * Check a `/refresh` answer: the new session token, renew token and lifetime.
 * @param {unknown} data
 * @param {() => number} epochNow
 * @returns {{ token: string, renewToken: string | null, lifetimeMs: number | null }}
 * @throws {CraftkitEmbedError} invalid_session_response
 */
export function readRefresh(data, epochNow) {
  const answer = /** @type {Record<string, unknown>} */ (
    data && typeof data === "object" ? data : {}
  );
  const token = answer.session_token;
  if (typeof token !== "string" || !token) {
    throw new CraftkitEmbedError(
      "invalid_session_response",
      "The refresh response has no session_token; " +
        "check what refreshSession or the /refresh route returns.",
    );
  }
  return { token, renewToken: renewTokenOf(answer), lifetimeMs: lifetimeOf(answer, epochNow) };
}

/**
 * How long after minting (or refreshing) to refresh a session that lives `lifetimeMs`.
 * @param {number} lifetimeMs
 */
export function refreshDelay(lifetimeMs) {
  return Math.max(
    MIN_REFRESH_DELAY_MS,
    lifetimeMs / 2,
    Math.min(lifetimeMs * REFRESH_FRACTION, lifetimeMs - REFRESH_LEAD_MS),
  );
}

/** @param {Record<string, unknown>} answer */
function renewTokenOf(answer) {
  return typeof answer.renew_token === "string" && answer.renew_token ? answer.renew_token : null;
}

// Trust the server's expires_in (seconds) over expires_at: the client's clock may be skewed.
/**
 * @param {Record<string, unknown>} answer
 * @param {() => number} epochNow
 */
function lifetimeOf(answer, epochNow) {
  const seconds = Number(answer.expires_in);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  const expiresAt = typeof answer.expires_at === "string" ? Date.parse(answer.expires_at) : NaN;
  const fallback = expiresAt - epochNow();
  return Number.isFinite(fallback) && fallback > 0 ? fallback : null;
}
