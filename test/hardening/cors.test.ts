import { createCors } from '@tidings/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { type Served, serve } from './serve.js';

const APP = 'https://app.example.com';
let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const preflight = (url: string, origin: string, headers = 'last-event-id, prefer') =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
  });

describe('CORS', () => {
  it('answers a preflight for an allowed origin with the protocol headers it asked for', async () => {
    served = await serve({ cors: { origins: [APP], credentials: true } });
    const response = await preflight(`${served.url}/?topic=a`, APP, 'Prefer, If-None-Match, X-Evil');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET');
    expect(response.headers.get('access-control-allow-headers')).toBe('prefer, if-none-match');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives a disallowed origin no CORS headers, on preflight and on requests', async () => {
    served = await serve({ cors: { origins: [APP], credentials: true } });
    const response = await preflight(`${served.url}/?topic=a`, 'https://evil.example');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const poll = await fetch(`${served.url}/?topic=a`, { headers: { origin: 'https://evil.example' } });
    expect(poll.status).toBe(200);
    expect(poll.headers.get('access-control-allow-origin')).toBeNull();
    expect(poll.headers.get('vary')).toMatch(/Origin/);
  });

  it('adds CORS headers to polls, SSE streams and errors of an allowed origin, exposing the protocol headers', async () => {
    served = await serve({
      cors: { origins: (origin) => origin.endsWith('.example.com'), credentials: true },
    });
    const poll = await fetch(`${served.url}/?topic=a`, { headers: { origin: APP } });
    expect(poll.headers.get('access-control-allow-origin')).toBe(APP);
    expect(poll.headers.get('access-control-expose-headers')).toMatch(/Tidings-Retry-After-Ms/);
    expect(poll.headers.get('vary')).toBe('Accept, Last-Event-ID, Origin');
    const error = await fetch(`${served.url}/?topic=a%20b`, { headers: { origin: APP } });
    expect(error.status).toBe(400);
    expect(error.headers.get('access-control-allow-origin')).toBe(APP);
    const stream = await openSse(`${served.url}/?topic=a`, { origin: APP });
    expect(stream.headers.get('access-control-allow-origin')).toBe(APP);
    expect(stream.headers.get('access-control-allow-credentials')).toBe('true');
    stream.close();
  });

  it('sends * for any origin without credentials, and refuses * with credentials at start-up', async () => {
    served = await serve({ cors: { origins: '*' } });
    const poll = await fetch(`${served.url}/?topic=a`, { headers: { origin: 'https://anyone.example' } });
    expect(poll.headers.get('access-control-allow-origin')).toBe('*');
    expect(poll.headers.get('access-control-allow-credentials')).toBeNull();
    expect(() => createCors({ origins: '*', credentials: true })).toThrow(/credentials/);
    expect(() => createCors({ origins: ['*'], credentials: true })).toThrow(/credentials/);
  });

  it('answers OPTIONS with 405 when CORS is not configured', async () => {
    served = await serve();
    const response = await preflight(`${served.url}/?topic=a`, APP);
    expect(response.status).toBe(405);
  });
});
