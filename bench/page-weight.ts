// The JavaScript a page loads on first visit, gzipped, from the production build's Remix manifest.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

type Manifest = {
  entry: { module: string; imports: string[] };
  routes: Record<string, { parentId?: string; module: string; imports?: string[] }>;
};

/** The manifest's own file, the entry, and each route from the root down to `routeId`, with their imports. */
export function pageScripts(clientDir: string, routeId: string): string[] {
  const manifestFile = readdirSync(path.join(clientDir, "assets")).find((name) => /^manifest-.*\.js$/.test(name));
  if (!manifestFile) throw new Error(`No Remix manifest in ${clientDir}/assets: build first.`);
  const text = readFileSync(path.join(clientDir, "assets", manifestFile), "utf8");
  const manifest = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as Manifest;
  const files = new Set([`/assets/${manifestFile}`, manifest.entry.module, ...manifest.entry.imports]);
  for (let id: string | undefined = routeId; id; id = manifest.routes[id]?.parentId) {
    const route = manifest.routes[id];
    if (!route) throw new Error(`No route ${id} in the manifest.`);
    files.add(route.module);
    for (const file of route.imports ?? []) files.add(file);
  }
  return [...files];
}

/** The gzipped size, in bytes, of the JavaScript a page loads on first visit. */
export function gzippedScriptBytes(clientDir: string, routeId: string): number {
  return pageScripts(clientDir, routeId).reduce(
    (sum, file) => sum + gzipSync(readFileSync(path.join(clientDir, file))).length,
    0,
  );
}
