import { CONNECTION_ID_HEADER, type DisconnectInfo } from '@tidings/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adapters } from '../conformance/adapters.js';
import type { StartedApp } from '../conformance/harness.js';
import { openSse } from '../helpers/sse-client.js';

describe.each(adapters)('connection ids and hooks through $name', (adapter) => {
  let app: StartedApp;
  afterEach(() => app?.close());

  it('sends the id on SSE and poll responses and reports the same id to the hooks', async () => {
    const connected: string[] = [];
    const disconnected: DisconnectInfo[] = [];
    app = await adapter.start({
      compression: true,
      onConnect: (info) => connected.push(info.connectionId),
      onDisconnect: (info) => disconnected.push(info),
    });
    const stream = await openSse(`${app.url}?topic=a`);
    const poll = await fetch(`${app.url}?topic=a`);
    await poll.arrayBuffer();
    const ids = [stream.headers.get(CONNECTION_ID_HEADER), poll.headers.get(CONNECTION_ID_HEADER)];
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(connected).toEqual(ids);
    stream.close();
    await vi.waitFor(() => expect(disconnected).toHaveLength(2));
    expect(disconnected.map((info) => [info.connectionId, info.reason]).sort()).toEqual(
      [
        [ids[0], 'client-closed'],
        [ids[1], 'completed'],
      ].sort(),
    );
  });
});
