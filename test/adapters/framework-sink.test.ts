import { toFrameworkSink } from '@tidings/core';
import { describe, expect, it } from 'vitest';
import { listen } from '../helpers/server.js';

describe('the framework sink', () => {
  it('keeps no per-connection closures', async () => {
    const framework = { send: () => {}, release: () => {} };
    const server = await listen((_req, res) => {
      const sink = toFrameworkSink(res, framework, undefined);
      res.end(String(Object.values(sink).filter((value) => typeof value === 'function').length));
    });
    try {
      expect(await (await fetch(server.url)).text()).toBe('0');
    } finally {
      await server.close();
    }
  });
});
