import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { gzippedScriptBytes, pageScripts } from "./page-weight";

function fakeBuild() {
  const dir = mkdtempSync(path.join(tmpdir(), "page-weight-"));
  mkdirSync(path.join(dir, "assets"));
  const manifest = {
    entry: { module: "/assets/entry.js", imports: ["/assets/shared.js"] },
    routes: {
      root: { id: "root", module: "/assets/root.js", imports: ["/assets/shared.js"] },
      "routes/chat": { id: "routes/chat", parentId: "root", module: "/assets/chat.js", imports: ["/assets/markdown.js"] },
      "routes/other": { id: "routes/other", parentId: "root", module: "/assets/other.js", imports: [] },
    },
  };
  writeFileSync(path.join(dir, "assets", "manifest-abc.js"), `window.__remixManifest=${JSON.stringify(manifest)};`);
  for (const name of ["entry", "shared", "root", "chat", "markdown", "other"]) {
    writeFileSync(path.join(dir, "assets", `${name}.js`), `console.log(${JSON.stringify(name.repeat(50))});`);
  }
  return dir;
}

describe("a page's JavaScript", () => {
  test("is the manifest, the entry and every route from the root to the page, each file once", () => {
    const dir = fakeBuild();
    expect(pageScripts(dir, "routes/chat").sort()).toEqual(
      ["/assets/manifest-abc.js", "/assets/entry.js", "/assets/shared.js", "/assets/root.js", "/assets/chat.js", "/assets/markdown.js"].sort(),
    );
  });

  test("is weighed gzipped, file by file", () => {
    const dir = fakeBuild();
    const expected = pageScripts(dir, "routes/other").reduce(
      (sum, file) => sum + gzipSync(readFileSync(path.join(dir, file))).length,
      0,
    );
    expect(gzippedScriptBytes(dir, "routes/other")).toBe(expected);
    expect(gzippedScriptBytes(dir, "routes/chat")).toBeGreaterThan(gzippedScriptBytes(dir, "routes/other"));
  });
});
