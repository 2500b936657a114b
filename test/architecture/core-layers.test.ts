import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Core's folders are its layers (ARCHITECTURE.md, "Layers"), lowest first. A file may import
 * files of its own folder and of folders before it, never after: the wire knows nothing of
 * brokers, the hub nothing of SSE streams or HTTP. `index.ts` at the top only re-exports.
 * Type-only imports count too, so the graph a reader follows is the one checked.
 */
const LAYERS = ['config', 'wire', 'auth', 'broker', 'hub', 'delivery', 'http', 'observability'] as const;

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'packages/core/src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(ts|mts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers a file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  return ts
    .preProcessFile(readFileSync(file, 'utf8'), true, true)
    .importedFiles.map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith('.'));
}

/** Core's import graph: file (relative to src) → the core files it imports. */
function coreGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(src)) {
    const targets = importsOf(file).map((spec) =>
      relative(src, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))),
    );
    graph.set(relative(src, file), targets);
  }
  return graph;
}

/** `hub/hub.ts` → its layer's rank; `index.ts` ranks above every layer. */
function rank(file: string): number {
  if (!file.includes('/')) return LAYERS.length;
  const layer = file.slice(0, file.indexOf('/')) as (typeof LAYERS)[number];
  return LAYERS.indexOf(layer);
}

/** Every cycle's files, as `a → b → a`; empty when the graph is acyclic. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("core's layers", () => {
  const graph = coreGraph();

  it('every file lives in a known layer folder (or is the entry point)', () => {
    const misplaced = [...graph.keys()].filter((file) => rank(file) === -1 || file.split('/').length > 2);
    expect(misplaced, `place them in one of ${LAYERS.join(', ')}`).toEqual([]);
  });

  it('every import resolves to a file of core', () => {
    const dangling = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => !graph.has(target)).map((target) => `${file} → ${target}`),
    );
    expect(dangling).toEqual([]);
  });

  it('no import points up a layer', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => rank(target) > rank(file))
        .map(
          (target) =>
            `${file} → ${target} (${LAYERS[rank(file)] ?? 'index'} may not import ${LAYERS[rank(target)] ?? 'index'})`,
        ),
    );
    expect(upward).toEqual([]);
  });

  it('no import cycle between files', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('the cycle check finds a cycle, so the test above can fail', () => {
    const graph = new Map([
      ['hub/hub.ts', ['delivery/sse-stream.ts']],
      ['delivery/sse-stream.ts', ['hub/hub.ts']],
    ]);
    expect(findCycles(graph)).toEqual(['delivery/sse-stream.ts → hub/hub.ts → delivery/sse-stream.ts']);
  });
});

describe('other packages', () => {
  it('import core only as @tidings/core, never by path', () => {
    const offenders: string[] = [];
    const dirs = [
      ...readdirSync(join(root, 'packages'))
        .filter((name) => name !== 'core')
        .map((name) => join(root, 'packages', name, 'src')),
      ...readdirSync(join(root, 'examples')).map((name) => join(root, 'examples', name)),
      join(root, 'bench/src'),
    ];
    for (const dir of dirs) {
      const files = statSync(dir, { throwIfNoEntry: false })?.isDirectory()
        ? filesUnder(dir).filter((file) => !file.includes('node_modules'))
        : [];
      for (const file of files) {
        for (const ref of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
          if (/(^|\/)core\/(src|dist)\b|^@tidings\/core\/./.test(ref.fileName))
            offenders.push(`${relative(root, file)} → ${ref.fileName}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
