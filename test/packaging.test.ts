import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Every published package loads from CommonJS `require` and ESM `import` of its BUILT output
 * (`npm test` builds first), with type declarations for both.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const packages = readdirSync(`${root}packages`)
  .map((dir) => JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as { name: string })
  .map((pkg) => pkg.name);

/** Adapters all export the same factory name. */
const ADAPTERS = new Set([
  '@tidings/express',
  '@tidings/koa',
  '@tidings/fastify',
  '@tidings/node',
  '@tidings/fetch',
]);

describe.each(packages)('%s', (name) => {
  const dir = `${root}packages/${name.replace('@tidings/', '')}`;

  it('is built with ESM, CJS and declarations', () => {
    for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) {
      expect(existsSync(`${dir}/dist/${file}`), `${name}/dist/${file} (run npm run build)`).toBe(true);
    }
  });

  it('loads with require() and import, exposing the same names', async () => {
    // Like Node before 20.19, which cannot require() an ES module: every dependency must have a CJS build.
    const noRequireEsm = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')
      ? ['--no-experimental-require-module']
      : [];
    const cjs = await run(
      process.execPath,
      [...noRequireEsm, '-e', `console.log(Object.keys(require('${name}')).sort().join())`],
      { cwd: root },
    );
    const esm = await run(
      process.execPath,
      ['--input-type=module', '-e', `console.log(Object.keys(await import('${name}')).sort().join())`],
      { cwd: root },
    );
    const names = (stdout: string) =>
      stdout
        .trim()
        .split(',')
        .filter((key) => key !== 'default' && key !== '');
    expect(names(cjs.stdout).length).toBeGreaterThan(0);
    expect(names(esm.stdout)).toEqual(names(cjs.stdout));
    if (ADAPTERS.has(name))
      expect(names(cjs.stdout)).toEqual(expect.arrayContaining(['realtime', 'createHub']));
  });
});
