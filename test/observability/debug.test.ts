import { createDebugHandler, createHub, type DebugSnapshot } from '@tidings/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { type ObservedApp, startApp } from './app.js';

describe('debug view', () => {
  let app: ObservedApp;
  afterEach(() => app?.close());

  it("is refused without the app's own authorization", async () => {
    app = await startApp();
    const response = await fetch(`${app.base}/debug`);
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('forbidden');
  });

  it('cannot be created without an authorize callback', () => {
    const hub = createHub();
    // @ts-expect-error -- authorize is required; plain JavaScript callers get a clear error
    expect(() => createDebugHandler(hub, {})).toThrow(/authorize/);
    return hub.close();
  });

  it('shows topics with subscribers and retained events, and each connection', async () => {
    app = await startApp();
    await app.hub.publish('a', 'retained before anyone listened');
    const stream = await openSse(`${app.url}?topic=a&topic=b`);
    const other = await openSse(`${app.url}?topic=b`);
    await vi.waitFor(() => expect(app.hub.stats().connections.sse).toBe(2));
    await app.hub.publish('a', 'one');
    const last = await app.hub.publish('b', 'two');
    await stream.waitForEvents(2);
    await other.waitForEvents(1);

    const response = await fetch(`${app.base}/debug`, { headers: { 'x-admin': 'yes' } });
    expect(response.status).toBe(200);
    const view = (await response.json()) as DebugSnapshot;
    expect(view.draining).toBe(false);
    expect(view.truncated).toBe(false);
    expect([...view.topics].sort((x, y) => x.topic.localeCompare(y.topic))).toEqual([
      { topic: 'a', subscribers: 1, retained: 2 },
      { topic: 'b', subscribers: 2, retained: 1 },
    ]);
    const mine = view.openConnections.find(
      (connection) => connection.id === stream.headers.get('tidings-connection-id'),
    );
    expect(mine).toMatchObject({ transport: 'sse', topics: ['a', 'b'], delivered: 2, lastEventId: last });
    expect(mine?.ageMs).toBeGreaterThanOrEqual(0);
    expect(mine?.bufferedBytes).toBeGreaterThanOrEqual(0);
    expect(view.openConnections).toHaveLength(2);
    stream.close();
    other.close();
  });
});
