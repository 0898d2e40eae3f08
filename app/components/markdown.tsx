import { useEffect, useRef, useState } from "react";
import ReactMarkdown, { defaultUrlTransform, type Options } from "react-markdown";
import { remarkGfmReading } from "./remark-gfm-reading";
import { useCopy } from "./use-copy";

// Model output is untrusted. react-markdown builds React elements, never raw
// HTML (there is no rehype-raw here), and the URL filter below drops anything
// that is not http(s), mailto or a relative link, so `javascript:` cannot run.
// Images become links: an image loads by itself, so instructions could make a
// reply send the conversation to another site in its URL.

const SAFE_PROTOCOL = /^(https?:|mailto:|\/|#)/i;

export function safeUrl(url: string): string {
  const cleaned = defaultUrlTransform(url);
  return SAFE_PROTOCOL.test(cleaned) ? cleaned : "";
}

type Highlighting = NonNullable<Options["rehypePlugins"]>;

/**
 * The syntax highlighter is most of the chat page's JavaScript, and most
 * replies have no code: it is loaded the first time a reply shows a fenced
 * code block, which is drawn plain until then (the colours arrive, nothing
 * moves). The server always draws code plain, so hydration matches.
 */
let highlighter: Highlighting | null = null;

export async function loadHighlighter(): Promise<Highlighting> {
  highlighter ??= (await import("./highlighting")).highlighting;
  return highlighter;
}

const READING_PLUGINS = [remarkGfmReading] as unknown as Options["remarkPlugins"];

const FENCED_CODE = /^ {0,3}(```|~~~)/m;

function useHighlighter(text: string): Highlighting {
  const wanted = FENCED_CODE.test(text);
  const [loaded, setLoaded] = useState(highlighter);
  useEffect(() => {
    if (!wanted || loaded) return;
    let mounted = true;
    void loadHighlighter().then((plugins) => mounted && setLoaded(plugins));
    return () => {
      mounted = false;
    };
  }, [wanted, loaded]);
  return (wanted && loaded) || [];
}

export function Markdown({ children }: { children: string }) {
  const highlighting = useHighlighter(children);
  return (
    <div className="prose-chat space-y-3 break-words text-sm leading-relaxed">
      <ReactMarkdown
        remarkPlugins={READING_PLUGINS}
        rehypePlugins={highlighting}
        skipHtml
        urlTransform={safeUrl}
        components={{
          pre: CodeBlock,
          img: ({ src, alt }) =>
            typeof src === "string" && src ? (
              <a
                href={src}
                target="_blank"
                rel="noopener noreferrer nofollow"
                className="text-indigo-600 underline dark:text-indigo-400"
              >
                {alt || "image"}
              </a>
            ) : null,
          a: ({ node: _node, children: text, ...props }) => (
            <a
              {...props}
              target="_blank"
              rel="noopener noreferrer nofollow"
              className="text-indigo-600 underline dark:text-indigo-400"
            >
              {text}
            </a>
          ),
        }}
      >
        {children}
      </ReactMarkdown>
    </div>
  );
}

function CodeBlock({ node: _node, children, ...props }: React.ComponentProps<"pre"> & { node?: unknown }) {
  const ref = useRef<HTMLPreElement>(null);
  const [copied, copy] = useCopy();
  return (
    <div className="group relative">
      <pre ref={ref} {...props} className="overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">
        {children}
      </pre>
      <button
        type="button"
        onClick={() => copy(ref.current?.innerText ?? "")}
        className="absolute right-2 top-2 rounded bg-slate-700 px-2 py-0.5 text-xs text-white opacity-80 hover:opacity-100"
      >
        {copied ? "Copied" : "Copy code"}
      </button>
    </div>
  );
}
