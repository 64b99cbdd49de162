// The attributes <craftkit-embed> takes in markup, for any JSX framework's intrinsic elements
// (react.d.ts wires them into React). All are strings, as HTML attributes are.
import type { CraftkitMode } from "./index.js";

export interface CraftkitEmbedAttributes {
  /** `create`, `edit` (default), `fill` or `view`. */
  mode?: CraftkitMode;
  /** The org id; may be omitted when the signed-in user has one org. */
  tenant?: string;
  /** The template id; required for `edit` and `fill`, narrows `view`. */
  template?: string;
  /** The initial name of a new template (`create`). */
  "template-name"?: string;
  /** Where the BFF's routes are mounted; default `/api/craftkit`. */
  endpoint?: string;
  /** Milliseconds before each refresh retry, comma-separated: `"1000,2000,4000"`. */
  "retry-delays"?: string;
}
