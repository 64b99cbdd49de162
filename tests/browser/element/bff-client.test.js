// The default session calls against a fake fetch: what is sent, and what each failure becomes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { postToBff } from "../../../bff/static/embed/bff-client.js";
import { CraftkitEmbedError } from "../../../bff/static/embed/errors.js";

/** A fetch that records its calls and answers `status` with `body` (a string is sent raw). */
function fakeFetch(status, body) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { "Content-Type": "application/json" } });
  };
  return { fetch, calls };
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

test("posts JSON with the page's cookies and resolves to the answer", async () => {
  const { fetch, calls } = fakeFetch(200, { session_token: "t", iframe_url: "https://c.test/" });
  const signal = new AbortController().signal;

  const data = await postToBff({ endpoint: "/api/craftkit", fetch }, "session", { mode: "fill" }, {
    signal,
  });

  assert.deepEqual(data, { session_token: "t", iframe_url: "https://c.test/" });
  const [{ url, init }] = calls;
  assert.equal(url, "/api/craftkit/session");
  assert.equal(init.method, "POST");
  assert.equal(init.credentials, "same-origin");
  assert.deepEqual(init.headers, { "Content-Type": "application/json", Accept: "application/json" });
  assert.equal(init.body, '{"mode":"fill"}');
  assert.equal(init.signal, signal);
});

test("a 401 means signed out, whatever the body says, and is not retried", async () => {
  const { fetch } = fakeFetch(401, { error: "unauthenticated", message: "No identity." });

  const error = await rejection(postToBff({ endpoint: "/e", fetch }, "refresh", {}));

  assert.ok(error instanceof CraftkitEmbedError);
  assert.equal(error.code, "unauthenticated");
  assert.equal(error.status, 401);
  assert.equal(error.retryable, false);
  assert.match(error.message, /sign in again/);
});

test("a 5xx keeps the BFF's code and message and may be retried", async () => {
  const { fetch } = fakeFetch(503, { error: "craftkit_unavailable", message: "Try again soon." });

  const error = await rejection(postToBff({ endpoint: "/e", fetch }, "session", {}));

  assert.deepEqual([error.code, error.status, error.retryable, error.message], [
    "craftkit_unavailable",
    503,
    true,
    "Try again soon.",
  ]);
});

test("a 4xx is not retried; without a JSON body the message names the URL and status", async () => {
  const { fetch } = fakeFetch(404, "<html>Not found</html>");

  const error = await rejection(postToBff({ endpoint: "/wrong", fetch }, "session", {}));

  assert.equal(error.code, "http_404");
  assert.equal(error.retryable, false);
  assert.equal(
    error.message,
    "/wrong/session refused the request with HTTP 404; " +
      "check the element's attributes and the server log.",
  );
});

test("a 5xx without a message says the server may be restarting", async () => {
  const { fetch } = fakeFetch(502, { error: 7 });

  const error = await rejection(postToBff({ endpoint: "/e", fetch }, "refresh", {}));

  assert.equal(error.code, "http_502");
  assert.equal(error.retryable, true);
  assert.match(error.message, /^\/e\/refresh failed with HTTP 502; the server may be restarting/);
});

test("an unreachable server is a retryable network_error", async () => {
  const fetch = async () => {
    throw new TypeError("Failed to fetch");
  };

  const error = await rejection(postToBff({ endpoint: "/api/craftkit", fetch }, "session", {}));

  assert.equal(error.code, "network_error");
  assert.equal(error.retryable, true);
  assert.equal(error.message, "Could not reach /api/craftkit/session; check the network connection.");
});

test("an aborted call rejects with the abort itself, not a network error", async () => {
  const controller = new AbortController();
  const abort = new DOMException("The operation was aborted.", "AbortError");
  const fetch = async () => {
    controller.abort();
    throw abort;
  };

  const error = await rejection(
    postToBff({ endpoint: "/e", fetch }, "session", {}, { signal: controller.signal }),
  );

  assert.equal(error, abort);
});

test("a successful answer that is not JSON resolves to null (the keeper reports it)", async () => {
  const { fetch } = fakeFetch(200, "not json");

  assert.equal(await postToBff({ endpoint: "/e", fetch }, "session", {}), null);
});
