// Server-side rendering: every module of the package imports in Node, where there is no DOM,
// without reading document, window or customElements; only define.js registers anything, and
// only where customElements exists. HTMLElement is read once, to extend it when present.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";

const PACKAGE = new URL("../../../bff/static/embed/", import.meta.url);
const DOM_GLOBALS = ["document", "window", "customElements", "HTMLElement"];

// Record every read of a DOM global (all absent here, as on a server).
const reads = [];
for (const name of DOM_GLOBALS) {
  assert.equal(name in globalThis, false, `Node should not have ${name}`);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      reads.push(name);
      return undefined;
    },
  });
}

const modules = readdirSync(PACKAGE).filter((name) => name.endsWith(".js"));

test("every module but define.js imports with no DOM and registers nothing", async () => {
  const quiet = modules.filter((name) => name !== "define.js");
  assert.ok(quiet.length >= 9, `expected the package's modules, found ${quiet}`);
  for (const name of quiet) await import(new URL(name, PACKAGE).href);
  await import("@craftkit-bff/embed"); // the bare specifier, through package.json "exports"

  assert.deepEqual(reads, ["HTMLElement"]);
});

test("define.js imports with no DOM, defines nothing, and exports the main entry's API", async () => {
  const entry = await import("@craftkit-bff/embed/define");
  const main = await import("@craftkit-bff/embed");
  const legacy = await import("../../../bff/static/craftkit-embed.js");

  assert.deepEqual(Object.keys(entry).sort(), ["CraftkitEmbedElement", "CraftkitEmbedError",
    "define", "mount"]);
  assert.deepEqual(Object.keys(main).sort(), Object.keys(entry).sort());
  assert.deepEqual(Object.keys(legacy).sort(), Object.keys(entry).sort());
  assert.equal(legacy.CraftkitEmbedElement, main.CraftkitEmbedElement, "one copy of the code");
  assert.ok(reads.includes("customElements"), "define.js looks for a registry");
  assert.equal(reads.includes("document") || reads.includes("window"), false);
});

test("on a server, define() and mount() say they need a browser", async () => {
  const { define, mount } = await import("@craftkit-bff/embed");

  assert.throws(() => define(), {
    name: "TypeError",
    message: /^define\(\) needs a browser: customElements is missing here/,
  });
  assert.throws(() => mount("#documents"), {
    name: "TypeError",
    message: "mount() needs a browser: call it on the client, not during server rendering.",
  });
});

test("where customElements exists, loading define.js registers <craftkit-embed> once", async () => {
  const defined = new Map();
  const registry = {
    get: (name) => defined.get(name),
    define: (name, constructor) => defined.set(name, constructor),
  };
  Object.defineProperty(globalThis, "customElements", { configurable: true, value: registry });
  try {
    const entry = await import("../../../bff/static/embed/define.js?with-a-registry");
    await import("../../../bff/static/embed/define.js?loaded-again");

    assert.deepEqual([...defined.keys()], ["craftkit-embed"]);
    assert.equal(defined.get("craftkit-embed"), entry.CraftkitEmbedElement);
  } finally {
    delete globalThis.customElements;
  }
});
