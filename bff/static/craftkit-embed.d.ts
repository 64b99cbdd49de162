// Types for /static/craftkit-embed.js: those of the @craftkit-bff/embed package beside it.
// The tag's global typing is opt-in: embed/types/global.d.ts.
export * from "./embed/types/index.js";
