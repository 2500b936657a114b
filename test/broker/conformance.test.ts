import { createHash } from 'node:crypto';
import { type Broker, type Cursor, parseEventId, type StoredEvent } from '@tidings/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerInstance, type BrokerSetup, brokers } from './brokers.js';

/**
 * The contract every broker keeps (see packages/core/src/broker/broker.ts): ids agree and are
 * totally ordered, history is exact or an explicit reset, live delivery starts when
 * `subscribe` resolves.
 */
describe.each(brokers)('broker conformance: $name', (target) => {
  let available = false;
  const instances: BrokerInstance[] = [];
  beforeAll(async () => {
    available = await target.available();
  });
  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.cleanup();
  });
  async function create(setup: BrokerSetup = {}): Promise<Broker> {
    const instance = await target.create(setup);
    instances.push(instance);
    return instance.broker;
  }
  const publish = (broker: Broker, topic: string, data: string, event?: string) =>
    broker.publish({ topic, data, event });
  const cursorOf = (event: StoredEvent): Cursor => parseEventId(event.id);

  it('assigns one strictly increasing sequence across topics, visible in ids and head', async (ctx) => {
    if (!available) ctx.skip();
    const broker = await create();
    const start = await broker.head();
    expect(start.seq).toBe(0);
    const a = await publish(broker, 'a', '1');
    const b = await publish(broker, 'b', '2');
    const c = await publish(broker, 'a', '3', 'note');
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    for (const event of [a, b, c]) {
      expect(parseEventId(event.id)).toEqual({ epoch: start.epoch, seq: event.seq });
    }
    expect(c).toMatchObject({ topic: 'a', data: '3', event: 'note' });
    expect(a.event).toBeUndefined();
    expect(await broker.head()).toEqual({ epoch: start.epoch, seq: 3 });
  });

  it('returns the history of the requested topics only, merged in id order', async (ctx) => {
    if (!available) ctx.skip();
    const broker = await create();
    const start = await broker.head();
    const published: StoredEvent[] = [];
    for (let i = 0; i < 9; i++) published.push(await publish(broker, ['a', 'b', 'c'][i % 3]!, `e${i}`));
    const result = await broker.history(['c', 'a'], start, 100);
    expect(result.reset).toBe(false);
    if (result.reset) return;
    expect(result.events.map((e) => e.data)).toEqual(['e0', 'e2', 'e3', 'e5', 'e6', 'e8']);
    expect(result.more).toBe(false);
    const later = await broker.history(['a', 'b'], cursorOf(published[4]!), 100);
    expect(later.reset ? [] : later.events.map((e) => e.data)).toEqual(['e6', 'e7']);
  });

  it('pages with a limit and says when more is waiting', async (ctx) => {
    if (!available) ctx.skip();
    const broker = await create();
    const start = await broker.head();
    for (let i = 0; i < 5; i++) await publish(broker, i % 2 ? 'x' : 'y', `e${i}`);
    const first = await broker.history(['x', 'y'], start, 3);
    if (first.reset) throw new Error('unexpected reset');
    expect(first.events.map((e) => e.data)).toEqual(['e0', 'e1', 'e2']);
    expect(first.more).toBe(true);
    const second = await broker.history(['x', 'y'], cursorOf(first.events[2]!), 3);
    if (second.reset) throw new Error('unexpected reset');
    expect(second.events.map((e) => e.data)).toEqual(['e3', 'e4']);
    expect(second.more).toBe(false);
  });

  it('answers a foreign epoch or a cursor ahead of the hub with reset "unknown"', async (ctx) => {
    if (!available) ctx.skip();
    const broker = await create();
    await publish(broker, 'a', '1');
    const head = await broker.head();
    const foreign = await broker.history(['a'], { epoch: 'zzzzzzzz', seq: 1 }, 10);
    expect(foreign).toEqual({ reset: true, reason: 'unknown', head });
    const ahead = await broker.history(['a'], { epoch: head.epoch, seq: head.seq + 5 }, 10);
    expect(ahead).toEqual({ reset: true, reason: 'unknown', head });
  });

  it('trims by count and resets a cursor older than what is retained', async (ctx) => {
    if (!available) ctx.skip();
    const broker = await create({ retention: { maxEvents: 3 } });
    const start = await broker.head();
    const events: StoredEvent[] = [];
    for (let i = 0; i < 6; i++) events.push(await publish(broker, 'a', `e${i}`));
    await publish(broker, 'other', 'x');
    const expired = await broker.history(['a'], start, 10);
    expect(expired).toMatchObject({ reset: true, reason: 'expired', head: { seq: 7 } });
    // e2 was the last one trimmed: a client that saw it has no gap.
    const exact = await broker.history(['a'], cursorOf(events[2]!), 10);
    expect(exact.reset ? 'reset' : exact.events.map((e) => e.data)).toEqual(['e3', 'e4', 'e5']);
    // A topic that never trimmed is unaffected by the other topic's trimming.
    const other = await broker.history(['other'], start, 10);
    expect(other.reset ? 'reset' : other.events.map((e) => e.data)).toEqual(['x']);
  });

  it('trims by age and resets a cursor that would skip aged-out events', async (ctx) => {
    if (!available) ctx.skip();
    let now = Date.now();
    const broker = await create({ retention: { maxAgeMs: 60_000 }, now: () => now });
    const start = await broker.head();
    await publish(broker, 'a', 'old');
    now += 61_000;
    const fresh = await publish(broker, 'a', 'fresh');
    const result = await broker.history(['a'], start, 10);
    expect(result).toMatchObject({ reset: true, reason: 'expired' });
    const fromOld = await broker.history(['a'], { epoch: start.epoch, seq: fresh.seq - 1 }, 10);
    expect(fromOld.reset ? 'reset' : fromOld.events.map((e) => e.data)).toEqual(['fresh']);
  });

  it('delivers live events in order once subscribe resolves, and stops after unsubscribe', async (ctx) => {
    if (!available) ctx.skip();
    const broker = await create();
    const seen: string[] = [];
    let resolveThird: () => void = () => {};
    const third = new Promise<void>((resolve) => {
      resolveThird = resolve;
    });
    const unsubscribe = await broker.subscribe('live', (event) => {
      seen.push(event.data);
      if (seen.length === 3) resolveThird();
    });
    await publish(broker, 'live', '1');
    await publish(broker, 'elsewhere', 'no');
    await publish(broker, 'live', '2');
    await publish(broker, 'live', '3');
    await third;
    unsubscribe();
    await publish(broker, 'live', '4');
    const marker = await publish(broker, 'live-marker', 'm');
    expect(marker.seq).toBeGreaterThan(0);
    expect(seen).toEqual(['1', '2', '3']);
  });

  it('calls the listeners of different topics in id order, also for events published by another node', async (ctx) => {
    if (!available) ctx.skip();
    const instance = await target.create({});
    instances.push(instance);
    const subscriber = instance.broker;
    const publisher = instance.peer ? await instance.peer() : subscriber;
    const topics = ['o1', 'o2', 'o3'];
    const total = 60;
    const seqs: number[] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    for (const topic of topics) {
      await subscriber.subscribe(topic, (event) => {
        seqs.push(event.seq);
        if (seqs.length === total) done();
      });
    }
    // Concurrent publishers per topic: appends of different topics interleave.
    await Promise.all(
      topics.map(async (topic) => {
        for (let i = 0; i < total / topics.length; i++) await publish(publisher, topic, `${i}`);
      }),
    );
    await all;
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('shares ids, history and live events between nodes of the same backend', async (ctx) => {
    if (!available) ctx.skip();
    const instance = await target.create({});
    instances.push(instance);
    if (!instance.peer) ctx.skip();
    const nodeA = instance.broker;
    const nodeB = await instance.peer!();
    let deliver: (event: StoredEvent) => void = () => {};
    const received = new Promise<StoredEvent>((resolve) => {
      deliver = resolve;
    });
    const unsubscribe = await nodeB.subscribe('shared', (event) => deliver(event));
    const published = await publish(nodeA, 'shared', 'hello');
    expect((await received).id).toBe(published.id);
    unsubscribe();
    const history = await nodeB.history(['shared'], { ...(await nodeA.head()), seq: 0 }, 10);
    expect(history.reset ? 'reset' : history.events.map((e) => e.id)).toEqual([published.id]);
  });

  it('keeps data byte for byte: BOM, NUL, CR, CRLF, 64 KiB; a lone surrogate becomes U+FFFD', async (ctx) => {
    if (!available) ctx.skip();
    const instance = await target.create({});
    instances.push(instance);
    const publisher = instance.broker;
    const subscriber = instance.peer ? await instance.peer() : publisher;
    const live: StoredEvent[] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    await subscriber.subscribe('bytes', (event) => {
      live.push(event);
      if (live.length === PAYLOADS.length) done();
    });
    const start = await publisher.head();
    const published: StoredEvent[] = [];
    for (const [sent] of PAYLOADS) published.push(await publish(publisher, 'bytes', sent));
    await all;
    const history = await subscriber.history(['bytes'], start, 100);
    if (history.reset) throw new Error('unexpected reset');
    const expected = PAYLOADS.map(([, stored]) => stored);
    // Compared by description (length, first code points, hash): a failure stays readable.
    const described = (events: readonly StoredEvent[]) => events.map((event) => describeText(event.data));
    expect(described(published)).toEqual(expected.map(describeText));
    expect(described(live)).toEqual(expected.map(describeText));
    expect(described(history.events)).toEqual(expected.map(describeText));
  });
});

