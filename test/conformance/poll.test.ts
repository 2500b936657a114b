import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { adapters } from './adapters.js';
import { type StartedApp, useApps } from './harness.js';

describe.each(adapters)('poll and long-poll over $name', (adapter) => {
  const start = useApps(adapter);
  const get = (app: StartedApp, query: string) => {
    const url = new URL(app.url);
    return request(url.origin).get(`${url.pathname}?${query}`);
  };

  it('starts from now without a cursor, then returns what followed it, across topics', async () => {
    const app = await start();
    await app.hub.publish('a', 'before');
    const first = await get(app, 'topic=a&topic=b').expect(200);
    expect(first.body).toMatchObject({ events: [], cursor: expect.stringMatching(/-1$/) });
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.headers['cache-control']).toBe('private, no-store');
    expect(first.headers.vary).toContain('Accept');
    expect(first.headers.etag).toBe(`"${first.body.cursor}"`);

    const a = await app.hub.publish('a', { n: 1 });
    await app.hub.publish('other', 'x');
    const b = await app.hub.publish('b', 'two', { event: 'note' });
    const next = await get(app, `topic=a&topic=b&cursor=${first.body.cursor}`).expect(200);
    expect(next.body.events).toEqual([
      { id: a, topic: 'a', event: 'message', data: '{"n":1}' },
      { id: b, topic: 'b', event: 'note', data: 'two' },
    ]);
    expect(next.body.cursor).toBe(b);
    expect(next.headers.etag).toBe(`"${b}"`);
  });

  it('answers 304 when If-None-Match matches and nothing is new, 200 once something is', async () => {
    const app = await start();
    const cursor = await app.hub.publish('c', 'one');
    const unchanged = await get(app, `topic=c&cursor=${cursor}`)
      .set('If-None-Match', `"${cursor}"`)
      .expect(304);
    expect(unchanged.headers.etag).toBe(`"${cursor}"`);
    expect(Number(unchanged.headers['tidings-retry-after-ms'])).toBeGreaterThan(0);
    await app.hub.publish('c', 'two');
    const changed = await get(app, `topic=c&cursor=${cursor}`)
      .set('If-None-Match', `"${cursor}"`)
      .expect(200);
    expect(changed.body.events.map((event: { data: string }) => event.data)).toEqual(['two']);
    expect(app.hub.stats().polls).toMatchObject({ ok: 1, notModified: 1 });
  });

  it('holds a long-poll and answers the moment an event arrives', async () => {
    const app = await start();
    const cursor = await app.hub.publish('lp', 'old');
    const pending = get(app, `topic=lp&cursor=${cursor}`)
      .set('Prefer', 'wait=20')
      .then((response) => response);
    await vi.waitFor(() => expect(app.hub.stats().connections.longPoll).toBe(1));
    const id = await app.hub.publish('lp', 'wake up');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers['preference-applied']).toBe('wait=20');
    expect(response.body.events).toEqual([{ id, topic: 'lp', event: 'message', data: 'wake up' }]);
    expect(app.hub.stats().connections.longPoll).toBe(0);
  });

  it('ends a long-poll with nothing new when its wait runs out (?wait=N works too)', async () => {
    const app = await start();
    const cursor = await app.hub.publish('quiet', 'old');
    const timedOut = await get(app, `topic=quiet&cursor=${cursor}&wait=1`).expect(200);
    expect(timedOut.body).toMatchObject({ events: [], cursor });
    const notModified = await get(app, `topic=quiet&cursor=${cursor}&wait=1`).set(
      'If-None-Match',
      `"${cursor}"`,
    );
    expect(notModified.status).toBe(304);
    expect(app.hub.stats().polls.timeout).toBe(2);
  });

  it('answers pending long-polls on close()', async () => {
    const app = await start();
    const cursor = await app.hub.publish('closing', 'old');
    const pending = get(app, `topic=closing&cursor=${cursor}&wait=20`).then((response) => response);
    await vi.waitFor(() => expect(app.hub.stats().connections.longPoll).toBe(1));
    await app.hub.close();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.body.events).toEqual([]);
    expect(app.hub.stats().disconnects['server-close']).toBe(1);
  });

  it('says reset instead of skipping silently', async () => {
    const app = await start({ retention: { maxEvents: 1 } });
    const first = await app.hub.publish('r', 'e1');
    await app.hub.publish('r', 'e2');
    const head = await app.hub.publish('r', 'e3');
    const expired = await get(app, `topic=r&cursor=${first}`).expect(200);
    expect(expired.body).toMatchObject({ events: [], cursor: head, reset: true, reason: 'expired' });
    const foreign = await get(app, 'topic=r&cursor=elsewhere-9').expect(200);
    expect(foreign.body).toMatchObject({ reset: true, reason: 'unknown', cursor: head });
  });

  it('advises a short next poll while topics are active and a longer one when idle', async () => {
    let now = Date.now();
    const app = await start({ now: () => now, poll: { minIntervalMs: 1000, maxIntervalMs: 30_000 } });
    const cursor = await app.hub.publish('adv', 'x');
    const active = await get(app, `topic=adv&cursor=${cursor}`).expect(200);
    expect(active.body.retryAfterMs).toBe(1000);
    now += 60_000;
    const idle = await get(app, `topic=adv&cursor=${cursor}`).expect(200);
    expect(idle.body.retryAfterMs).toBe(15_000);
    now += 600_000;
    const longIdle = await get(app, `topic=adv&cursor=${cursor}`).expect(200);
    expect(longIdle.body.retryAfterMs).toBe(30_000);
    expect(longIdle.headers['tidings-retry-after-ms']).toBe('30000');
  });

  it('lets a shared cache absorb polls of topics the app declared public', async () => {
    const app = await start({ publicTopics: (topic) => topic.startsWith('public:'), publicMaxAgeSeconds: 2 });
    const { cursor } = (await get(app, 'topic=public:scores').expect(200)).body;
    const open = await get(app, `topic=public:scores&cursor=${cursor}`).expect(200);
    expect(open.headers['cache-control']).toBe('public, max-age=2');
    const mixed = await get(app, `topic=public:scores&topic=private&cursor=${cursor}`).expect(200);
    expect(mixed.headers['cache-control']).toBe('private, no-store');
  });

  it('never lets a shared cache keep the start position (a poll without a cursor)', async () => {
    const app = await start({ publicTopics: () => true });
    const fresh = await get(app, 'topic=public:scores').expect(200);
    expect(fresh.headers['cache-control']).toBe('private, no-store');
  });

  it('pages a long backlog and advises polling again at once', async () => {
    const app = await start({ maxReplay: 2 });
    const start0 = await get(app, 'topic=p').expect(200);
    for (let i = 0; i < 3; i++) await app.hub.publish('p', `e${i}`);
    const page = await get(app, `topic=p&cursor=${start0.body.cursor}`).expect(200);
    expect(page.body.events.map((event: { data: string }) => event.data)).toEqual(['e0', 'e1']);
    expect(page.body.retryAfterMs).toBe(0);
    const rest = await get(app, `topic=p&cursor=${page.body.cursor}`).expect(200);
    expect(rest.body.events.map((event: { data: string }) => event.data)).toEqual(['e2']);
  });
});
