// @ts-check
// The element's one error type, and how any error a host callback throws becomes one.
// DOM-free: imported by the session keeper and the BFF client as well as the element.

/** An error with a stable `code` and whether trying again may help. */
export class CraftkitEmbedError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ status?: number, retryable?: boolean }} [options]
   */
  constructor(code, message, { status, retryable = false } = {}) {
    super(message);
    this.name = "CraftkitEmbedError";
    /** @readonly */
    this.code = code;
    /** @readonly @type {number | undefined} */
    this.status = status;
    /** @readonly */
    this.retryable = retryable;
  }
}

/**
 * Give anything a host callback rejects with a code and a retry decision: its own `code`,
 * `status` and `retryable` when present; a 4xx status or "unauthenticated" is not retried.
 * @param {unknown} error
 * @returns {CraftkitEmbedError}
 */
export function toEmbedError(error) {
  if (error instanceof CraftkitEmbedError) return error;
  const fields = /** @type {{ status?: unknown, code?: unknown, retryable?: unknown, message?: unknown }} */ (
    error && typeof error === "object" ? error : {}
  );
  const status = Number(fields.status) || undefined;
  const code =
    typeof fields.code === "string" ? fields.code : status ? `http_${status}` : "session_failed";
  const retryable =
    typeof fields.retryable === "boolean"
      ? fields.retryable
      : status
        ? status >= 500
        : code !== "unauthenticated";
  const message =
    typeof fields.message === "string" && fields.message ? fields.message : String(error);
  return new CraftkitEmbedError(code, message, { status, retryable });
}
