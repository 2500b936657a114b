import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Loads the built `dist/` (not the source alias): `npm run build` must come first (root `npm test` does). */
const dist = (pkg: string, file: string) =>
  fileURLToPath(new URL(`../../packages/${pkg}/dist/${file}`, import.meta.url));
const require = createRequire(import.meta.url);

describe.each(['koa', 'fastify', 'node', 'fetch'])('@tidings/%s as published', (pkg) => {
  it('loads from CommonJS require and ESM import, with the same API', async () => {
    expect(existsSync(dist(pkg, 'index.cjs')), 'run `npm run build` before this test').toBe(true);
    const cjs = require(dist(pkg, 'index.cjs')) as Record<string, unknown>;
    const esm = (await import(dist(pkg, 'index.js'))) as Record<string, unknown>;
    for (const loaded of [cjs, esm]) {
      expect(typeof loaded.realtime).toBe('function');
      expect(typeof loaded.createHub).toBe('function');
      expect(typeof loaded.TidingsError).toBe('function');
    }
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    expect(existsSync(dist(pkg, 'index.d.ts')) && existsSync(dist(pkg, 'index.d.cts'))).toBe(true);
  });
});
