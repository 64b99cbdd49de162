// Fakes for the element's DOM-free modules under `node --test`: a clock whose time only moves
// when a test says so, and a scriptable BFF (numbered answers, queued failures, held calls).

/** Let every pending promise callback run (microtasks drain before the next macrotask). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A Clock for SessionKeeper: `advance()` fires due timers in order; `jump()` fires none. */
export class FakeClock {
  #now = 0;
  #epoch = Date.UTC(2030, 0, 1);
  #timers = new Map();
  #nextId = 1;

  now = () => this.#now;
  epochNow = () => this.#epoch + this.#now;
  setTimeout = (callback, ms) => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  };
  clearTimeout = (id) => {
    this.#timers.delete(id);
  };

  /** When the next timer is due, or null. */
  get nextTimer() {
    const times = [...this.#timers.values()].map((timer) => timer.at);
    return times.length ? Math.min(...times) : null;
  }

  /** Move time forward `ms`, firing each due timer at its time and settling after each. */
  async advance(ms) {
    const until = this.#now + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers]
        .filter(([, timer]) => timer.at <= until)
        .sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
    }
    this.#now = until;
    await settle();
  }

  /** Move time forward without firing timers, as a machine that slept. */
  jump(ms) {
    this.#now += ms;
  }
}

/**
 * The BFF's session calls. The n-th /session answer is session s<n> (tok-s<n>, sealed-s<n>,
 * iframe https://craftkit.test/embed?session=s<n>), the n-th /refresh answer r<n>.
 */
export class FakeBff {
  expiresIn = 600;
  calls = [];
  #clock;
  #failures = { session: [], refresh: [] };
  #held = { session: null, refresh: null };

  constructor(clock) {
    this.#clock = clock;
  }

  /** Reject the next `times` calls to `route` with `error`. */
  fail(route, error, times = 1) {
    for (let i = 0; i < times; i += 1) this.#failures[route].push(error);
  }

  /** Make calls to `route` wait; the returned function lets them (and later ones) through. */
  hold(route) {
    let release;
    this.#held[route] = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.#held[route] = null;
      release();
    };
  }

  callsTo(route) {
    return this.calls.filter((call) => call.route === route);
  }

  fetchSession = (params, options) => this.#answer("session", params, options);
  refreshSession = (params, options) => this.#answer("refresh", params, options);

  async #answer(route, body, { signal }) {
    this.calls.push({ route, body, signal, at: this.#clock.now() });
    const number = this.callsTo(route).length;
    const failure = this.#failures[route].shift();
    if (this.#held[route]) await this.#held[route];
    if (failure) throw failure;
    const id = `${route[0]}${number}`;
    return {
      session_token: `tok-${id}`,
      iframe_url: `https://craftkit.test/embed?session=${id}`,
      expires_in: this.expiresIn,
      renew_token: `sealed-${id}`,
    };
  }
}
