/**
 * The architecture rule: cli -> fleet -> agent -> gates -> core. A package imports only packages to its
 * right (tests included), product code never imports the test helpers, and nothing is circular.
 * `npm run depcheck` enforces it; it runs in `npm run check` and in CI. ARCHITECTURE.md's diagram is
 * generated from the `layers` list below (npm run docs), so the picture and the rule cannot disagree.
 */
const layers = ['cli', 'fleet', 'agent', 'gates', 'core'];

const direction = layers.slice(1).map((layer, i) => {
  const above = layers.slice(0, i + 1).join('|');
  return {
    name: `${layer}-imports-only-to-its-right`,
    comment: `packages/${layer} may import ${layers.slice(i + 2).join(', ') || 'no other package'}, never ${above}.`,
    severity: 'error',
    from: { path: `^packages/${layer}/` },
    to: { path: [`^packages/(${above})/`, `@factory/(${above})(/|$)`] },
  };
});

module.exports = {
  forbidden: [
    ...direction,
    {
      name: 'product-never-imports-testkit',
      comment: 'the test helpers are for tests only.',
      severity: 'error',
      from: { path: `^packages/(${layers.join('|')})/src/` },
      to: { path: ['^packages/testkit/', '@factory/testkit'] },
    },
    {
      name: 'hot-paths-never-reach-pg',
      comment:
        'the git gates and the guard run on every commit and tool call: loading pg and connecting costs more than the hook (core/state/postgres/ship.ts); they write SQLite and factory state sync ships it.',
      severity: 'error',
      from: {
        path: [
          '^packages/gates/src/gate/run[.]ts$',
          '^packages/gates/src/hook/pre-tool-use-entry[.]ts$',
          '^packages/gates/src/hook/handlers/pre-tool-use[.]ts$',
          '^packages/gates/src/hook/router[.]ts$',
          '^packages/cli/src/fast-path[.]ts$',
        ],
      },
      to: {
        path: ['node_modules/pg/', 'node_modules/pg-', '^packages/core/src/state/postgres/'],
        reachable: true,
      },
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
    // Follow the workspace packages' `source` export condition (what tests and tsx load) into their src/,
    // so that rules on what a module reaches (the hot paths) see across packages.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
