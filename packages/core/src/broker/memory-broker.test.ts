import { describe, expect, it } from 'vitest';
import type { StoredEvent } from './broker.js';
import { MemoryBroker } from './memory-broker.js';

const publish = (broker: MemoryBroker, data: string) =>
  broker.publishNow({ topic: 't', event: undefined, data });

describe('MemoryBroker listeners', () => {
  it('calls a lone listener, then each of several, and only those still subscribed', async () => {
    const broker = new MemoryBroker();
    const got: string[] = [];
    const listener = (name: string) => (event: StoredEvent) => got.push(`${name}:${event.data}`);
    const a = listener('a');
    const b = listener('b');
    const c = listener('c');
    const offA = await broker.subscribe('t', a);
    publish(broker, '1');
    const offB = await broker.subscribe('t', b);
    const offC = await broker.subscribe('t', c);
    publish(broker, '2');
    offB();
    offB(); // a second call changes nothing
    publish(broker, '3');
    offA();
    publish(broker, '4');
    offC();
    publish(broker, '5');
    expect(got).toEqual(['a:1', 'a:2', 'b:2', 'c:2', 'a:3', 'c:3', 'c:4']);
  });

  it('calls a listener subscribed twice once per event, until it is unsubscribed', async () => {
    const broker = new MemoryBroker();
    const got: string[] = [];
    const listener = (event: StoredEvent) => got.push(event.data);
    const first = await broker.subscribe('t', listener);
    const second = await broker.subscribe('t', listener);
    publish(broker, '1');
    first();
    second();
    publish(broker, '2');
    expect(got).toEqual(['1']);
  });
});
