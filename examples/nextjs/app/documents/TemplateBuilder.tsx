"use client";
// A React / Next.js client component that hosts <craftkit-embed>.
import { useEffect, useRef } from "react";
import type { CraftkitEmbedElement, PublishedDetail } from "@craftkit-bff/embed";
import type {} from "@craftkit-bff/embed/react";

export function TemplateBuilder({ tenant, onPublished }: {
  tenant: string;
  onPublished: (detail: PublishedDetail) => void;
}) {
  const ref = useRef<CraftkitEmbedElement>(null);

  // Register the element in the browser only; the server renders the bare tag.
  useEffect(() => {
    import("@craftkit-bff/embed").then(({ define }) => define());
  }, []);

  // React cannot bind craftkit:* events as props: listen on the element itself.
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const listeners = new AbortController();
    element.addEventListener("craftkit:published", (event) => onPublished(event.detail),
                             { signal: listeners.signal });
    return () => listeners.abort();
  }, [onPublished]);

  return (
    <div style={{ height: "80vh" }}>
      <craftkit-embed ref={ref} mode="create" tenant={tenant} template-name="Service agreement" />
    </div>
  );
}
