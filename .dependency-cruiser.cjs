/**
 * The architecture rule: cli -> gates -> core, never the other way, and no cycles.
 * `npm run depcheck` enforces it; it runs in `npm run check` and in CI.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-depends-on-nothing',
      comment: 'packages/core is the substrate: it may not import gates or cli.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: ['^packages/(gates|cli)/', '@factory/(gates|cli)'] },
    },
    {
      name: 'gates-depends-only-on-core',
      comment: 'packages/gates may import core, never cli.',
      severity: 'error',
      from: { path: '^packages/gates/' },
      to: { path: ['^packages/cli/', '@factory/cli'] },
    },
    {
      name: 'product-never-imports-testkit',
      comment: 'the test helpers are for tests only.',
      severity: 'error',
      from: { path: '^packages/(core|gates|cli)/src/' },
      to: { path: ['^packages/testkit/', '@factory/testkit'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    combinedDependencies: true,
    preserveSymlinks: false,
  },
};
