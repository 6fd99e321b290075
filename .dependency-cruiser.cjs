/**
 * The hexagon's import rules, enforced in `npm test` (see docs/ARCHITECTURE.md). Closed world: every
 * import must match one of the `allowed` rules below, our folders and npm packages alike, so a new
 * folder, a new package or a shortcut across layers is an error until a rule says it may. Generated
 * code (proto/gen) and test code are checked as targets only: production code may not import them,
 * except the gRPC adapter, which speaks the generated API.
 * @type {import('dependency-cruiser').IConfiguration}
 */

const NODE = { dependencyTypes: ['core'] };
const npm = (...names) => ({ path: names.map((n) => `^node_modules/${n.replace('/', '\\/')}/`) });
const own = (...folders) => ({ path: folders.map((f) => `^${f}`) });

/** Every adapter sees the inner layers, the shared primitives, its own folder and nothing else of ours. */
const adapter = (name, packages, { node = true, extra = [] } = {}) => [
  { from: own(`core/adapters/${name}/`), to: own('core/domain/', 'core/ports/', 'core/base/', `core/adapters/${name}/`, ...extra) },
  ...(packages.length === 0 ? [] : [{ from: own(`core/adapters/${name}/`), to: npm(...packages) }]),
  ...(node ? [{ from: own(`core/adapters/${name}/`), to: NODE }] : []),
];

/** What the composition root may build: each adapter through its public entry. */
const ADAPTER_ENTRIES = '^core/adapters/[^/]+/index\\.ts$';

const KNOWN = [
  '^core/domain/',
  '^core/ports/',
  '^core/base/',
  '^core/app/',
  '^core/adapters/(connect|grpc|kuzu|llama|nats|openai-http|sqlite)/',
  '^main/(compose|compose-nats|compose-models|daemon|config|disk-space|grpc-security|log|version)\\.ts$',
  '^main/cli/',
  '^main/electron/',
  '^renderer/',
];

module.exports = {
  allowedSeverity: 'error',
  allowed: [
    // Pure rules: nothing outside themselves.
    { from: own('core/domain/'), to: own('core/domain/') },
    { from: own('core/ports/'), to: own('core/domain/', 'core/ports/') },
    // Primitives every layer may share: they import nothing of ours.
    { from: own('core/base/'), to: own('core/base/') },
    // Use cases: the domain, the ports and zod (pure) to validate model output; no I/O, no adapter.
    { from: own('core/app/'), to: own('core/domain/', 'core/ports/', 'core/base/', 'core/app/') },
    { from: own('core/app/'), to: npm('zod') },

    ...adapter('grpc', ['@grpc/grpc-js'], { node: false, extra: ['proto/gen/'] }),
    // Of Node's built-ins, the gRPC adapter needs only crypto: the token is compared in constant time.
    { from: own('core/adapters/grpc/'), to: { dependencyTypes: ['core'], path: '^crypto$' } },
    // The UI's HTTP endpoint: Connect for browsers, each call passed on to the daemon's gRPC server.
    ...adapter('connect', ['@bufbuild/protobuf', '@connectrpc/connect', '@connectrpc/connect-node', '@grpc/grpc-js', 'sirv'], {
      extra: ['proto/gen-es/'],
    }),
    // The embedded context graph.
    ...adapter('kuzu', ['kuzu', 'zod']),
    ...adapter('llama', ['node-llama-cpp']),
    ...adapter('nats', ['@nats-io/jetstream', '@nats-io/transport-node', 'zod', 'p-retry']),
    ...adapter('openai-http', ['zod']),
    ...adapter('sqlite', ['better-sqlite3', 'zod']),

    // The composition root wires adapters (through their entries) to use cases.
    {
      from: { path: '^main/(compose|compose-nats|compose-models)\\.ts$' },
      to: { path: [ADAPTER_ENTRIES, '^core/(domain|ports|base|app)/', '^main/(compose|compose-nats|config|log|version)\\.ts$'] },
    },
    { from: { path: '^main/(compose|compose-nats|compose-models)\\.ts$' }, to: NODE },
    // The daemon's lifecycle, configuration, logging, who may call its API: no adapter, no use case, only what compose hands out.
    {
      from: { path: '^main/(daemon|config|disk-space|grpc-security|log|version)\\.ts$' },
      to: { path: ['^core/(domain|ports|base)/', '^main/[^/]+\\.ts$'] },
    },
    { from: { path: '^main/(daemon|config|disk-space|grpc-security|log|version)\\.ts$' }, to: NODE },
    { from: { path: '^main/(config|compose-models)\\.ts$' }, to: npm('zod') },
    // Commands parse flags and print; the core they get from the composition root.
    { from: own('main/cli/'), to: { path: ['^main/cli/', '^main/[^/]+\\.ts$', '^core/(domain|ports|base)/'] } },
    { from: own('main/cli/'), to: NODE },
    { from: own('main/cli/'), to: npm('commander') },
    // `fleet tls generate`: a self-signed pair without depending on an openssl binary.
    { from: own('main/cli/'), to: npm('selfsigned') },
    // `fleet ui`: the default browser, on every platform.
    { from: own('main/cli/'), to: npm('open') },

    // The desktop shell: Electron, zod for what the page sends, Node; it starts the daemon as a process, never imports it.
    { from: own('main/electron/'), to: own('main/electron/') },
    { from: own('main/electron/'), to: NODE },
    { from: own('main/electron/'), to: npm('electron', 'zod') },

    // The desktop UI runs in a browser: its own folder, the generated API (proto/gen-es) and the
    // browser-safe packages it draws and talks with; no Node built-ins, nothing of core/ or main/.
    { from: own('renderer/'), to: own('renderer/', 'proto/gen-es/') },
    {
      from: own('renderer/'),
      to: npm(
        'react',
        'react-dom',
        '@connectrpc/connect',
        '@connectrpc/connect-web',
        '@bufbuild/protobuf',
        'recharts',
        'diff',
        '@xyflow/react',
      ),
    },
    // Its component tests add the test runner and Testing Library, and stay out of the app.
    { from: own('renderer/test/'), to: { path: ['^node_modules/vitest/', '^node_modules/@testing-library/'] } },
    // Its build configuration runs in Node at build time, never in the page.
    { from: { path: '^renderer/vite\\.config\\.ts$' }, to: npm('vite', '@vitejs/plugin-react') },
  ],
  forbidden: [
    {
      name: 'unlisted-folder',
      comment: 'Every production file belongs to a folder the rules above know; a new folder needs its own rule.',
      severity: 'error',
      from: { orphan: true, pathNot: KNOWN },
      to: {},
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
    // Generated and test code are reached (so importing them is seen) but not checked themselves.
    doNotFollow: { path: ['node_modules', '^proto/gen/', '^proto/gen-es/', '^test/'] },
    // Paths as they are in the tree, so a copy whose node_modules is a link reads the same.
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
