import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/contract/**/*.test.ts',
      'test/integration/**/*.test.ts',
      // The desktop app in real Chromium against the real daemon (needs renderer/dist: npm run build:ui).
      'test/e2e/**/*.test.ts',
      // The renderer's tests; those that render say `// @vitest-environment happy-dom`, the rest run in Node.
      'renderer/test/**/*.test.ts',
      'renderer/test/**/*.test.tsx',
    ],
    // Integration tests load llama.cpp and start servers; on 2 cores, parallel files only contend.
    fileParallelism: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
