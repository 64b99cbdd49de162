// @ts-check
// The default session calls: POST {endpoint}/session and /refresh on the BFF, with the page's
// own cookies, turning every failure into a CraftkitEmbedError that says what to do next.
// DOM-free: the fetch to use is passed in (the element's `fetch` seam).

import { CraftkitEmbedError } from "./errors.js";

/** @typedef {import("./types/index.js").SessionResponse} SessionResponse */
/** @typedef {import("./types/index.js").SessionCallbackOptions} SessionCallbackOptions */

/**
 * POST `body` as JSON to `{endpoint}/{route}`; resolve to the JSON answer.
 * @param {{ endpoint: string, fetch: typeof globalThis.fetch }} target
 * @param {"session" | "refresh"} route
 * @param {object} body
 * @param {Partial<SessionCallbackOptions>} [options]
 * @returns {Promise<SessionResponse>}
 * @throws {CraftkitEmbedError} network_error, unauthenticated, the BFF's code, or http_<status>
 */
export async function postToBff({ endpoint, fetch }, route, body, { signal } = {}) {
  const url = `${endpoint}/${route}`;
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url, {
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
      { retryable: true },
    );
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw errorFromResponse(response.status, data, url);
  return data;
}

/**
 * @param {number} status
 * @param {unknown} data
 * @param {string} url
 */
function errorFromResponse(status, data, url) {
  if (status === 401) {
    return new CraftkitEmbedError(
      "unauthenticated",
      "You are not signed in, or your sign-in has expired; sign in again, then retry.",
      { status },
    );
  }
  const answer = /** @type {{ error?: unknown, message?: unknown }} */ (
    data && typeof data === "object" ? data : {}
  );
  const code = typeof answer.error === "string" ? answer.error : `http_${status}`;
  const retryable = status >= 500;
  const message =
    typeof answer.message === "string" && answer.message
      ? answer.message
      : retryable
        ? `${url} failed with HTTP ${status}; the server may be restarting or overloaded.`
        : `${url} refused the request with HTTP ${status}; ` +
          "check the element's attributes and the server log.";
  return new CraftkitEmbedError(code, message, { status, retryable });
}
