import { request } from 'node:http';
import { isTidingsError, type PollBody } from '@tidings/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { type Served, serve } from './serve.js';

/**
 * Property-based tests over what crosses the wire. The mapping from a published payload to
 * what a client reads:
 * - Every broker stores lone UTF-16 surrogates as U+FFFD (they are not text: UTF-8 cannot
 *   encode them), so both transports carry U+FFFD for them.
 * - SSE: line breaks of any kind (CRLF, CR, LF) arrive as LF (the SSE grammar has no other
 *   way to carry them). Everything else — NUL, other controls, any Unicode — arrives as published.
 * - Poll: the payload exactly as stored, CRs included.
 */
const utf8RoundTrip = (value: string) => Buffer.from(value, 'utf8').toString('utf8');
const sseView = (payload: string) => utf8RoundTrip(payload).replace(/\r\n|\r/g, '\n');

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let served: Served;
let stream: SseConnection;
beforeAll(async () => {
  served = await serve(
    {},
    { maxEventBytes: 256 * 1024, retention: { maxEvents: 100_000, maxBytes: 64 * 1024 * 1024 } },
  );
  stream = await openSse(`${served.url}/?topic=fuzz`);
});
afterAll(async () => {
  stream.close();
  await served.close();
});

/** Strings heavy in the characters that break naive framing. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom('\r', '\n', '\0', '\u2028', '\ud800', '\udfff', '\ufeff', ':', ' ', 'a', '😀'),
    maxLength: 60,
  }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);

async function pollFrom(cursor: string): Promise<PollBody> {
  const response = await fetch(`${served.url}/?topic=fuzz&cursor=${cursor}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PollBody;
}

describe('payloads and event names survive the wire', () => {
  it('SSE parses to what was published (per the mapping) and poll returns it exactly', async () => {
    let cursor = ((await (await fetch(`${served.url}/?topic=fuzz`)).json()) as PollBody).cursor;
    await fc.assert(
      fc.asyncProperty(
        nasty,
        fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/), { nil: undefined }),
        async (payload, name) => {
          const event = name === undefined || ['reset', 'error'].includes(name) ? undefined : name;
          const seen = stream.events.length;
          const id = await served.hub.publish('fuzz', payload, { event });
          const [received] = (await stream.waitForEvents(seen + 1)).slice(seen);
          expect(received).toEqual({ id, topic: 'fuzz', event, data: sseView(payload) });
          const page = await pollFrom(cursor);
          const stored = utf8RoundTrip(payload);
          expect(page.events).toEqual([{ id, topic: 'fuzz', event: event ?? 'message', data: stored }]);
          cursor = page.cursor;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('carries a huge payload of many lines intact', async () => {
    const payload = Array.from({ length: 4_000 }, (_, i) => `line ${i}\r\n\0 ${'é'.repeat(i % 20)}`).join(
      '\r',
    );
    const seen = stream.events.length;
    const id = await served.hub.publish('fuzz', payload);
    const [received] = (await stream.waitForEvents(seen + 1)).slice(seen);
    expect(received?.id).toBe(id);
    expect(received?.data).toBe(sseView(payload));
  });

  it('refuses any event name outside the grammar with invalid-event-name, before anything is sent', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, async (name) => {
        fc.pre(!/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/.test(name));
        const before = stream.events.length;
        const error = await served.hub
          .publish('fuzz', 'x', { event: name })
          .catch((caught: unknown) => caught);
        expect(isTidingsError(error) && error.code).toBe('invalid-event-name');
        expect(stream.events.length).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Percent-encodes every UTF-8 byte (a lone surrogate goes out as U+FFFD, as any encoder must send it). */
const percentEncode = (value: string) =>
  [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

/** A raw GET, so the query and headers reach the server byte for byte (fetch would normalize them). */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(served.url);
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (res.headers['content-type']?.startsWith('text/event-stream')) req.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('bad input is a 4xx JSON error, never a crash or a stream', () => {
  const TOPIC = /^[A-Za-z0-9_.:@/-]{1,128}$/;

  it('answers any topic value with 200 (valid) or 400 invalid-topic', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, fc.boolean(), async (topic, sse) => {
        const response = await rawGet(
          `/?topic=${percentEncode(topic)}`,
          sse ? { accept: 'text/event-stream' } : {},
        );
        if (TOPIC.test(utf8RoundTrip(topic))) {
          expect(response.status).toBe(200);
        } else {
          expect(response.status).toBe(400);
          expect(JSON.parse(response.body).error.code).toMatch(/^(invalid-topic|missing-topic)$/);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any query string with a JSON answer below 500', async () => {
    const query = fc.array(
      fc.tuple(fc.constantFrom('topic', 'cursor', 'lastEventId', 'wait', 'token', 'x'), nasty),
      {
        maxLength: 6,
      },
    );
    await fc.assert(
      fc.asyncProperty(query, fc.webQueryParameters(), async (pairs, raw) => {
        const built = pairs.map(([key, value]) => `${key}=${percentEncode(value)}`).join('&');
        const response = await rawGet(`/?${built}&${raw}`);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200) expect(JSON.parse(response.body).error.code).toEqual(expect.any(String));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any Last-Event-ID with a resume (ours) or 400 invalid-cursor, and never echoes it into a stream', async () => {
    const headerValue = fc
      .string({ unit: 'binary-ascii', maxLength: 80 })
      .map((value) => value.replace(/[^\t\x20-\x7e]/g, ''))
      .map((value) => value.trim());
    await fc.assert(
      fc.asyncProperty(headerValue, async (lastEventId) => {
        fc.pre(lastEventId !== '');
        const response = await rawGet('/?topic=fuzz', {
          accept: 'text/event-stream',
          'last-event-id': lastEventId,
        });
        if (/^[a-z0-9]{1,32}-(0|[1-9][0-9]{0,15})$/.test(lastEventId)) {
          expect(response.status).toBe(200);
        } else {
          expect(response.status).toBe(400);
          expect(JSON.parse(response.body).error.code).toBe('invalid-cursor');
        }
        if (response.status === 200) expect(response.body).not.toContain(`id: ${lastEventId}\n`);
      }),
      { numRuns: RUNS },
    );
  });
});
