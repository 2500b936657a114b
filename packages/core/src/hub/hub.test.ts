import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../broker/broker.js';
import { createHub, type Subscriber } from './hub.js';

/** A subscriber that records the data of each event delivered to it. */
function recorder(): Subscriber & { got: string[] } {
  const got: string[] = [];
  return { got, deliver: (event: StoredEvent) => got.push(event.data), close() {} };
}

describe('Hub fan-out', () => {
  it("delivers to a topic's only subscriber, to several, and to the one left after the others go", async () => {
    const hub = createHub();
    const [a, b, c] = [recorder(), recorder(), recorder()];
    await hub.attach(a, ['t']);
    await hub.publish('t', '1');
    await hub.attach(b, ['t']);
    await hub.attach(c, ['t']);
    await hub.publish('t', '2');
    hub.detach(a, ['t']);
    hub.detach(b, ['t']);
    await hub.publish('t', '3');
    hub.detach(c, ['t']);
    await hub.publish('t', '4');
    expect([a.got, b.got, c.got]).toEqual([['1', '2'], ['2'], ['2', '3']]);
    expect(hub.stats().deliveries).toBe(5);
    await hub.close();
  });

  it('remembers when a topic last had an event, with subscribers, after they left, and without any', async () => {
    let now = 1_000;
    const hub = createHub({ now: () => now });
    const subscriber = recorder();
    await hub.attach(subscriber, ['watched']);
    await hub.publish('watched', 'x');
    expect(hub.lastActivity(['watched'])).toBe(1_000);
    now = 2_000;
    hub.detach(subscriber, ['watched']);
    expect(hub.lastActivity(['watched'])).toBe(1_000);
    await hub.publish('unwatched', 'y');
    expect(hub.lastActivity(['watched', 'unwatched'])).toBe(2_000);
    expect(hub.lastActivity(['other'])).toBe(0);
    await hub.close();
  });
});
