// What React's JSX accepts on <craftkit-embed> with the opt-in typings, and what it refuses.
import type {} from "@craftkit-bff/embed/react";

export const fill = <craftkit-embed mode="fill" tenant="acme" template="tpl-1" retry-delays="500" />;
export const styled = <craftkit-embed className="documents" style={{ height: 600 }} hidden />;
// @ts-expect-error: not a mode
export const wrongMode = <craftkit-embed mode="draw" />;
// @ts-expect-error: custom events are not props; listen through a ref
export const eventProp = <craftkit-embed onCraftkitPublished={() => undefined} />;
// @ts-expect-error: attributes are strings (retry-delays="1000,2000")
export const delays = <craftkit-embed retry-delays={[1000, 2000]} />;
