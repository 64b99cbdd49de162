// The element's attribute and property rules, without a DOM: session params, delays, seams.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  checkDelays,
  checkFunction,
  parseDelays,
  sessionParamsOf,
} from "../../../bff/static/embed/element-options.js";

const none = { tenant: null, template: null, templateName: null };

test("session params carry the mode and only the attributes that are set", () => {
  assert.deepEqual(sessionParamsOf({ mode: "edit", ...none }), { mode: "edit" });
  assert.deepEqual(
    sessionParamsOf({ mode: "fill", tenant: "acme", template: "tpl-1", templateName: "Lease" }),
    { mode: "fill", tenantExternalId: "acme", templateExternalId: "tpl-1", templateName: "Lease" },
  );
});

test("an unknown mode is refused before any request, saying which modes exist", () => {
  assert.throws(() => sessionParamsOf({ mode: "draw", ...none }), {
    name: "CraftkitEmbedError",
    code: "invalid_mode",
    retryable: false,
    message: 'The mode attribute is "draw"; set it to one of create, edit, fill, view.',
  });
});

test("retry-delays parses a comma list of milliseconds; anything else falls back", () => {
  assert.deepEqual(parseDelays("100, 200,300"), [100, 200, 300]);
  assert.deepEqual(parseDelays("0"), [0]);
  for (const text of [null, "", "soon", "100,-1", "100,,200"]) {
    assert.equal(parseDelays(text), null, String(text));
  }
});

test("retryDelays takes a copy of non-negative numbers, null restores the default", () => {
  const delays = [50, 100];
  const checked = checkDelays(delays);
  assert.deepEqual(checked, [50, 100]);
  assert.notEqual(checked, delays);
  assert.equal(checkDelays(null), null);
  assert.equal(checkDelays(undefined), null);
  for (const bad of ["1000", [100, -5], [100, Number.NaN], [Infinity], {}]) {
    assert.throws(() => checkDelays(bad), {
      name: "TypeError",
      message: "retryDelays must be an array of non-negative numbers of milliseconds, or null.",
    });
  }
});

test("a seam must be a function, or null to restore the default", () => {
  const seam = () => null;
  assert.equal(checkFunction("fetchSession", seam), seam);
  assert.equal(checkFunction("fetchSession", null), null);
  assert.throws(() => checkFunction("refreshSession", "POST /refresh"), {
    name: "TypeError",
    message: "refreshSession must be a function (or null to restore the default).",
  });
});
