// @ts-check
// /static/craftkit-embed.js: the element at the URL the README has always given. Loading it
// defines <craftkit-embed>; importing it gives mount(), define() and the classes. The code
// lives in the @craftkit-bff/embed package beside this file (embed/); this file only points
// there, so there is one copy of it.
//
//   <script type="module" src="/static/craftkit-embed.js"></script>
//   <craftkit-embed mode="fill" tenant="org-1" template="tpl-uuid"></craftkit-embed>
export * from "./embed/define.js";
