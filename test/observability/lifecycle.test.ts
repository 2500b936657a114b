import {
  CONNECTION_ID_HEADER,
  type ConnectInfo,
  type ErrorInfo,
  mintToken,
  type PublishInfo,
  tokenAuth,
} from '@tidings/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { type ObservedApp, startApp } from './app.js';

/** A real pino logger at debug level whose JSON lines are kept, parsed. */
function capturedPino() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const DEBUG = 20;
const ERROR = 50;

describe('connection ids, lifecycle hooks and the logger', () => {
  let app: ObservedApp;
  afterEach(() => app?.close());

  it('sends the connection id in a header and carries it in every hook call and log line about the stream', async () => {
    const { logger, lines } = capturedPino();
    const connects: ConnectInfo[] = [];
    app = await startApp({ logger, onConnect: (info) => connects.push(info) });
    const stream = await openSse(`${app.url}?topic=news`);
    const id = stream.headers.get(CONNECTION_ID_HEADER);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(connects).toEqual([{ connectionId: id, transport: 'sse', topics: ['news'] }]);
    const eventId = await app.hub.publish('news', 'hi');
    await stream.waitForEvents(1);
    stream.close();
    await vi.waitFor(() => expect(app.disconnects).toHaveLength(1));
    expect(app.disconnects[0]).toMatchObject({
      connectionId: id,
      reason: 'client-closed',
      delivered: 1,
      lastEventId: eventId,
    });

    const about = lines.filter((line) => line.connectionId !== undefined);
    expect(about.map((line) => [line.msg, line.level])).toEqual([
      ['tidings connection opened', DEBUG],
      ['tidings connection closed: client-closed', DEBUG],
    ]);
    expect(about.every((line) => line.connectionId === id)).toBe(true);
    expect(about[1]).toMatchObject({
      reason: 'client-closed',
      delivered: 1,
      topics: ['news'],
      transport: 'sse',
    });
    expect(lines.find((line) => line.msg === 'tidings event published')).toMatchObject({
      eventId,
      topic: 'news',
    });
  });

  it('gives every poll and long-poll its own id, in the header and the hooks', async () => {
    const connects: ConnectInfo[] = [];
    app = await startApp({ onConnect: (info) => connects.push(info) });
    const poll = await fetch(`${app.url}?topic=p`);
    const longPoll = await fetch(`${app.url}?topic=p&wait=1`);
    const ids = [poll.headers.get(CONNECTION_ID_HEADER), longPoll.headers.get(CONNECTION_ID_HEADER)];
    expect(new Set(ids).size).toBe(2);
    expect(connects.map((info) => [info.connectionId, info.transport])).toEqual([
      [ids[0], 'poll'],
      [ids[1], 'longPoll'],
    ]);
    await vi.waitFor(() => expect(app.disconnects).toHaveLength(2));
    expect(app.disconnects.map((info) => [info.connectionId, info.reason])).toEqual([
      [ids[0], 'completed'],
      [ids[1], 'completed'],
    ]);
  });

  it('reports publishes to onPublish', async () => {
    const published: PublishInfo[] = [];
    app = await startApp({ onPublish: (info) => published.push(info) });
    const eventId = await app.hub.publish('orders', { total: 12 }, { event: 'created' });
    expect(published).toEqual([{ eventId, topic: 'orders', event: 'created', bytes: '{"total":12}'.length }]);
  });

  it('hands an error that became a 500 to onError and the logger instead of swallowing it', async () => {
    const { logger, lines } = capturedPino();
    const errors: Array<[unknown, ErrorInfo]> = [];
    const bug = new TypeError('user is undefined');
    app = await startApp(
      { logger, onError: (error, info) => errors.push([error, info]) },
      {
        topics: () => {
          throw bug;
        },
      },
    );
    const response = await fetch(`${app.url}?topic=a`);
    expect(response.status).toBe(500);
    expect((await response.json()).error).toEqual({ code: 'internal', message: 'Internal error' });
    expect(errors).toEqual([[bug, { source: 'callback' }]]);
    const logged = lines.find((line) => line.level === ERROR);
    expect(logged).toMatchObject({
      source: 'callback',
      err: { type: 'TypeError', message: 'user is undefined' },
    });
  });

  it('keeps serving when a hook throws, and reports the hook error', async () => {
    const errors: ErrorInfo[] = [];
    app = await startApp({
      onConnect: () => {
        throw new Error('hook bug');
      },
      onError: (_error, info) => errors.push(info),
    });
    const stream = await openSse(`${app.url}?topic=t`);
    await app.hub.publish('t', 'still delivered');
    expect((await stream.waitForEvents(1))[0]?.data).toBe('still delivered');
    expect(errors).toEqual([{ source: 'hook', connectionId: stream.headers.get(CONNECTION_ID_HEADER) }]);
    stream.close();
  });

  it('auth-expired: the stream of an expiring token ends with that reason, in the hook and the metrics', async () => {
    const secret = 'a-test-secret-of-at-least-32-bytes!!';
    app = await startApp({}, { auth: tokenAuth({ secret }) });
    const token = await mintToken({ secret }, { topics: ['feed'], expiresInSeconds: 1 });
    const stream = await openSse(`${app.url}?topic=feed`, { authorization: `Bearer ${token}` });
    await stream.ended;
    await vi.waitFor(() => expect(app.disconnects).toHaveLength(1));
    expect(app.disconnects[0]).toMatchObject({
      reason: 'auth-expired',
      connectionId: stream.headers.get(CONNECTION_ID_HEADER),
    });
    expect((await app.scrape()).value('tidings_disconnects_total', { reason: 'auth-expired' })).toBe(1);
  });
});
