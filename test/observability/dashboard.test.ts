import { readFileSync } from 'node:fs';
import { createHub, renderMetrics } from '@tidings/core';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { expect, it } from 'vitest';

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}

it('the Grafana dashboard only queries metrics Tidings exposes', async () => {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../examples/grafana/dashboard.json', import.meta.url), 'utf8'),
  ) as { panels: Panel[] };
  const hub = createHub();
  const exposed = new Set(parsePrometheusTextFormat(renderMetrics(hub)).map((family) => family.name));
  await hub.close();
  const queried = dashboard.panels.flatMap((panel) =>
    panel.targets.flatMap((target) => target.expr.match(/tidings_[a-z_]+/g) ?? []),
  );
  expect(queried.length).toBeGreaterThan(10);
  // A histogram's series are <name>_bucket/_sum/_count.
  const unknown = queried.filter((name) => !exposed.has(name.replace(/_(bucket|sum|count)$/, '')));
  expect(unknown).toEqual([]);
  // Every exposed family is charted somewhere.
  const charted = new Set(queried.map((name) => name.replace(/_(bucket|sum|count)$/, '')));
  expect([...exposed].filter((name) => !charted.has(name))).toEqual([]);
});
