// @ts-check
// What a message from the Craftkit iframe means: its event name (with or without the
// "craftkit." prefix) and its payload. DOM-free; the element checks origin and source first.

/** @typedef {"template.published" | "form.completed" | "session.expiring" | "session.expired"} FrameEvent */

const EVENTS = new Set(["template.published", "form.completed", "session.expiring", "session.expired"]);

/**
 * Read a message's data; null for anything that is not one of the four known events.
 * @param {unknown} data
 * @returns {{ name: FrameEvent, payload: unknown } | null}
 */
export function readFrameMessage(data) {
  if (!data || typeof data !== "object") return null;
  const message = /** @type {{ type?: unknown, payload?: unknown }} */ (data);
  if (typeof message.type !== "string") return null;
  const name = message.type.startsWith("craftkit.")
    ? message.type.slice("craftkit.".length)
    : message.type;
  if (!EVENTS.has(name)) return null;
  return { name: /** @type {FrameEvent} */ (name), payload: payloadOf(message) };
}

// The seeds' pages send {type, payload}; older senders put the fields beside the type.
/** @param {{ type?: unknown, payload?: unknown }} message */
function payloadOf(message) {
  if ("payload" in message) return message.payload;
  const { type, ...rest } = message;
  return rest;
}
