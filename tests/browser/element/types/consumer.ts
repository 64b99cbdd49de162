// A TypeScript app's view of the package, resolved through its package.json "exports" the
// way a bundler resolves it: typed events on the element's class, typed mount() options, and
// nothing added to the global DOM types unless global.d.ts is opted into.
import {
  type CompletedDetail,
  type CraftkitEmbedElement,
  CraftkitEmbedError,
  type ErrorDetail,
  mount,
  type PublishedDetail,
} from "@craftkit-bff/embed";
import { define as defineFromEntry } from "@craftkit-bff/embed/define";

export function wire(element: CraftkitEmbedElement): void {
  element.addEventListener("craftkit:published", (event) => {
    const detail: PublishedDetail = event.detail;
    const id: string = detail.templateId;
    void id;
  });
  element.addEventListener("craftkit:completed", (event) => {
    const renderId: string = event.detail.renderId;
    void renderId;
  });
  element.addEventListener("craftkit:refreshed", (event) => {
    const seconds: number | null = event.detail.expiresIn;
    void seconds;
  });
  element.addEventListener("craftkit:error", (event) => {
    const phase: "mint" | "refresh" = event.detail.phase;
    void phase;
  });
  // @ts-expect-error: a craftkit:completed detail has no templateId
  element.addEventListener("craftkit:completed", (event) => event.detail.templateId.length);
  element.addEventListener("click", (event) => event.clientX); // DOM events keep their types
  element.mode = "fill";
  // @ts-expect-error: not a mode
  element.mode = "draw";
}

export const mounted = mount("#documents", {
  mode: "create",
  tenant: "acme",
  templateName: "Service agreement",
  retryDelays: [500, 1000],
  onPublished: ({ templateId }: PublishedDetail) => templateId,
  onCompleted: ({ renderId }: CompletedDetail) => renderId,
  onError: ({ code, retryable }: ErrorDetail) => (retryable ? code : null),
  fetchSession: async (params, { signal }) => {
    const response = await fetch("/session", { method: "POST", body: JSON.stringify(params), signal });
    return response.json();
  },
});
export const element: CraftkitEmbedElement = mounted.element;
export const error = new CraftkitEmbedError("network_error", "Offline.", { retryable: true });
export const define: () => CustomElementConstructor = defineFromEntry;

// No global augmentation by default: the DOM's own types are untouched.
const queried = document.querySelector("craftkit-embed");
// @ts-expect-error: without the opt-in global.d.ts the tag is a plain Element
queried?.refresh();
// @ts-expect-error: no craftkit:* events on every element
document.body.addEventListener("craftkit:published", (event) => event.detail);
