// SessionKeeper under node --test: no DOM, and time moves only when a test advances the clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CraftkitEmbedError } from "../../../bff/static/embed/errors.js";
import { SessionKeeper } from "../../../bff/static/embed/session-keeper.js";
import { FakeBff, FakeClock, settle } from "./fakes.js";

const S = 1000;
const unavailable = () =>
  new CraftkitEmbedError("craftkit_unavailable", "Craftkit is unreachable.", {
    status: 503,
    retryable: true,
  });
const rejected = () =>
  new CraftkitEmbedError("craftkit_refresh_rejected", "Mint a new session.", { status: 409 });

/** A keeper on a fake clock and BFF; `log` records what it asked the element to do. */
function keeperFor({ params = { mode: "edit", tenantExternalId: "org-a" }, retryDelays } = {}) {
  const clock = new FakeClock();
  const bff = new FakeBff(clock);
  const log = [];
  const options = {
    sessionParams: () => (typeof params === "function" ? params() : params),
    fetchSession: (body, signal) => options.fetchSessionImpl(body, signal),
    fetchSessionImpl: bff.fetchSession,
    refreshSession: bff.refreshSession,
    retryDelays: () => retryDelays ?? [1 * S, 2 * S, 4 * S],
    baseURL: () => "https://app.test/documents/",
    clock,
    onMinting: () => log.push("minting"),
    onStarted: ({ url }) => log.push(`started ${url.searchParams.get("session") ?? url.href}`),
    onRefreshed: ({ token, expiresIn }) => log.push(`refreshed ${token} ${expiresIn}`),
    onError: (error, phase) => log.push(`error ${error.code} ${phase} ${error.retryable}`),
  };
  const keeper = new SessionKeeper(options);
  return { keeper, clock, bff, log, options };
}

describe("minting", () => {
  test("mint asks with the session params and frames the answer", async () => {
    const { keeper, bff, log } = keeperFor();

    await keeper.mint();

    assert.deepEqual(log, ["minting", "started s1"]);
    assert.deepEqual(bff.calls[0].body, { mode: "edit", tenantExternalId: "org-a" });
    assert.equal(keeper.url.origin, "https://craftkit.test");
  });

  test("a relative iframe_url resolves against the base URL", async () => {
    const { keeper, options } = keeperFor();
    options.fetchSessionImpl = async () => ({ iframe_url: "../embed/fill#token=t" });

    await keeper.mint();

    assert.equal(keeper.url.href, "https://app.test/embed/fill#token=t");
  });

  for (const [about, answer] of [
    ["a javascript: URL", { iframe_url: "javascript:alert(1)" }],
    ["no iframe_url", { session_token: "t" }],
    ["a number for an iframe_url", { iframe_url: 42 }],
    ["null", null],
  ]) {
    test(`an answer with ${about} fails the mint, not retryable`, async () => {
      const { keeper, log, options } = keeperFor();
      options.fetchSessionImpl = async () => answer;

      await keeper.mint();

      assert.deepEqual(log, ["minting", "error invalid_session_response mint false"]);
      assert.equal(keeper.url, null);
      keeper.recheck();
      await settle();
      assert.equal(log.length, 2, "a broken answer is not re-asked on its own");
    });
  }

  test("params that cannot be sent fail the mint without a call", async () => {
    const { keeper, bff, log } = keeperFor({
      params: () => {
        throw new CraftkitEmbedError("invalid_mode", "Set mode to one of create, edit.");
      },
    });

    await keeper.mint();

    assert.deepEqual(log, ["minting", "error invalid_mode mint false"]);
    assert.equal(bff.calls.length, 0);
  });

  test("a retryable mint failure is retried by recheck (back online), a refusal is not", async () => {
    const { keeper, bff, log } = keeperFor();
    bff.fail("session", unavailable());
    await keeper.mint();
    assert.deepEqual(log, ["minting", "error craftkit_unavailable mint true"]);

    keeper.recheck();
    await settle();
    assert.deepEqual(log.slice(2), ["minting", "started s2"]);

    bff.fail("session", new CraftkitEmbedError("forbidden", "Not your org.", { status: 403 }));
    await keeper.mint();
    keeper.recheck();
    await settle();
    assert.equal(bff.callsTo("session").length, 3);
    assert.equal(log.at(-1), "error forbidden mint false");
  });

  test("a session callback that throws at once can still be retried by recheck", async () => {
    const { keeper, bff, log, options } = keeperFor();
    options.fetchSessionImpl = () => {
      throw new Error("offline");
    };
    keeper.mint();
    assert.deepEqual(log, ["minting", "error session_failed mint true"]);

    options.fetchSessionImpl = bff.fetchSession;
    keeper.recheck();
    await settle();

    assert.equal(log.at(-1), "started s1");
  });

  test("recheck does not start a second mint while one is in flight", async () => {
    const { keeper, bff } = keeperFor();
    bff.fail("session", unavailable());
    await keeper.mint();
    const release = bff.hold("session");
    keeper.recheck();
    keeper.recheck();
    await settle();
    release();
    await settle();

    assert.equal(bff.callsTo("session").length, 2);
  });

  test("a new mint abandons the one in flight: its call is aborted and its answer ignored", async () => {
    const { keeper, bff, log } = keeperFor();
    const release = bff.hold("session");
    const first = keeper.mint();
    await settle();
    const [firstCall] = bff.calls;

    const second = keeper.mint();
    assert.equal(firstCall.signal.aborted, true);
    release();
    await Promise.all([first, second]);

    assert.deepEqual(log, ["minting", "minting", "started s2"]);
  });

  test("stop() while minting: the late answer changes nothing", async () => {
    const { keeper, bff, log, clock } = keeperFor();
    const release = bff.hold("session");
    const minting = keeper.mint();
    await settle();

    keeper.stop();
    release();
    await minting;

    assert.deepEqual(log, ["minting"]);
    assert.equal(keeper.url, null);
    assert.equal(clock.nextTimer, null);
  });
});

