// Opt-in React typings: `import type {} from "@craftkit-bff/embed/react";` once in your app
// lets JSX use <craftkit-embed ...> with its attributes and a ref to CraftkitEmbedElement.
// React cannot bind the element's craftkit:* events through props: listen with
// ref.current.addEventListener("craftkit:published", ...) in a useEffect (typed by the class).
import type { DetailedHTMLProps, HTMLAttributes } from "react";
import type { CraftkitEmbedElement } from "./index.js";
import type { CraftkitEmbedAttributes } from "./jsx.js";

export type CraftkitEmbedProps = DetailedHTMLProps<
  HTMLAttributes<CraftkitEmbedElement>,
  CraftkitEmbedElement
> &
  CraftkitEmbedAttributes;

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "craftkit-embed": CraftkitEmbedProps;
    }
  }
}
