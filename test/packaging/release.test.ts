import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';

/**
 * Releases are independent (issue 14): `changeset version` on a scratch copy of the
 * workspace's manifests and .changeset/config.json, with the real @changesets/cli.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const packages = readdirSync(join(root, 'packages'));
const dependents = packages.filter(
  (dir) => manifest(root, dir).dependencies?.['@tidings/core'] !== undefined,
);
const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Manifest {
  version: string;
  dependencies?: Record<string, string>;
}

function manifest(base: string, dir: string): Manifest {
  return JSON.parse(readFileSync(join(base, 'packages', dir, 'package.json'), 'utf8')) as Manifest;
}

/** A scratch copy of the manifests with one changeset, after `changeset version`. */
async function release(bump: 'patch' | 'minor' | 'major'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-release-'));
  scratches.push(dir);
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, '.changeset'));
  cpSync(join(root, '.changeset/config.json'), join(dir, '.changeset/config.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  for (const pkg of packages) {
    mkdirSync(join(dir, 'packages', pkg), { recursive: true });
    cpSync(join(root, 'packages', pkg, 'package.json'), join(dir, 'packages', pkg, 'package.json'));
  }
  writeFileSync(
    join(dir, '.changeset/core-change.md'),
    `---\n'@tidings/core': ${bump}\n---\n\nA ${bump} change of core.\n`,
  );
  await run(join(root, 'node_modules/.bin/changeset'), ['version'], { cwd: dir });
  return dir;
}

const before = manifest(root, 'core').version;
const [major = 0, minor = 0, patch = 0] = before.split('.').map(Number);

it('every package that depends on @tidings/core does so with a ^ range', () => {
  expect(dependents.length).toBeGreaterThan(5);
  for (const dir of dependents)
    expect(manifest(root, dir).dependencies?.['@tidings/core']).toBe(`^${before}`);
});

it('a patch of @tidings/core releases core alone: the adapters keep a range that covers it', async () => {
  const dir = await release('patch');
  expect(manifest(dir, 'core').version).toBe(`${major}.${minor}.${patch + 1}`);
  expect(readFileSync(join(dir, 'packages/core/CHANGELOG.md'), 'utf8')).toContain('A patch change of core.');
  for (const pkg of dependents) {
    expect(manifest(dir, pkg)).toEqual(manifest(root, pkg));
    expect(existsSync(join(dir, 'packages', pkg, 'CHANGELOG.md'))).toBe(false);
  }
}, 60_000);

it('a release of @tidings/core outside their range raises the range and patch-releases each dependent', async () => {
  // Out of a ^ range: a minor in 0.x, a major from 1.0 on.
  const dir = await release(major === 0 ? 'minor' : 'major');
  const next = major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`;
  expect(manifest(dir, 'core').version).toBe(next);
  for (const pkg of dependents) {
    const [a = 0, b = 0, c = 0] = manifest(root, pkg).version.split('.').map(Number);
    expect(manifest(dir, pkg).dependencies?.['@tidings/core']).toBe(`^${next}`);
    expect(manifest(dir, pkg).version).toBe(`${a}.${b}.${c + 1}`);
    expect(readFileSync(join(dir, 'packages', pkg, 'CHANGELOG.md'), 'utf8')).toContain(
      `@tidings/core@${next}`,
    );
  }
}, 60_000);