describe("refresh timing", () => {
  for (const [lifetime, due] of [
    [600, 480], // 80% of the lifetime
    [1200, 960],
    [200, 140], // 60 s before expiry, when that is earlier
    [30, 15], // never before half the lifetime
    [1.5, 1], // nor within 1 s
  ]) {
    test(`a ${lifetime} s session refreshes at ${due} s`, async () => {
      const { keeper, clock, bff } = keeperFor();
      bff.expiresIn = lifetime;
      await keeper.mint();

      await clock.advance(due * S - 1);
      assert.equal(bff.callsTo("refresh").length, 0);
      await clock.advance(1);
      assert.equal(bff.callsTo("refresh").length, 1);
    });
  }

  test("without expires_in, expires_at is read against the wall clock", async () => {
    const { keeper, clock, bff, options } = keeperFor();
    options.fetchSessionImpl = async () => ({
      iframe_url: "https://craftkit.test/embed",
      renew_token: "sealed",
      expires_at: new Date(clock.epochNow() + 100 * S).toISOString(),
    });
    await keeper.mint();

    assert.equal(clock.nextTimer, 50 * S);
    await clock.advance(50 * S);
    assert.deepEqual(bff.callsTo("refresh")[0].body, { renewToken: "sealed", orgId: "org-a" });
  });

  test("a session that says nothing of its lifetime is only refreshed when asked", async () => {
    const { keeper, clock, options, bff } = keeperFor();
    options.fetchSessionImpl = async () => ({
      iframe_url: "https://craftkit.test/embed",
      renew_token: "sealed",
      expires_at: "not a date",
    });
    await keeper.mint();

    assert.equal(clock.nextTimer, null);
    assert.equal(await keeper.refresh(), true);
    assert.equal(bff.callsTo("refresh").length, 1);
  });

  test("each refresh sets the next one from its own expires_in", async () => {
    const { keeper, clock, bff, log } = keeperFor();
    await keeper.mint();
    bff.expiresIn = 100;

    await clock.advance(480 * S);
    assert.equal(log.at(-1), "refreshed tok-r1 100");
    await clock.advance(50 * S);

    assert.deepEqual(
      bff.callsTo("refresh").map((call) => [call.at / S, call.body.renewToken]),
      [
        [480, "sealed-s1"],
        [530, "sealed-r1"],
      ],
    );
  });
});

