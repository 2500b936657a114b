import { registerMetrics } from '@tidings/core';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { Metrics, type ObservedApp, startApp } from './app.js';

describe('Prometheus metrics', () => {
  let app: ObservedApp;
  afterEach(() => app?.close());

  it('counts known activity, in families a real exposition parser reads', async () => {
    app = await startApp();
    const first = await openSse(`${app.url}?topic=orders`);
    const second = await openSse(`${app.url}?topic=orders`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(2));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await app.hub.publish('orders', { n: i }));
    await Promise.all([first.waitForEvents(3), second.waitForEvents(3)]);

    // A poll with 3 events (200), the same poll revalidated (304), a long-poll that runs out.
    const ok = await fetch(`${app.url}?topic=orders&cursor=${first.headers.get('tidings-cursor')}`);
    const etag = ok.headers.get('etag') ?? '';
    expect((await ok.json()).events).toHaveLength(3);
    const notModified = await fetch(`${app.url}?topic=orders&cursor=${ids[2]}`, {
      headers: { 'if-none-match': etag },
    });
    expect(notModified.status).toBe(304);
    const timedOut = await fetch(`${app.url}?topic=orders&cursor=${ids[2]}&wait=1`);
    expect((await timedOut.json()).events).toEqual([]);

    first.close();
    second.close();
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(0));

    const metrics = await app.scrape();
    for (const family of metrics.families) {
      expect(family.name).toMatch(/^tidings_[a-z_]+$/);
      expect(family.help).not.toBe('');
      if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/);
    }
    expect(metrics.value('tidings_events_published_total')).toBe(3);
    expect(metrics.value('tidings_deliveries_total')).toBe(6);
    expect(metrics.value('tidings_connections_total', { transport: 'sse' })).toBe(2);
    expect(metrics.value('tidings_connections_total', { transport: 'poll' })).toBe(2);
    expect(metrics.value('tidings_connections_total', { transport: 'longPoll' })).toBe(1);
    expect(metrics.value('tidings_open_connections', { transport: 'sse' })).toBe(0);
    expect(metrics.value('tidings_disconnects_total', { reason: 'client-closed' })).toBe(2);
    expect(metrics.value('tidings_disconnects_total', { reason: 'completed' })).toBe(3);
    expect(metrics.value('tidings_poll_responses_total', { outcome: '200' })).toBe(1);
    expect(metrics.value('tidings_poll_responses_total', { outcome: '304' })).toBe(1);
    expect(metrics.value('tidings_poll_responses_total', { outcome: 'timeout' })).toBe(1);
    expect(metrics.value('tidings_replayed_events_total')).toBe(3);
    expect(metrics.value('tidings_resets_total')).toBe(0);
    expect(metrics.value('tidings_long_polls_waiting')).toBe(0);
    expect(metrics.value('tidings_draining')).toBe(0);
    expect(metrics.value('tidings_written_bytes_total')).toBeGreaterThan(0);

    const latency = metrics.family('tidings_publish_to_write_seconds');
    expect(latency.type).toBe('HISTOGRAM');
    // Observed once per event per node, not per subscriber: 3 events, 2 subscribers.
    expect(latency.metrics[0]?.count).toBe('3');
    expect(latency.metrics[0]?.buckets?.['+Inf']).toBe('3');
  });

  it('counts exactly the bytes the clients received', async () => {
    app = await startApp();
    const stream = await fetch(`${app.url}?topic=bytes`, { headers: { accept: 'text/event-stream' } });
    const reader = stream.body!.getReader();
    let streamed = 0;
    const readAll = (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        streamed += chunk.value.length;
    })();
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    await app.hub.publish('bytes', 'x'.repeat(1000));
    const poll = await fetch(`${app.url}?topic=bytes&cursor=${(await app.hub.broker.head()).epoch}-0`);
    const polled = (await poll.arrayBuffer()).byteLength;
    await vi.waitFor(() => expect(streamed).toBeGreaterThan(1000));
    await vi.waitFor(async () =>
      expect((await app.scrape()).value('tidings_written_bytes_total')).toBe(streamed + polled),
    );
    reader.cancel().catch(() => {});
    await readAll;
  });

  it('registers into an existing prom-client registry, read at scrape time', async () => {
    app = await startApp();
    const registry = new Registry();
    new Counter({ name: 'app_orders_total', help: 'Orders placed.', registers: [registry] }).inc(2);
    registerMetrics(app.hub, registry);
    const stream = await openSse(`${app.url}?topic=t`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(1));
    await app.hub.publish('t', 'x');
    await app.hub.publish('t', 'y');
    await stream.waitForEvents(2);
    const families = parsePrometheusTextFormat(await registry.metrics());
    const metrics = new Metrics(families);
    expect(metrics.value('app_orders_total')).toBe(2);
    expect(metrics.value('tidings_events_published_total')).toBe(2);
    expect(metrics.value('tidings_open_connections', { transport: 'sse' })).toBe(1);
    expect(metrics.family('tidings_publish_to_write_seconds').metrics[0]?.count).toBe('2');
    stream.close();
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    app = await startApp();
    const response = await fetch(`${app.base}/metrics`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect((await response.json()).error.code).toBe('method-not-allowed');
  });
});
