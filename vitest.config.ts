import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

/**
 * Tests import workspace packages from source (no build step needed), except the
 * packaging tests that deliberately load the built `dist/` through `require`/`import`.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^@tidings\/([a-z-]+)$/, replacement: pkg('$1') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
