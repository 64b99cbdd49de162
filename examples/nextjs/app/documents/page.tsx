"use client";
// The page that uses the component. It passes a callback to it, so it is a client component
// too: a server component cannot hand a function to a client one.
import { useCallback, useState } from "react";
import type { PublishedDetail } from "@craftkit-bff/embed";
import { TemplateBuilder } from "./TemplateBuilder";

export default function DocumentsPage() {
  const [published, setPublished] = useState<PublishedDetail[]>([]);
  const onPublished = useCallback(
    (detail: PublishedDetail) => setPublished((earlier) => [...earlier, detail]),
    [],
  );
  return (
    <main>
      <h1>Documents</h1>
      <ul aria-label="Published templates">
        {published.map(({ templateId, name }) => <li key={templateId}>{name}</li>)}
      </ul>
      <TemplateBuilder tenant="acme" onPublished={onPublished} />
    </main>
  );
}
