import { describe, expect, it } from 'vitest';
import { parseRequest } from './request.js';

const withAccept = (accept: string | undefined) =>
  parseRequest(
    {
      method: 'GET',
      url: '/realtime?topic=a',
      httpVersion: '1.1',
      header: (name) => (name === 'accept' ? accept : undefined),
    },
    32,
  );

describe('content negotiation', () => {
  it.each([
    'text/event-stream',
    'TEXT/EVENT-STREAM',
    'Text/Event-Stream',
    'text/event-stream, application/json;q=0.5',
    'application/json;q=0.1, text/event-stream',
    'text/*',
    'text/html, text/event-stream',
  ])('answers %j with SSE', (accept) => {
    expect(withAccept(accept).sse).toBe(true);
  });

  it.each([
    undefined,
    '',
    '*/*',
    'application/json',
    'text/event-stream;q=0',
    'text/event-stream;q=0, */*',
    'text/event-stream;q=0.2, application/json',
    'text/html',
    'text/event-streaming',
  ])('answers %j with a JSON poll', (accept) => {
    expect(withAccept(accept).sse).toBe(false);
  });
});
