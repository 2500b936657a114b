import { createHub, createNodeHandler, type ErrorInfo } from '@tidings/core';
import { expect, it } from 'vitest';
import { listen } from '../helpers/server.js';

/**
 * Regression: an unexpected error in a request (here the app's own `topics` callback) was
 * answered `500 internal` and then dropped — nothing reached the app, so the cause of the 500
 * could not be found. It must reach `onError` (and the logger), once.
 */
it('hands the cause of a 500 internal to onError instead of swallowing it', async () => {
  const reported: Array<[unknown, ErrorInfo]> = [];
  const hub = createHub({ onError: (error, info) => reported.push([error, info]) });
  const cause = new RangeError('session store unavailable');
  const handle = createNodeHandler(hub, {
    topics: async () => {
      throw cause;
    },
  });
  const server = await listen((req, res) => void handle(req, res, undefined));
  try {
    const response = await fetch(`${server.url}/?topic=a`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(reported).toEqual([[cause, { source: 'callback' }]]);
  } finally {
    await hub.close();
    await server.close();
  }
});
