// The hand-written declarations (bff/static/embed/types) and the JavaScript must agree: the
// same exports, each implementation assignable to its declaration, and the same public
// members on the classes. A change to one side alone fails `tsc`.
import * as Declared from "../../../../bff/static/embed/types/index.js";
import * as DeclaredDefine from "../../../../bff/static/embed/types/define.js";
import * as Implemented from "../../../../bff/static/embed/index.js";
import * as ImplementedDefine from "../../../../bff/static/embed/define.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertTrue<T extends true>(..._: T[]): void {}

// The same value exports, both ways, for both entries.
assertTrue<Equal<keyof typeof Declared, keyof typeof Implemented>>();
assertTrue<Equal<keyof typeof DeclaredDefine, keyof typeof ImplementedDefine>>();
assertTrue<Equal<keyof typeof Declared, keyof typeof DeclaredDefine>>();

// Every implementation satisfies its declaration (parameters, results, statics).
export const checks: {
  mount: typeof Declared.mount;
  define: typeof Declared.define;
  error: typeof Declared.CraftkitEmbedError;
  element: typeof Declared.CraftkitEmbedElement;
} = {
  mount: Implemented.mount,
  define: Implemented.define,
  error: Implemented.CraftkitEmbedError,
  element: Implemented.CraftkitEmbedElement,
};

// The classes' own public members (beyond HTMLElement / Error) are the same, with equal types.
type Own<T, Base> = { [K in Exclude<keyof T, keyof Base>]: T[K] };
assertTrue<
  Equal<
    Own<Implemented.CraftkitEmbedElement, HTMLElement>,
    Own<Declared.CraftkitEmbedElement, HTMLElement>
  >
>();
assertTrue<
  Equal<Own<Implemented.CraftkitEmbedError, Error>, Own<Declared.CraftkitEmbedError, Error>>
>();
