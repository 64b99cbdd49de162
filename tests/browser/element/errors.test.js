// toEmbedError: whatever a host callback rejects with becomes an error with a code and a
// retry decision; and readFrameMessage: which iframe messages mean something.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CraftkitEmbedError, toEmbedError } from "../../../bff/static/embed/errors.js";
import { readFrameMessage } from "../../../bff/static/embed/frame-messages.js";

const summary = (error) => [error.code, error.status, error.retryable, error.message];

test("an embed error passes through unchanged", () => {
  const error = new CraftkitEmbedError("forbidden", "Not yours.", { status: 403 });
  assert.equal(toEmbedError(error), error);
  assert.equal(error.name, "CraftkitEmbedError");
  assert.ok(error instanceof Error);
});

test("a host error's own code, status and retryable are kept", () => {
  const error = Object.assign(new Error("Quota used up."), {
    code: "quota",
    status: 429,
    retryable: true,
  });
  assert.deepEqual(summary(toEmbedError(error)), ["quota", 429, true, "Quota used up."]);
});

test("a status alone decides: 5xx retried, 4xx not", () => {
  assert.deepEqual(summary(toEmbedError({ status: 502, message: "Bad gateway" })), [
    "http_502",
    502,
    true,
    "Bad gateway",
  ]);
  assert.deepEqual(summary(toEmbedError({ status: "404" })), [
    "http_404",
    404,
    false,
    "[object Object]",
  ]);
});

test("without a status anything is retried except unauthenticated", () => {
  assert.deepEqual(summary(toEmbedError(new TypeError("offline"))), [
    "session_failed",
    undefined,
    true,
    "offline",
  ]);
  assert.equal(toEmbedError({ code: "unauthenticated" }).retryable, false);
  assert.deepEqual(summary(toEmbedError("just a string")), [
    "session_failed",
    undefined,
    true,
    "just a string",
  ]);
  assert.equal(toEmbedError(null).message, "null");
});

test("prefixed and bare event names mean the same; the payload is passed on", () => {
  assert.deepEqual(
    readFrameMessage({ type: "craftkit.template.published", payload: { templateId: "t" } }),
    { name: "template.published", payload: { templateId: "t" } },
  );
  assert.deepEqual(readFrameMessage({ type: "form.completed", renderId: "r" }), {
    name: "form.completed",
    payload: { renderId: "r" },
  });
  assert.deepEqual(readFrameMessage({ type: "craftkit.session.expiring" }), {
    name: "session.expiring",
    payload: {},
  });
  assert.equal(readFrameMessage({ type: "session.expired" }).name, "session.expired");
});

test("anything else is not a message", () => {
  for (const data of [
    null,
    undefined,
    42,
    "template.published",
    { type: 7 },
    { kind: "form.completed" },
    { type: "craftkit.ready" },
    { type: "craftkit.unknown" },
    { type: "craftkit.session.refreshed", token: "t" }, // what the element itself sends
  ]) {
    assert.equal(readFrameMessage(data), null, JSON.stringify(data));
  }
});