const KIB_64 = 'é€😀x'.repeat(65_536 / 10); // 10 UTF-8 bytes per repetition

/** Payloads as published → as every broker stores and delivers them. */
const PAYLOADS: [sent: string, stored: string][] = [
  ['\uFEFFstarts with a BOM', '\uFEFFstarts with a BOM'],
  ['\uFEFF', '\uFEFF'],
  ['', ''],
  ['nul \u0000 inside\u0000', 'nul \u0000 inside\u0000'],
  ['cr\rcrlf\r\nlf\n', 'cr\rcrlf\r\nlf\n'],
  ['\r', '\r'],
  ['paired 😀 surrogates', 'paired 😀 surrogates'],
  // Not text: UTF-8 (Redis, NATS, the SSE wire) cannot carry it, so every broker stores U+FFFD.
  [
    'lone \uD800 high, lone \uDC00 low, reversed \uDE00\uD83D',
    'lone \uFFFD high, lone \uFFFD low, reversed \uFFFD\uFFFD',
  ],
  [KIB_64, KIB_64],
];

/** A short description of a string for assertions: length, first code points, a digest of its UTF-16. */
function describeText(text: string): string {
  const head = [...text.slice(0, 48)].map((char) => char.codePointAt(0)!.toString(16)).join(' ');
  const digest = createHash('sha256').update(Buffer.from(text, 'utf16le')).digest('hex').slice(0, 16);
  return `${text.length} units: ${head}${text.length > 48 ? ' …' : ''} #${digest}`;
}
