import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientTestApp, startApp } from './app.js';
import { range, record } from './recorder.js';

let app: ClientTestApp;
const cleanup: (() => void)[] = [];

beforeEach(async () => {
  app = await startApp({ poll: { minIntervalMs: 50, maxIntervalMs: 200 } });
});
afterEach(async () => {
  for (const close of cleanup.splice(0)) close();
  await app.close();
});

describe.each([
  { transport: 'sse', state: 'open' },
  { transport: 'long-poll', state: 'polling' },
  { transport: 'poll', state: 'polling' },
] as const)('forced transport $transport', ({ transport, state }) => {
  it('receives every event once, in order, and reports state and transport', async () => {
    const rec = record(app.url, { transport });
    cleanup.push(() => rec.sub.close());
    await rec.untilState(state, transport);
    await rec.until(() => rec.sub.lastEventId !== undefined, 'a start position');
    await app.publishMany('t', 0, 20);
    await rec.untilEvents(20);
    expect(rec.numbers()).toEqual(range(0, 20));
    expect(rec.sub.transport).toBe(transport);
    expect(rec.events.at(-1)?.id).toBe(rec.sub.lastEventId);
    rec.sub.close();
    expect(rec.sub.state).toBe('closed');
  });
});

describe.each(['sse', 'long-poll', 'poll'] as const)('the topic of each event over %s', (transport) => {
  it('tells the events of a multi-topic subscription apart, with the ids poll answers give', async () => {
    const rec = record(app.url, { transport, topics: ['t', 'u'] });
    cleanup.push(() => rec.sub.close());
    await rec.until(() => rec.sub.lastEventId !== undefined, 'a start position');
    const ids = [...(await app.publishMany('u', 0, 2)), ...(await app.publishMany('t', 2, 2))];
    await rec.untilEvents(4);
    expect(rec.events.map(({ id, topic }) => ({ id, topic }))).toEqual([
      { id: ids[0], topic: 'u' },
      { id: ids[1], topic: 'u' },
      { id: ids[2], topic: 't' },
      { id: ids[3], topic: 't' },
    ]);
    expect(rec.sub.lastEventId).toBe(ids[3]);
  });
});

describe('subscription API', () => {
  it('works as an async iterator; breaking out closes it', async () => {
    const rec = record(app.url, { transport: 'sse' });
    await rec.untilState('open');
    await rec.until(() => rec.sub.lastEventId !== undefined, 'a start position');
    await app.publishMany('t', 0, 3);
    const seen: number[] = [];
    for await (const event of rec.sub) {
      seen.push(event.data.n);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(rec.sub.state).toBe('closed');
  });

  it('resumes from lastEventId, replaying what it missed', async () => {
    const ids = await app.publishMany('t', 0, 5);
    const rec = record(app.url, { transport: 'sse', lastEventId: ids[1] });
    cleanup.push(() => rec.sub.close());
    await rec.untilEvents(3);
    expect(rec.numbers()).toEqual([2, 3, 4]);
  });

  it('closes when the signal aborts', async () => {
    const controller = new AbortController();
    const rec = record(app.url, { transport: 'poll', signal: controller.signal });
    await rec.untilState('polling');
    controller.abort();
    expect(rec.sub.state).toBe('closed');
  });

  it('a fatal refusal closes the subscription with the server error', async () => {
    const rec = record(app.url, { topics: ['bad topic'] });
    await rec.untilState('closed');
    expect(rec.sub.error).toMatchObject({ status: 400, code: 'invalid-topic' });
    expect(rec.errors.map(({ error }) => error)).toEqual([rec.sub.error]);
  });

  it('decodes JSON by default and passes text through with decode: text', async () => {
    const json = record(app.url, { transport: 'sse' });
    const text = record(app.url, { transport: 'sse', decode: 'text' });
    cleanup.push(
      () => json.sub.close(),
      () => text.sub.close(),
    );
    await json.until(() => json.sub.lastEventId !== undefined, 'a start position');
    await text.until(() => text.sub.lastEventId !== undefined, 'a start position');
    await app.rt.publish('t', { n: 1 });
    await app.rt.publish('t', 'plain words');
    await json.untilEvents(2);
    await text.untilEvents(2);
    expect(json.events.map((event) => event.data)).toEqual([{ n: 1 }, 'plain words']);
    expect(text.events.map((event) => event.data)).toEqual(['{"n":1}', 'plain words']);
  });
});

describe('headers', () => {
  it('sends the headers option on every transport (a function is called per request)', async () => {
    const authed = await startApp({
      authorize: (req) => req.headers.authorization === 'Bearer good',
      poll: { minIntervalMs: 50, maxIntervalMs: 200 },
    });
    try {
      let calls = 0;
      const token = () => {
        calls++;
        return { authorization: 'Bearer good' };
      };
      for (const transport of ['sse', 'long-poll', 'poll'] as const) {
        const rec = record(authed.url, { transport, headers: token });
        cleanup.push(() => rec.sub.close());
        await rec.untilState(transport === 'sse' ? 'open' : 'polling', transport);
      }
      expect(calls).toBeGreaterThanOrEqual(3);
      const denied = record(authed.url, { transport: 'sse', headers: { authorization: 'Bearer bad' } });
      await denied.untilState('closed');
      expect(denied.sub.error).toMatchObject({ status: 403, code: 'forbidden' });
    } finally {
      for (const close of cleanup.splice(0)) close();
      await authed.close();
    }
  });
});

describe('refusals that can be retried', () => {
  it('waits out a Retry-After before reconnecting the stream', async () => {
    let refusals = 1;
    const requestTimes: number[] = [];
    const busy = await startApp({
      routes(express) {
        express.use('/realtime', (req, res, next) => {
          if (!String(req.headers.accept).includes('text/event-stream')) return next();
          requestTimes.push(performance.now());
          if (refusals-- <= 0) return next();
          res
            .status(429)
            .set('retry-after', '1')
            .json({ error: { code: 'too-many-requests', message: 'busy' } });
        });
      },
    });
    try {
      const rec = record(busy.url, { transport: 'sse' });
      cleanup.push(() => rec.sub.close());
      await rec.untilState('open', 'sse');
      expect(requestTimes).toHaveLength(2);
      expect((requestTimes[1] ?? 0) - (requestTimes[0] ?? 0)).toBeGreaterThanOrEqual(950);
    } finally {
      for (const close of cleanup.splice(0)) close();
      await busy.close();
    }
  });
});
