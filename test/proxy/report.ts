import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one client saw through one proxy case. */
export interface MatrixRow {
  readonly proxy: string;
  readonly client: 'Node' | 'Chromium';
  /** The transport the subscription ended on. */
  readonly transport: string;
  /** From `subscribe()` to the first event, ms. */
  readonly firstEventMs: number;
  /** Publish-to-delivery latencies, ms, one per event. */
  readonly latenciesMs: readonly number[];
  readonly published: number;
  readonly received: number;
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** The rows as a Markdown table, for the console and for docs/deploying.md. */
const ms = (value: number) => (Number.isFinite(value) ? `${value} ms` : '—');

export function matrixTable(rows: readonly MatrixRow[]): string {
  const lines = [
    '| proxy | client | transport | first event | p50 | p99 | events | lost |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const cells = [
      row.proxy,
      row.client,
      row.transport,
      ms(row.firstEventMs),
      ms(percentile(row.latenciesMs, 50)),
      ms(percentile(row.latenciesMs, 99)),
      String(row.received),
      String(row.published - row.received),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Prints `markdown` and writes it to `tidings-<name>.md` in the temp directory, so a run's
 * figures can be copied into docs/deploying.md.
 */
export function publishReport(name: string, markdown: string): void {
  const path = join(tmpdir(), `tidings-${name}.md`);
  writeFileSync(path, `${markdown}\n`);
  console.info(`${markdown}\n(written to ${path})`);
}
