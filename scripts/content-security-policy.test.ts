import { expect, test } from "vitest";
import { contentSecurityPolicy, DEV_HMR_PORT } from "./content-security-policy";

/** The policy as directive name → its sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split("; ").map((directive) => {
      const [name, ...sources] = directive.split(" ");
      return [name!, sources];
    }),
  );
}

test("scripts run only with the response's nonce, and what they load ('strict-dynamic')", () => {
  const policy = directives(contentSecurityPolicy("bm9uY2Utb25lLTEyMzQ1Ng==", "production"));
  expect(policy.get("script-src")).toEqual(["'nonce-bm9uY2Utb25lLTEyMzQ1Ng=='", "'strict-dynamic'"]);
});

test("everything else is pinned to this site; frames, plugins and foreign forms are refused", () => {
  expect(Object.fromEntries(directives(contentSecurityPolicy("abc", "production")))).toEqual({
    "default-src": ["'self'"],
    "script-src": ["'nonce-abc'", "'strict-dynamic'"],
    "connect-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
  });
});

test("no inline script or eval is allowed in either mode", () => {
  for (const mode of ["production", "development"] as const) {
    const scriptSrc = directives(contentSecurityPolicy("abc", mode)).get("script-src")!;
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
  }
});

test("development adds only the connection to Vite's hot-reload socket", () => {
  const production = directives(contentSecurityPolicy("abc", "production"));
  const development = directives(contentSecurityPolicy("abc", "development"));
  expect(development.get("connect-src")).toEqual(["'self'", `ws://*:${DEV_HMR_PORT}`]);
  development.delete("connect-src");
  production.delete("connect-src");
  expect(development).toEqual(production);
});
