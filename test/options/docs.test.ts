import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HANDLER_SCHEMA, HUB_SCHEMA } from '../../packages/core/src/config/option-schema.js';
import { NATS_SCHEMA } from '../../packages/nats/src/options.js';
import { REDIS_SCHEMA } from '../../packages/redis/src/options.js';
import { schemaRows } from './schema-rows.js';

/** docs/options.md lists every option with the exact text its error message uses. */
const doc = readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8');
/** Table rows of the page: option name → every "takes" cell given for it. */
const documented = new Map<string, string[]>();
for (const line of doc.split('\n')) {
  const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
  const name = /^`([\w.]+)`$/.exec(cells[1] ?? '')?.[1] ?? /^`([\w.]+)`$/.exec(cells[2] ?? '')?.[1];
  if (name) documented.set(name, [...(documented.get(name) ?? []), cells.at(-2) ?? '']);
}

describe('docs/options.md', () => {
  it.each([
    ['hub', HUB_SCHEMA],
    ['handler', HANDLER_SCHEMA],
    ['redis', REDIS_SCHEMA],
    ['nats', NATS_SCHEMA],
  ] as const)('lists every %s option with what it takes', (_name, schema) => {
    for (const [option, takes] of schemaRows(schema)) {
      expect(documented.get(option), option).toContain(takes);
    }
  });

  it('lists the adapter options', () => {
    expect(documented.get('hub')).toContain('a Hub from createHub()');
    expect(documented.get('path')).toContain("a path starting with '/'");
    expect(documented.get('prefix')).toContain("a path starting with '/'");
    expect(documented.get('closeGraceMs')).toContain('a whole number of milliseconds, 0 or more');
  });
});
