import type { StoredEvent } from '@tidings/core';
import { describe, expect, it } from 'vitest';
import { natsAvailable, natsHub } from '../nats/nats-target.js';

const ok = await natsAvailable();

/**
 * The NATS broker decoded payloads with the client library's `string()`, a `TextDecoder`
 * that strips a leading U+FEFF (the WHATWG default): data starting with a BOM lost it on
 * NATS only, live and in history, while memory and Redis kept it.
 */
describe.skipIf(!ok)('regression: nats keeps a leading BOM in event data', () => {
  it('delivers and replays data starting with U+FEFF unchanged', async () => {
    const hub = await natsHub();
    try {
      let deliver: (event: StoredEvent) => void = () => {};
      const received = new Promise<StoredEvent>((resolve) => {
        deliver = resolve;
      });
      await hub.broker.subscribe('bom', (event) => deliver(event));
      const start = await hub.broker.head();
      await hub.broker.publish({ topic: 'bom', event: undefined, data: '\uFEFF{"a":1}' });
      expect((await received).data).toBe('\uFEFF{"a":1}');
      const history = await hub.broker.history(['bom'], start, 10);
      expect(history.reset ? 'reset' : history.events.map((event) => event.data)).toEqual(['\uFEFF{"a":1}']);
    } finally {
      await hub.cleanup();
    }
  });
});
