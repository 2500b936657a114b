import { type Broker, createNodeHandler, Hub, MemoryBroker } from '@tidings/core';
import { afterEach, expect, it, vi } from 'vitest';
import { listen, type TestServer } from '../helpers/server.js';

/**
 * Regression: a hub closed while an SSE request was still reading history left that request
 * without any response (the stream was ended before its headers went out). It must get a 503.
 */
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
});

it('answers 503 to an SSE request whose hub closes before the stream opened', async () => {
  const memory = new MemoryBroker();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let historyRequested: () => void = () => {};
  const historyPending = new Promise<void>((resolve) => {
    historyRequested = resolve;
  });
  // Fault injection: history() stalls until the test releases it.
  const broker: Broker = {
    publish: (request) => memory.publish(request),
    head: () => memory.head(),
    subscribe: (topic, listener) => memory.subscribe(topic, listener),
    close: () => memory.close(),
    history: async (topics, after, limit) => {
      historyRequested();
      await gate;
      return memory.history(topics, after, limit);
    },
  };
  const hub = new Hub({ broker });
  const handle = createNodeHandler(hub);
  server = await listen((req, res) => void handle(req, res, req));
  const response = fetch(`${server.url}/?topic=a`, { headers: { accept: 'text/event-stream' } });
  await historyPending;
  await hub.close();
  release();
  const answered = await response;
  expect(answered.status).toBe(503);
  expect((await answered.json()).error.code).toBe('shutting-down');
  await vi.waitFor(() => expect(hub.stats().connections.sse).toBe(0));
});
