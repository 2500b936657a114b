import { describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { appProcesses } from './app-process.js';
import { NATS_URL, natsAvailable, natsHub } from './nats-target.js';

const shared = await natsAvailable();

/** A node dies mid-stream: the subscriber resumes on another node with no loss and no duplicate. */
describe.skipIf(!shared)('nats: node death (app nodes as processes)', () => {
  it('resumes on node B after node A is SIGKILLed, receiving every event exactly once, in order', async () => {
    const hub = await natsHub();
    const nodes = await appProcesses(new URL('./nats-app-broker.ts', import.meta.url).pathname, {
      servers: NATS_URL,
      stream: hub.stream,
    });
    try {
      const [nodeA, nodeB] = await Promise.all([nodes.start(), nodes.start()]);
      const total = 60;
      const first = await openSse(nodeA!.endpoint('orders', 'billing'));
      let publishing = Promise.resolve();
      const published: string[] = [];
      const publishAll = async () => {
        for (let i = 0; i < total; i++) {
          published.push(await nodeB!.publish(i % 3 ? 'orders' : 'billing', `e${i}`));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      publishing = publishAll();
      await first.waitForEvents(10);
      await nodeA!.kill();
      await first.ended;
      const seen = first.events.map((e) => e.data);
      const resumed = await openSse(nodeB!.endpoint('orders', 'billing'), {
        'last-event-id': first.lastEventId!,
      });
      await publishing;
      const rest = await resumed.waitForEvents(total - seen.length);
      resumed.close();
      const all = [...first.events, ...rest];
      expect(all.map((e) => e.data)).toEqual(Array.from({ length: total }, (_, i) => `e${i}`));
      expect(all.map((e) => e.id)).toEqual(published);
    } finally {
      await nodes.stop();
      await hub.cleanup();
    }
  });
});
