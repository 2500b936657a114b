import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The public surface of every package and entry point is pinned: the names (values and types) each
 * entry's source exports, and the runtime names of its BUILT output (`npm test` builds first).
 * Moving files inside a package must leave `exports.json` untouched; a deliberate API change
 * updates it with `UPDATE_EXPORTS=1 npx vitest run test/packaging/exports.test.ts`, in the same commit.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const pinned = fileURLToPath(new URL('./exports.json', import.meta.url));

interface Manifest {
  name: string;
  exports: Record<string, string | { import: { default: string } }>;
  tsup?: TsupConfig | TsupConfig[];
}
interface TsupConfig {
  entry: string[] | Record<string, string>;
}

/** One published entry point: `@tidings/client/browser` → its built ESM file and its source file. */
interface Entry {
  specifier: string;
  built: string;
  source: string;
}

const entries: Entry[] = readdirSync(`${root}packages`).flatMap((dir) => {
  const manifest = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as Manifest;
  const sources = new Map<string, string>(); // built base name → source path
  for (const config of [manifest.tsup ?? { entry: ['src/index.ts'] }].flat()) {
    const list = Array.isArray(config.entry)
      ? config.entry.map((src) => [src.replace(/^.*\/|\.ts$/g, ''), src] as const)
      : Object.entries(config.entry);
    for (const [base, src] of list) sources.set(base, src);
  }
  return Object.entries(manifest.exports)
    .filter(([, target]) => typeof target === 'object')
    .map(([subpath, target]) => {
      const built = (target as { import: { default: string } }).import.default;
      const base = built.replace(/^.*\/|\.js$/g, '');
      const source = sources.get(base);
      if (!source) throw new Error(`${manifest.name}: no tsup entry builds ${built}`);
      return {
        specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
        built: `${root}packages/${dir}/${built}`,
        source: `${root}packages/${dir}/${source}`,
      };
    });
});

/** Names each source entry exports, split into runtime values and type-only names, both sorted. */
function sourceSurface(): Record<string, { values: string[]; types: string[] }> {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json did not parse');
  const program = ts.createProgram([...new Set(entries.map((entry) => entry.source))], config.options);
  const checker = program.getTypeChecker();
  const surface: Record<string, { values: string[]; types: string[] }> = {};
  for (const entry of entries) {
    const file = program.getSourceFile(entry.source);
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    if (!moduleSymbol) throw new Error(`${entry.source} is not a module`);
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
    }
    surface[entry.specifier] = { values: values.sort(), types: types.sort() };
  }
  return surface;
}

describe('public exports', () => {
  const surface = sourceSurface();

  it('of every entry point match the pinned list', () => {
    if (process.env.UPDATE_EXPORTS) writeFileSync(pinned, `${JSON.stringify(surface, null, 2)}\n`);
    expect(surface).toEqual(JSON.parse(readFileSync(pinned, 'utf8')));
  });

  it.each(entries)(
    '$specifier: the built output exports exactly the runtime names of its source',
    async (entry) => {
      expect(existsSync(entry.built), `${entry.built} (run npm run build)`).toBe(true);
      const built = Object.keys(await import(pathToFileURL(entry.built).href)).sort();
      expect(built).toEqual(surface[entry.specifier]?.values);
    },
  );
});
