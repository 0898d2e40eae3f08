import rehypeHighlight from "rehype-highlight";
import type { Options } from "react-markdown";

// Syntax highlighting for replies' code blocks: highlight.js with its common
// languages, the heaviest part of the chat page's JavaScript. Markdown loads
// this module only once a reply holds a fenced code block (see markdown.tsx).

export const highlighting: NonNullable<Options["rehypePlugins"]> = [
  [rehypeHighlight, { detect: false, ignoreMissing: true }],
];
