import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { adapters } from './adapters.js';
import { type StartedApp, useApps } from './harness.js';

describe.each(adapters)('errors and authorization over $name', (adapter) => {
  const start = useApps(adapter);
  const path = (app: StartedApp, query: string) => {
    const url = new URL(app.url);
    return { origin: url.origin, path: `${url.pathname}${query ? `?${query}` : ''}` };
  };
  async function expectError(app: StartedApp, query: string, status: number, code: string, sse = false) {
    const { origin, path: target } = path(app, query);
    const response = await request(origin)
      .get(target)
      .set('Accept', sse ? 'text/event-stream' : 'application/json');
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
    return response;
  }

  it.each([
    ['', 'missing-topic'],
    ['topic=has%20space', 'invalid-topic'],
    ['topic=new%0Aline', 'invalid-topic'],
    [`topic=${'x'.repeat(129)}`, 'invalid-topic'],
    ['topic=a&cursor=not-an-id!', 'invalid-cursor'],
    ['topic=a&lastEventId=abc-99999999999999999999', 'invalid-cursor'],
    ['topic=a&wait=soon', 'invalid-request'],
  ])('rejects ?%s with 400 %s, for SSE and poll alike', async (query, code) => {
    const app = await start();
    await expectError(app, query, 400, code);
    await expectError(app, query, 400, code, true);
  });

  it('rejects more topics than allowed', async () => {
    const app = await start({ maxTopicsPerRequest: 3 });
    await expectError(app, 'topic=a&topic=b&topic=c&topic=d', 400, 'too-many-topics', true);
  });

  it('answers 405 with Allow for other methods', async () => {
    const app = await start();
    const { origin, path: target } = path(app, 'topic=a');
    const response = await request(origin).post(target).send({});
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.body.error.code).toBe('method-not-allowed');
  });

  it('denies with 403 before any stream opens when authorize says no (sync or async)', async () => {
    const app = await start({ authorize: async (_ctx, topics) => !topics.includes('secret') });
    await expectError(app, 'topic=public&topic=secret', 403, 'forbidden', true);
    await expectError(app, 'topic=secret', 403, 'forbidden');
    const allowed = await openSse(`${app.url}?topic=public`);
    expect(allowed.status).toBe(200);
    allowed.close();
  });

  it('derives topics from the request with topics(), and still authorizes them', async () => {
    const seen: string[][] = [];
    const app = await start({
      topics: (_ctx, requested) => [...requested, 'user:42'],
      authorize: (_ctx, topics) => {
        seen.push(topics);
        return true;
      },
    });
    const stream = await openSse(app.url);
    await app.hub.publish('user:42', 'for you');
    expect((await stream.waitForEvents(1))[0]!.data).toBe('for you');
    stream.close();
    expect(seen).toEqual([['user:42']]);
  });

  /** Adapters with a framework hand a throwing callback to its error handling (test/adapters/callback-errors.test.ts). */
  const routesErrors = ['express', 'express 4', 'koa', 'fastify'].includes(adapter.name);

  it('turns a throwing hook into a 500 without leaking its message, and keeps serving', async () => {
    const app = await start({
      authorize: () => {
        throw new Error('database password is hunter2');
      },
    });
    for (const sse of [false, true]) {
      if (!routesErrors) {
        const response = await expectError(app, 'topic=a', 500, 'internal', sse);
        expect(JSON.stringify(response.body)).not.toContain('hunter2');
        continue;
      }
      const { origin, path: target } = path(app, 'topic=a');
      const response = await request(origin)
        .get(target)
        .set('Accept', sse ? 'text/event-stream' : 'application/json');
      expect(response.status).toBe(500);
    }
  });
});
