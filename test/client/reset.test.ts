import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from './app.js';
import { type Recorded, range, record } from './recorder.js';

let app: ClientTestApp;
let rec: Recorded | undefined;

beforeEach(async () => {
  app = await startApp({ retention: { maxEvents: 3 }, poll: { minIntervalMs: 50, maxIntervalMs: 200 } });
});
afterEach(async () => {
  rec?.sub.close();
  await app.close();
});

describe.each(['sse', 'long-poll', 'poll'] as const)('reset over %s', (transport) => {
  it('reports a foreign cursor as reset "unknown" and continues live from the new cursor', async () => {
    rec = record(app.url, { transport, lastEventId: 'zzzzzzzzzz-41' });
    await rec.until(() => rec?.resets.length === 1, 'a reset');
    expect(rec.resets[0]?.reason).toBe('unknown');
    expect(rec.sub.lastEventId).toBe(rec.resets[0]?.cursor);
    await app.publishMany('t', 0, 3);
    await rec.untilEvents(3);
    expect(rec.numbers()).toEqual(range(0, 3));
    expect(rec.resets).toHaveLength(1);
  });

  it('reports events that fell out of retention as reset "expired", then carries on', async () => {
    const [first] = await app.publishMany('t', 0, 10);
    rec = record(app.url, { transport, lastEventId: first });
    await rec.until(() => rec?.resets.length === 1, 'a reset');
    expect(rec.resets[0]?.reason).toBe('expired');
    await app.publishMany('t', 10, 2);
    await rec.until(() => rec?.numbers().includes(11) === true, 'the live events');
    expect(rec.numbers().slice(-2)).toEqual([10, 11]);
    expect(rec.resets).toHaveLength(1);
  });
});
