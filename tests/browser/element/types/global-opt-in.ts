// With the opt-in global.d.ts, the tag name maps to the element's class; events stay scoped.
import type {} from "@craftkit-bff/embed/global";

export const refreshed: Promise<boolean> | undefined = document
  .querySelector("craftkit-embed")
  ?.refresh();
export const created: "fill" = (() => {
  const element = document.createElement("craftkit-embed");
  element.mode = "fill";
  return "fill" as const;
})();
// @ts-expect-error: the global event map is not augmented, even with the opt-in
document.body.addEventListener("craftkit:published", (event) => event.detail);
