// Types of @craftkit-bff/embed: the <craftkit-embed> element, define(), mount() and the
// craftkit:* events. Nothing global is declared here: the opt-in global.d.ts adds the tag to
// HTMLElementTagNameMap, react.d.ts adds it to React's JSX. tests/browser/element checks this file
// against the JavaScript with the TypeScript compiler.

/** What the embed shows: the template builder (create/edit), a form to fill, or a viewer. */
export type CraftkitMode = "create" | "edit" | "fill" | "view";

/** `data-state` on the element: minting or loading the iframe, showing it, or showing an error. */
export type CraftkitEmbedState = "loading" | "ready" | "error";

/** The JSON answered by `POST {endpoint}/session` and `POST {endpoint}/refresh`. */
export interface SessionResponse {
  session_token: string;
  /** The Craftkit page to frame; its origin is the only one whose messages are accepted. */
  iframe_url: string;
  /** ISO 8601; informational. Timers use `expires_in`. */
  expires_at?: string;
  /** Seconds until the session expires, computed by the server. */
  expires_in?: number;
  /** Opaque sealed string, only ever passed back to `refreshSession`. Without it the embed
   *  cannot refresh and re-mints at expiry. */
  renew_token?: string;
}

/** The body of `POST {endpoint}/session`; absent attributes are omitted. */
export interface SessionParams {
  mode: CraftkitMode;
  tenantExternalId?: string;
  templateExternalId?: string;
  templateName?: string;
}

/** The body of `POST {endpoint}/refresh`; `orgId` only when the `tenant` attribute was set. */
export interface RefreshParams {
  renewToken: string;
  orgId?: string;
}

/** Passed as the second argument to the session callbacks; abort when the session is abandoned. */
export interface SessionCallbackOptions {
  signal: AbortSignal;
}

/**
 * A host callback steers the embed by what it rejects with: `code`, `status` and `retryable` are
 * read when present. `retryable: false` or a 4xx `status` stops refresh retries (the embed
 * re-mints); `code: "unauthenticated"` keeps the frame until it expires. Other errors are retried.
 */
export type FetchSession = (
  params: SessionParams,
  options: SessionCallbackOptions,
) => Promise<SessionResponse>;
export type RefreshSession = (
  params: RefreshParams,
  options: SessionCallbackOptions,
) => Promise<SessionResponse>;

/** Payload of `template.published`, as the iframe sends it. */
export interface PublishedDetail {
  templateId: string;
  name?: string;
  [key: string]: unknown;
}

/** Payload of `form.completed`, as the iframe sends it. */
export interface CompletedDetail {
  renderId: string;
  downloadUrl?: string;
  [key: string]: unknown;
}

/** Detail of `craftkit:refreshed`. The token itself never leaves the element. */
export interface RefreshedDetail {
  /** Seconds until the refreshed session expires, or null when the server did not say. */
  expiresIn: number | null;
}

/** Detail of `craftkit:error`. */
export interface ErrorDetail {
  /** The BFF's `error` code (`unauthenticated`, `craftkit_refresh_rejected`, ...), `network_error`,
   *  `invalid_mode`, `invalid_session_response`, `http_<status>`, or a host callback's `code`. */
  code: string;
  /** Whether trying again (Retry, or coming back online) may help. */
  retryable: boolean;
  /** One sentence saying what happened and what to do next. */
  message: string;
  /** `mint`: no session, the error state is shown. `refresh`: refresh gave up; the embed re-mints
   *  (or, for `unauthenticated`, keeps the frame until it expires). */
  phase: "mint" | "refresh";
}

export interface CraftkitEmbedEventMap {
  "craftkit:published": CustomEvent<PublishedDetail>;
  "craftkit:completed": CustomEvent<CompletedDetail>;
  "craftkit:refreshed": CustomEvent<RefreshedDetail>;
  "craftkit:error": CustomEvent<ErrorDetail>;
}

/** An error with a stable code, as thrown by the default session callbacks. */
export class CraftkitEmbedError extends Error {
  constructor(code: string, message: string, options?: { status?: number; retryable?: boolean });
  readonly code: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
}

/**
 * `<craftkit-embed mode tenant template template-name endpoint retry-delays>`.
 * Changing `mode`, `tenant`, `template` or `template-name` while connected mints a new session.
 */
export class CraftkitEmbedElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** Attribute `mode`; default `"edit"`. */
  mode: CraftkitMode;
  /** Attribute `tenant` (org id); null lets the server pick the user's only org. */
  tenant: string | null;
  /** Attribute `template` (templateExternalId); required by the server for `edit` and `fill`. */
  template: string | null;
  /** Attribute `template-name`. */
  templateName: string | null;
  /** Attribute `endpoint`: base path of the BFF routes; default `"/api/craftkit"`. */
  endpoint: string;
  /** Attribute `retry-delays` ("1000,2000,4000"): waits before refresh retries, in ms. */
  retryDelays: number[];
  /** Used by the default callbacks; default `globalThis.fetch`. Assign null to restore it. */
  fetch: typeof globalThis.fetch;
  /** Mints a session; default POSTs to `{endpoint}/session`. Assign null to restore it. */
  fetchSession: FetchSession;
  /** Refreshes a session; default POSTs to `{endpoint}/refresh`. Assign null to restore it. */
  refreshSession: RefreshSession;
  /** Mint a new session now (what the Retry button does). */
  retry(): void;
  /** Refresh now; true once refreshed, false if there was no session or it re-minted instead. */
  refresh(): Promise<boolean>;
  /** Custom-element lifecycle, called by the browser: mint on connect, stop on disconnect. */
  connectedCallback(): void;
  disconnectedCallback(): void;
  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void;

  addEventListener<K extends keyof CraftkitEmbedEventMap>(
    type: K,
    listener: (this: CraftkitEmbedElement, event: CraftkitEmbedEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: CraftkitEmbedElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof CraftkitEmbedEventMap>(
    type: K,
    listener: (this: CraftkitEmbedElement, event: CraftkitEmbedEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: CraftkitEmbedElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** The options of `mount()`: attributes, session callbacks and event callbacks in one object. */
export interface MountOptions {
  mode?: CraftkitMode;
  tenant?: string;
  template?: string;
  templateName?: string;
  endpoint?: string;
  retryDelays?: number[];
  fetch?: typeof globalThis.fetch;
  fetchSession?: FetchSession;
  refreshSession?: RefreshSession;
  onPublished?: (detail: PublishedDetail) => void;
  onCompleted?: (detail: CompletedDetail) => void;
  onRefreshed?: (detail: RefreshedDetail) => void;
  onError?: (detail: ErrorDetail) => void;
}

export interface MountedEmbed {
  element: CraftkitEmbedElement;
  /** Remove the element and the option callbacks; its session, timers and listeners stop. */
  destroy(): void;
}

/**
 * Define the element as `tagName` (default `"craftkit-embed"`); no-op if that name is taken.
 * Browser only: throws a TypeError where `customElements` is missing (server-side rendering).
 */
export function define(tagName?: string): CustomElementConstructor;

/** Create a `<craftkit-embed>` inside `container` (an element or a CSS selector). */
export function mount(container: Element | string, options?: MountOptions): MountedEmbed;
