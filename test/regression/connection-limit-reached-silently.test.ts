import { afterEach, describe, expect, it } from 'vitest';
import { type Served, serve } from '../hardening/serve.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';

/**
 * A node at `limits.maxConnections` (default 10,000) answered 429 to every new subscriber and
 * told its operator nothing: the 100k scale run stalled at 12,500 per node until someone read
 * the clients' status codes. The first refusal by a hub-wide limit now warns once, through the
 * hub's logger or else as a Node warning; a client at its per-key limit is not the operator's
 * concern and warns nothing.
 */
let served: Served | undefined;
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await served?.close();
  served = undefined;
});

async function refusedTimes(url: string, times: number, headers: Record<string, string> = {}) {
  for (let i = 0; i < times; i++) {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
    expect(response.status).toBe(429);
    await response.body?.cancel();
  }
}

describe('regression: a hub at its connection limit says so once', () => {
  it('logs one warning naming limits.maxConnections, however many requests it refuses', async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const noop = () => {};
    const logger = {
      debug: noop,
      info: noop,
      error: noop,
      warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
    };
    served = await serve({}, { logger, limits: { maxConnections: 1 } });
    const url = `${served.url}/?topic=a`;
    streams.push(await openSse(url));
    await refusedTimes(url, 3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toEqual({ limit: 'maxConnections', value: 1 });
    expect(warnings[0]?.message).toMatch(/limits\.maxConnections = 1/);
  });

  it('emits one Node warning without a logger, and none for a client at its per-key limit', async () => {
    const emitted: Error[] = [];
    const onWarning = (warning: Error) => {
      if ((warning as Error & { code?: string }).code === 'TIDINGS_CONNECTION_LIMIT') emitted.push(warning);
    };
    process.on('warning', onWarning);
    try {
      served = await serve(
        { connectionKey: (req) => String(req.headers['x-user']) },
        { limits: { maxConnections: 2, maxConnectionsPerKey: 1 } },
      );
      const url = `${served.url}/?topic=a`;
      streams.push(await openSse(url, { 'x-user': 'u1' }));
      await refusedTimes(url, 2, { 'x-user': 'u1' }); // per-key: no warning
      streams.push(await openSse(url, { 'x-user': 'u2' }));
      await refusedTimes(url, 2, { 'x-user': 'u3' }); // hub-wide: one warning
      await expect.poll(() => emitted.length).toBe(1);
      expect(emitted[0]?.message).toMatch(/limits\.maxConnections = 2/);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
