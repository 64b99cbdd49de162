// @ts-check
// The element's shadow DOM: the loading status, the error box (with a Retry button when trying
// again can help), and the Craftkit iframe; which one shows follows data-state. Built by the
// element's constructor, so importing this module touches no DOM.

/** @typedef {import("./types/index.js").CraftkitMode} CraftkitMode */
/** @typedef {import("./types/index.js").CraftkitEmbedState} CraftkitEmbedState */
/** @typedef {import("./errors.js").CraftkitEmbedError} CraftkitEmbedError */

// The element fills the height its container gives it (at least min-height); the frame fills
// the element. Hosts size it from outside (`craftkit-embed { height: ... }`) and style ::part().
const SHADOW_HTML = `
<style>
  :host { display: block; position: relative; height: 100%; min-height: 480px; }
  :host([hidden]) { display: none; }
  [hidden] { display: none !important; }
  [part~="frame"] { position: absolute; inset: 0; width: 100%; height: 100%; border: 0; }
  :host(:not([data-state="ready"])) [part~="frame"] { visibility: hidden; }
  [part~="status"], [part~="error"] {
    position: absolute; inset: 0; display: flex; flex-direction: column; gap: 0.75em;
    align-items: center; justify-content: center; padding: 1em; text-align: center;
  }
  [part~="error"] { color: #b42318; }
</style>
<div part="status" role="status">Loading document builder…</div>
<div part="error" role="alert" hidden>
  <p part="error-message"></p>
  <button part="retry" type="button">Retry</button>
</div>`;

const TITLES = {
  create: "Craftkit template builder",
  edit: "Craftkit template builder",
  fill: "Craftkit form",
  view: "Craftkit document viewer",
};

export class EmbedView {
  /** @type {HTMLElement} */
  #host;
  /** @type {HTMLElement} */
  #status;
  /** @type {HTMLElement} */
  #errorBox;
  /** @type {HTMLElement} */
  #errorText;
  /** @type {HTMLIFrameElement | null} */
  #iframe = null;
  /** The Retry button, for the element to listen to. @type {HTMLButtonElement} */
  retryButton;

  /** @param {HTMLElement} host the element, which gets an open shadow root */
  constructor(host) {
    this.#host = host;
    const root = host.attachShadow({ mode: "open" });
    root.innerHTML = SHADOW_HTML;
    const part = (/** @type {string} */ name) =>
      /** @type {HTMLElement} */ (root.querySelector(`[part="${name}"]`));
    this.#status = part("status");
    this.#errorBox = part("error");
    this.#errorText = part("error-message");
    this.retryButton = /** @type {HTMLButtonElement} */ (part("retry"));
  }

  /** The current iframe's window, or null when there is no frame. */
  get frameWindow() {
    return this.#iframe?.contentWindow ?? null;
  }

  /** @param {CraftkitEmbedState} state */
  setState(state) {
    this.#host.dataset.state = state;
    this.#host.setAttribute("aria-busy", String(state === "loading"));
    this.#status.hidden = state !== "loading";
    this.#errorBox.hidden = state !== "error";
  }

  /**
   * Show the error state, saying what happened and what to do next. Retry is offered only
   * when trying again can help: the error is retryable, or the user can sign in again first.
   * @param {CraftkitEmbedError} error
   */
  showError(error) {
    this.#errorText.textContent = describe(error);
    this.retryButton.hidden = !offersRetry(error);
    this.setState("error");
  }

  /**
   * Frame `url` in place of any previous frame; the state turns ready once it loads.
   * @param {URL} url
   * @param {CraftkitMode} mode names the frame for assistive technology
   */
  showFrame(url, mode) {
    this.dropFrame();
    const iframe = this.#host.ownerDocument.createElement("iframe");
    iframe.setAttribute("part", "frame");
    iframe.title = TITLES[mode] ?? TITLES.edit;
    iframe.allow = "clipboard-write";
    iframe.addEventListener("load", () => {
      if (this.#iframe === iframe) this.setState("ready");
    });
    iframe.src = url.href;
    this.#host.shadowRoot?.append(iframe);
    this.#iframe = iframe;
  }

  dropFrame() {
    this.#iframe?.remove();
    this.#iframe = null;
  }
}

/** @param {CraftkitEmbedError} error */
function offersRetry(error) {
  return error.retryable || error.code === "unauthenticated";
}

/** @param {CraftkitEmbedError} error */
function describe(error) {
  if (error.code === "unauthenticated")
    return "You are signed out. Sign in again, then press Retry.";
  const next = error.retryable ? " Press Retry to try again." : "";
  return `Could not load the document builder. ${error.message}${next}`;
}
