import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";

// GitHub-flavoured Markdown (tables, task lists, strikethrough, autolinks,
// footnotes) for reading replies. remark-gfm also registers how to write
// Markdown back out, which a chat never does and which weighs a tenth of the
// chat page's JavaScript; this registers the reading half alone.

/** The processor's data as a remark plugin reaches it (unified's `this`). */
type ProcessorData = { micromarkExtensions?: unknown[]; fromMarkdownExtensions?: unknown[] };

export function remarkGfmReading(this: { data: () => ProcessorData }) {
  const data = this.data();
  (data.micromarkExtensions ??= []).push(gfm());
  (data.fromMarkdownExtensions ??= []).push(gfmFromMarkdown());
}