describe("refreshing", () => {
  test("refresh hands over the new token and keeps the session", async () => {
    const { keeper, bff, log } = keeperFor();
    await keeper.mint();

    assert.equal(await keeper.refresh(), true);

    assert.deepEqual(log, ["minting", "started s1", "refreshed tok-r1 600"]);
    assert.deepEqual(bff.callsTo("refresh")[0].body, { renewToken: "sealed-s1", orgId: "org-a" });
    assert.equal(bff.callsTo("session").length, 1);
  });

  test("without a tenant the refresh sends no orgId", async () => {
    const { keeper, bff } = keeperFor({ params: { mode: "view" } });
    await keeper.mint();
    await keeper.refresh();

    assert.deepEqual(bff.callsTo("refresh")[0].body, { renewToken: "sealed-s1" });
  });

  test("concurrent refreshes share one call", async () => {
    const { keeper, bff } = keeperFor();
    await keeper.mint();
    const release = bff.hold("refresh");

    const attempts = [keeper.refresh(), keeper.refresh(), keeper.refresh()];
    await settle();
    release();

    assert.deepEqual(await Promise.all(attempts), [true, true, true]);
    assert.equal(bff.callsTo("refresh").length, 1);
    await keeper.refresh();
    assert.equal(bff.callsTo("refresh").length, 2, "a finished refresh does not block the next");
  });

  test("refresh without a session resolves false and asks nothing", async () => {
    const { keeper, bff } = keeperFor();
    assert.equal(await keeper.refresh(), false);
    assert.equal(bff.calls.length, 0);
  });

  test("a refresh answer without expires_in reports expiresIn null", async () => {
    const { keeper, log, options } = keeperFor();
    await keeper.mint();
    options.refreshSession = async () => ({ session_token: "tok-x" });

    await keeper.refresh();

    assert.equal(log.at(-1), "refreshed tok-x null");
  });

  test("a failing refresh is retried after each delay, then gives up and re-mints", async () => {
    const { keeper, clock, bff, log } = keeperFor({ retryDelays: [100, 200, 300] });
    await keeper.mint();
    bff.fail("refresh", unavailable(), 4);

    await clock.advance(480 * S);
    await clock.advance(600);

    const times = bff.callsTo("refresh").map((call) => call.at - 480 * S);
    assert.deepEqual(times, [0, 100, 300, 600]);
    assert.deepEqual(log.slice(2), [
      "error craftkit_unavailable refresh true",
      "minting",
      "started s2",
    ]);
  });

  test("a transient failure recovers without an error or a new session", async () => {
    const { keeper, clock, bff, log } = keeperFor({ retryDelays: [50] });
    await keeper.mint();
    bff.fail("refresh", unavailable());

    const refreshed = keeper.refresh();
    await clock.advance(50);

    assert.equal(await refreshed, true);
    assert.deepEqual(log.slice(2), ["refreshed tok-r2 600"]);
  });

  test("a refused refresh re-mints at once", async () => {
    const { keeper, bff, log } = keeperFor();
    await keeper.mint();
    bff.fail("refresh", rejected());

    assert.equal(await keeper.refresh(), false);
    await settle();

    assert.equal(bff.callsTo("refresh").length, 1);
    assert.deepEqual(log.slice(2), [
      "error craftkit_refresh_rejected refresh false",
      "minting",
      "started s2",
    ]);
  });

  test("an answer without a session_token gives up and re-mints", async () => {
    const { keeper, log, options } = keeperFor();
    await keeper.mint();
    options.refreshSession = async () => ({ renew_token: "sealed-x" });

    await keeper.refresh();
    await settle();

    assert.deepEqual(log.slice(2), [
      "error invalid_session_response refresh false",
      "minting",
      "started s2",
    ]);
  });

  test("signed out: keep the frame until it expires, then re-mint", async () => {
    const { keeper, clock, bff, log } = keeperFor();
    await keeper.mint();
    bff.fail("refresh", new CraftkitEmbedError("unauthenticated", "Sign in.", { status: 401 }));

    await clock.advance(480 * S);
    assert.deepEqual(log.slice(2), ["error unauthenticated refresh false"]);
    clock.jump(20 * S);
    keeper.recheck(); // a wake-up in between must not cancel the re-mint at expiry
    await clock.advance(100 * S - 1);
    assert.equal(bff.callsTo("session").length, 1);
    await clock.advance(1);

    assert.equal(bff.callsTo("refresh").length, 1);
    assert.deepEqual(log.slice(3), ["minting", "started s2"]);
  });

  test("retries stop once the session has expired, whatever delays are left", async () => {
    const { keeper, clock, bff, log } = keeperFor({ retryDelays: [100, 100, 100] });
    await keeper.mint();
    bff.fail("refresh", unavailable());
    const release = bff.hold("refresh");

    keeper.refresh();
    await settle();
    clock.jump(601 * S); // the refresh call hung past expiry
    release();
    await settle();

    assert.equal(bff.callsTo("refresh").length, 1);
    assert.deepEqual(log.slice(2), [
      "error craftkit_unavailable refresh true",
      "minting",
      "started s2",
    ]);
  });

  test("the last retry waits no later than just before expiry", async () => {
    const { keeper, clock, bff } = keeperFor({ retryDelays: [60 * S] });
    bff.expiresIn = 2;
    await keeper.mint();
    bff.fail("refresh", unavailable());

    await clock.advance(1 * S); // refresh due at 1 s, 1 s before expiry
    await clock.advance(1 * S);

    const times = bff.callsTo("refresh").map((call) => call.at);
    assert.deepEqual(times, [1 * S, 1.75 * S]); // 250 ms margin, not 60 s
  });

  test("the retry delays are read at each refresh", async () => {
    const delays = [100];
    const { keeper, clock, bff, options } = keeperFor();
    options.retryDelays = () => delays;
    await keeper.mint();
    bff.fail("refresh", unavailable());
    delays[0] = 30;

    keeper.refresh();
    await clock.advance(30);

    assert.deepEqual(
      bff.callsTo("refresh").map((call) => call.at),
      [0, 30],
    );
  });

  test("stop() during backoff ends the retries and clears every timer", async () => {
    const { keeper, clock, bff, log } = keeperFor();
    await keeper.mint();
    bff.fail("refresh", unavailable(), 4);

    const refreshing = keeper.refresh();
    await settle();
    keeper.stop();

    assert.equal(await refreshing, false);
    await clock.advance(10 * 60 * S);
    assert.equal(bff.callsTo("refresh").length, 1);
    assert.deepEqual(log, ["minting", "started s1"]);
    assert.equal(clock.nextTimer, null);
  });

  test("an error listener that stops the keeper (element removed) prevents the re-mint", async () => {
    const { keeper, bff, log, options } = keeperFor();
    await keeper.mint();
    options.onError = (error, phase) => {
      log.push(`error ${error.code} ${phase}`);
      keeper.stop();
    };
    bff.fail("refresh", rejected());

    await keeper.refresh();
    await settle();

    assert.equal(bff.callsTo("session").length, 1);
    assert.deepEqual(log.slice(2), ["error craftkit_refresh_rejected refresh"]);
  });

  test("a session without a renew token is re-minted at expiry instead", async () => {
    const { keeper, clock, bff, options } = keeperFor();
    options.fetchSessionImpl = async () => ({
      iframe_url: "https://craftkit.test/embed",
      expires_in: 60,
    });
    await keeper.mint();

    assert.equal(await keeper.refresh(), false);
    options.fetchSessionImpl = bff.fetchSession;
    await clock.advance(60 * S);

    assert.equal(bff.callsTo("refresh").length, 0);
    assert.equal(bff.callsTo("session").length, 1);
  });
});

