/**
 * The hexagon's import rules, enforced in `npm test` (see docs/ARCHITECTURE.md).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'core/domain holds pure types and rules: it imports nothing outside itself (no node builtins, no packages).',
      severity: 'error',
      from: { path: '^core/domain/' },
      to: { pathNot: '^core/domain/' },
    },
    {
      name: 'ports-are-interfaces',
      comment: 'core/ports describe what the core needs in domain terms only.',
      severity: 'error',
      from: { path: '^core/ports/' },
      to: { pathNot: '^core/(domain|ports)/' },
    },
    {
      name: 'app-uses-domain-and-ports',
      comment: 'Use cases see only the domain and ports, never an adapter or I/O; zod (pure) validates model output.',
      severity: 'error',
      from: { path: '^core/app/' },
      to: { pathNot: ['^core/(domain|ports|app)/', '^node_modules/zod/'] },
    },
    {
      name: 'adapters-stay-apart',
      comment: "An adapter never imports another adapter's files nor the use cases; only the composition root wires them.",
      severity: 'error',
      from: { path: '^core/adapters/([^/]+)/' },
      to: { path: '^core/(adapters|app)/', pathNot: ['^core/adapters/$1/'] },
    },
    {
      name: 'only-composition-root-wires-adapters',
      comment: 'main/compose*.ts is the one composition root that builds adapters; entry points get them from it.',
      severity: 'error',
      from: { path: '^main/', pathNot: ['^main/compose\\.ts$', '^main/compose-nats\\.ts$'] },
      to: { path: '^core/adapters/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(proto/gen|test)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
