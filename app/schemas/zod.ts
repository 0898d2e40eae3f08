import { z } from "zod";

// The schemas here also run in the browser, under a policy without
// 'unsafe-eval' (docs/decisions/011-content-security-policy.md). Zod's fast
// path compiles parsers with `new Function`, and even its probe for that is
// reported as a policy violation; jitless parsing needs neither. Every schema
// module imports `z` from here, so this runs before the first schema is built.
z.config({ jitless: true });

export { z };