describe("waking up", () => {
  test("after the session expired, recheck re-mints without refreshing", async () => {
    const { keeper, clock, bff } = keeperFor();
    await keeper.mint();

    clock.jump(601 * S);
    keeper.recheck();
    await settle();

    assert.equal(bff.callsTo("refresh").length, 0);
    assert.equal(bff.callsTo("session").length, 2);
  });

  test("past the refresh point but before expiry, recheck refreshes", async () => {
    const { keeper, clock, bff } = keeperFor();
    await keeper.mint();

    clock.jump(550 * S);
    keeper.recheck();
    await settle();

    assert.equal(bff.callsTo("refresh").length, 1);
    assert.equal(bff.callsTo("session").length, 1);
  });

  test("an early wake-up changes nothing, and the refresh still comes on time", async () => {
    const { keeper, clock, bff } = keeperFor();
    await keeper.mint();

    clock.jump(60 * S);
    keeper.recheck();
    await settle();
    assert.equal(bff.calls.length, 1);
    assert.equal(clock.nextTimer, 480 * S);

    await clock.advance(420 * S);
    assert.equal(bff.callsTo("refresh").length, 1);
  });

  test("recheck after stop() does nothing", async () => {
    const { keeper, bff } = keeperFor();
    bff.fail("session", unavailable());
    await keeper.mint();
    keeper.stop();

    keeper.recheck();
    await settle();

    assert.equal(bff.calls.length, 1);
  });
});
