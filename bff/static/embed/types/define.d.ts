// Types of @craftkit-bff/embed/define: the same exports as the main entry; loading it in a
// browser defines <craftkit-embed>.
export * from "./index.js";
