#!/usr/bin/env node
/**
 * The packages as a new user gets them (issue 14). Run after `npm run build`:
 *
 *   node test/packaging/check.mjs
 *
 * 1. packs every package (npm pack), checks each tarball's contents, metadata and size budget;
 * 2. `npm publish --dry-run` of every package;
 * 3. installs the tarballs into a fresh project in a temporary directory outside the workspace
 *    (no workspace links), with the app's own drivers at another minor version than the suite's;
 * 4. strict `tsc` of every entry point with node16 (ESM and CJS) and bundler resolution, then runs
 *    the compiled files: ESM import and CommonJS require of every entry point, and the drivers
 *    fixture (one copy of each driver, a publish through Redis and NATS);
 * 5. attw and publint (strict) on every tarball.
 *
 * Any failure exits non-zero. Packed and unpacked sizes are printed as a table.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUDGETS, DRIVERS, PEERS_FOR_TYPES } from './budgets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name) => join(root, 'node_modules/.bin', name);
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`  FAIL ${message}`);
};
const step = (title) => console.log(`\n== packaging: ${title}`);
const sh = (cmd, args, options = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
/** Runs a command; a non-zero exit is a failure (with the command's output), not an exception. */
const check = (label, cmd, args, options = {}) => {
  try {
    // The last line that is not part of a table: "All good!", "No problems found", "+ pkg@1.0.0".
    const out = sh(cmd, args, options)
      .split('\n')
      .filter((line) => /^\s*[^\s│┌└├─]/.test(line))
      .at(-1)
      ?.trim();
    console.log(`  ok   ${label}${out ? `: ${out}` : ''}`);
    return true;
  } catch (error) {
    fail(`${label}\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    return false;
  }
};
/**
 * Strict tsc with skipLibCheck off: an error in our declarations or in the fixture fails. An
 * error inside a third-party declaration file is printed, not counted: it is not ours to fix
 * (e.g. @types/koa against content-disposition 2's own types).
 */
const typecheck = (label, project) => {
  try {
    sh(tsc, ['-p', project], { cwd: app });
    console.log(`  ok   ${label}`);
    return true;
  } catch (error) {
    const lines = `${error.stdout ?? ''}${error.stderr ?? ''}`
      .split('\n')
      .filter((line) => /error TS\d+/.test(line));
    const foreign = (line) => line.startsWith('node_modules/') && !line.startsWith('node_modules/@tidings/');
    for (const line of lines.filter(foreign))
      console.warn(`  warn ${label}, third-party declaration: ${line}`);
    const ours = lines.filter((line) => !foreign(line));
    if (ours.length > 0 || lines.length === 0) fail(`${label}\n${ours.join('\n') || error.message}`);
    else console.log(`  ok   ${label} (no error in @tidings/* or the fixture)`);
    return ours.length === 0 && lines.length > 0;
  }
};

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .sort((a, b) => a.pkg.name.localeCompare(b.pkg.name));
const versions = new Map(packages.map(({ pkg }) => [pkg.name, pkg.version]));
const work = mkdtempSync(join(tmpdir(), 'tidings-packaging-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

step('npm pack, contents, metadata, size budgets');
const rows = [];
for (const { dir, pkg } of packages) {
  const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: dir }));
  const files = packed.files.map((f) => f.path);
  Object.assign(
    packages.find((p) => p.pkg.name === pkg.name),
    { tarball: join(tarballs, packed.filename) },
  );
  rows.push({ name: pkg.name, packed: packed.size, unpacked: packed.unpackedSize, files: files.length });
  for (const required of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']) {
    if (!files.includes(required)) fail(`${pkg.name}: tarball has no ${required}`);
  }
  for (const file of files) {
    if (/^src\/|\.map$|\.test\.|^test\//.test(file)) fail(`${pkg.name}: tarball ships ${file}`);
  }
  if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')) {
    fail(`${pkg.name}: LICENSE differs from the root LICENSE`);
  }
  const budget = BUDGETS[pkg.name];
  if (budget === undefined) fail(`${pkg.name}: no size budget in test/packaging/budgets.mjs`);
  else if (packed.size > budget) fail(`${pkg.name}: ${packed.size} B packed, over its budget of ${budget} B`);
  checkMetadata(dir, pkg);
}
console.table(rows);

step('npm publish --dry-run');
for (const { dir, pkg } of packages) {
  // --tag: a dry run checks the version against the registry's; with the default tag it refuses
  // to "publish" a version lower than the latest one, which would fail every run after a release.
  check(
    `${pkg.name}: npm publish --dry-run`,
    'npm',
    ['publish', '--dry-run', '--tag', 'ci-dry-run', '--loglevel', 'error'],
    { cwd: dir },
  );
}

step(`fresh project in ${work}/app (tarballs + the app's own drivers, from the registry)`);
const app = join(work, 'app');
cpSync(fileURLToPath(new URL('./fixture', import.meta.url)), app, { recursive: true });
const entryPoints = packages.flatMap(({ pkg }) =>
  Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`)),
);
writeEntryFixtures(app, entryPoints);
writeFileSync(
  join(app, 'package.json'),
  `${JSON.stringify({ name: 'tidings-packaging-app', private: true }, null, 2)}\n`,
);
const driverSpecs = Object.entries(DRIVERS).map(([name, version]) => `${name}@${version}`);
const typeSpecs = [
  ...PEERS_FOR_TYPES.map((name) => `${name}@${rootPkg.devDependencies[name]}`),
  `typescript@${rootPkg.devDependencies.typescript}`,
  `@types/node@${rootPkg.devDependencies['@types/node']}`,
];
if (
  !check(
    'npm install of the tarballs',
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel',
      'error',
      '--prefer-offline',
      ...packages.map((p) => p.tarball),
      ...driverSpecs,
      ...typeSpecs,
    ],
    { cwd: app },
  )
)
  finish();
for (const { pkg } of packages) {
  const installed = join(app, 'node_modules', pkg.name);
  if (lstatSync(installed).isSymbolicLink() || !realpathSync(installed).startsWith(realpathSync(app))) {
    fail(`${pkg.name} is linked from outside the fresh project: ${realpathSync(installed)}`);
  }
}
for (const [name, version] of Object.entries(DRIVERS)) {
  const got = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version;
  if (got !== version) fail(`${name}: the app has ${got}, expected its own ${version}`);
  const copies = sh('npm', ['ls', name, '--all', '--parseable'], { cwd: app })
    .trim()
    .split('\n')
    .filter(Boolean);
  if (new Set(copies).size !== 1) fail(`${name}: ${copies.length} copies installed:\n${copies.join('\n')}`);
}

step('strict tsc: node16 (ESM + CJS) and bundler resolution, skipLibCheck off');
// One program per module system, as in an app: an ESM and a CJS program each see one build.
const tsc = join(app, 'node_modules/.bin/tsc');
const typesOk = [
  typecheck('tsc node16, ESM (.mts)', 'tsconfig.esm.json'),
  typecheck('tsc node16, CommonJS (.cts)', 'tsconfig.cjs.json'),
  typecheck('tsc bundler', 'tsconfig.bundler.json'),
].every(Boolean);

if (typesOk) {
  step('run: ESM import and CommonJS require of every entry point, the app-owned drivers');
  // Like Node before 20.19, which cannot require() an ES module: the CJS builds must stand alone.
  const noRequireEsm = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')
    ? ['--no-experimental-require-module']
    : [];
  check('ESM import', process.execPath, ['out/entries.mjs'], { cwd: app });
  check('CommonJS require', process.execPath, [...noRequireEsm, 'out/entries.cjs'], { cwd: app });
  check('drivers passed in by the app', process.execPath, ['out/drivers.mjs'], { cwd: app, timeout: 60_000 });
}

step('attw and publint on every tarball');
for (const { pkg, tarball } of packages) {
  check(
    `${pkg.name}: attw`,
    bin('attw'),
    [tarball, '--format', 'table-flipped', '--no-emoji', '--no-color'],
    { cwd: work },
  );
  check(`${pkg.name}: publint`, bin('publint'), ['run', tarball, '--strict'], { cwd: work });
}
finish();

/** Fields a published package needs; internal ranges must be `^` ranges that the workspace satisfies. */
function checkMetadata(dir, pkg) {
  const folder = dir.slice(join(root, 'packages').length + 1);
  const want = {
    license: 'MIT',
    'publishConfig.access': 'public',
    'repository.directory': `packages/${folder}`,
    'repository.url': rootPkg.repository?.url,
    'bugs.url': rootPkg.bugs?.url,
    author: rootPkg.author,
  };
  for (const [path, value] of Object.entries(want)) {
    const got = path.split('.').reduce((obj, key) => obj?.[key], pkg);
    if (value === undefined || got !== value)
      fail(`${pkg.name}: ${path} is ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
  }
  for (const field of ['description', 'homepage', 'keywords', 'files', 'exports', 'engines']) {
    if (pkg[field] === undefined) fail(`${pkg.name}: no ${field}`);
  }
  for (const field of ['dependencies', 'peerDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (!versions.has(name)) continue;
      if (range !== `^${versions.get(name)}`)
        fail(`${pkg.name}: ${field}.${name} is "${range}", expected "^${versions.get(name)}"`);
    }
  }
  for (const driver of Object.keys(DRIVERS)) {
    if (pkg.dependencies?.[driver])
      fail(`${pkg.name}: the driver ${driver} must be a peer dependency, not a dependency`);
  }
}

/** One file per module system and one for bundlers, importing every entry point. */
function writeEntryFixtures(dir, specifiers) {
  const imports = specifiers.map((spec, i) => `import * as m${i} from '${spec}';`).join('\n');
  const list = `[${specifiers.map((spec, i) => `['${spec}', m${i}]`).join(', ')}] as const`;
  const body = (kind) =>
    `${imports}\n\nconst modules: ReadonlyArray<readonly [string, object]> = ${list};\n` +
    `for (const [name, ns] of modules) {\n` +
    `  const names = Object.keys(ns).filter((key) => key !== 'default');\n` +
    `  if (names.length === 0) throw new Error(\`\${name}: nothing exported to ${kind}\`);\n` +
    `}\nconsole.log(\`${kind}: \${modules.length} entry points load\`);\n`;
  writeFileSync(join(dir, 'entries.mts'), body('ESM import'));
  writeFileSync(join(dir, 'entries.cts'), body('CommonJS require'));
  writeFileSync(join(dir, 'bundler.ts'), `${body('bundler')}export {};\n`);
}

function finish() {
  if (failures.length > 0) {
    console.error(`\npackaging: ${failures.length} failure(s); the fresh project is kept in ${work}`);
    process.exit(1);
  }
  rmSync(work, { recursive: true, force: true });
  console.log(
    `\npackaging: ${packages.length} packages, ${entryPoints.length} entry points: all checks passed`,
  );
  process.exit(0);
}
