// The app's layers, bottom-up: each may import from the layers below it and
// its own, never from one above, and no module may import itself back through
// a circle. `npm run lint` runs this (see docs/decisions/020-layers.md).
const LAYERS = [
  { name: "schemas", path: "^app/schemas/" },
  { name: "infrastructure", path: "^app/(utils/|load-context\\.ts)" },
  { name: "provider", path: "^app/provider/" },
  { name: "models", path: "^app/models/" },
  { name: "identity", path: "^app/identity/" },
  { name: "chat", path: "^app/chat/" },
  { name: "components", path: "^app/components/" },
  { name: "routes", path: "^app/(routes/|root\\.tsx|entry\\.)" },
];

const upward = LAYERS.flatMap((layer, index) =>
  LAYERS.slice(index + 1).map((above) => ({
    name: `${layer.name}-not-above`,
    comment: `${layer.name} sits below ${above.name}, so it cannot import it.`,
    severity: "error",
    from: { path: layer.path, pathNot: "\\.test\\.tsx?$" },
    to: { path: above.path },
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A circle of imports hides which module depends on which.",
      severity: "error",
      from: { path: "^app/" },
      to: { circular: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
