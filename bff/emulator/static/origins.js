// Which window may hear from this page: the framing parent, only if FRAME_ANCESTORS allows it.

const DEFAULT_PORTS = { "http:": "80", "https:": "443" };
const SOURCE = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^:/*]+)(?::(\d+|\*))?\/?$/i;

// Match an origin against one CSP frame-ancestors source ('self', *, scheme:, or
// scheme://[*.]host[:port|:*]), the same grammar the server puts in its header.
export function originMatches(pattern, origin, selfOrigin) {
  if (pattern === "'self'") return origin === selfOrigin;
  if (pattern === "*") return true;
  let url;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (/^[a-z][a-z0-9+.-]*:$/i.test(pattern)) return url.protocol === pattern.toLowerCase();
  const m = SOURCE.exec(pattern);
  if (!m || url.protocol !== m[1].toLowerCase() + ":") return false;
  const host = m[3].toLowerCase();
  const hostOk = m[2] ? url.hostname.endsWith("." + host) : url.hostname === host;
  const port = url.port || DEFAULT_PORTS[url.protocol] || "";
  const portOk = m[4] === "*" || port === (m[4] || DEFAULT_PORTS[url.protocol] || "");
  return hostOk && portOk;
}

// The parent's origin from ancestorOrigins (Chromium) or the referrer, or null when the page
// is not framed or its parent is not an allowed ancestor: then nothing is ever posted.
export function findParentOrigin(allowed) {
  if (window.parent === window) return null;
  let origin = null;
  if (window.location.ancestorOrigins && window.location.ancestorOrigins.length) {
    origin = window.location.ancestorOrigins[0];
  } else if (document.referrer) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      origin = null;
    }
  }
  if (!origin || origin === "null") return null;
  const ok = allowed.some((pattern) => originMatches(pattern, origin, window.location.origin));
  return ok ? origin : null;
}
