import { type PollBody, parseEventId } from '@tidings/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AppNode, startNode } from '../helpers/app-node.js';
import { openSse } from '../helpers/sse-client.js';
import { type BrokerInstance, brokers } from './brokers.js';

/** String payloads as published → as poll returns them → as an SSE client decodes them. */
const STRINGS: [published: string, poll: string, sse: string][] = [
  ['\uFEFFbom', '\uFEFFbom', '\uFEFFbom'],
  ['nul\u0000', 'nul\u0000', 'nul\u0000'],
  // SSE has no escape for CR: every line break ends a `data:` line and decodes as LF.
  ['a\rb\r\nc\nd', 'a\rb\r\nc\nd', 'a\nb\nc\nd'],
  ['trailing\r', 'trailing\r', 'trailing\n'],
  // Not text: stored as U+FFFD by every broker, so both transports carry U+FFFD.
  ['lone \uD800', 'lone \uFFFD', 'lone \uFFFD'],
];

/** JSON text escapes CR and lone surrogates: non-string data reaches both transports intact. */
const OBJECT = { text: 'a\rb\r\n\uD800\uFEFF\u0000' };

/**
 * What poll and SSE deliver for data at the edges of text (PROTOCOL.md §3 and §4), the same
 * on every broker, replayed and live.
 */
describe.each(brokers)('data on the wire: $name', (target) => {
  let available = false;
  let instance: BrokerInstance | undefined;
  let node: AppNode | undefined;
  beforeAll(async () => {
    available = await target.available();
  });
  afterEach(async () => {
    await node?.close();
    await instance?.cleanup();
  });

  it('poll returns data exactly as stored; SSE decodes CR and CRLF as LF; JSON data survives both', async (ctx) => {
    if (!available) ctx.skip();
    instance = await target.create({});
    node = await startNode(instance.broker);
    const hub = node.hub;
    const start = await instance.broker.head();
    const cursor = `${start.epoch}-${start.seq}`;
    const live = await openSse(node.endpoint('edge'));
    const ids: string[] = [];
    for (const [published] of STRINGS) ids.push(await hub.publish('edge', published));
    ids.push(await hub.publish('edge', OBJECT));
    const replayed = await openSse(node.endpoint('edge'), { 'last-event-id': cursor });
    const poll = (await (await fetch(`${node.endpoint('edge')}&cursor=${cursor}`)).json()) as PollBody;

    const expectedSse = [...STRINGS.map(([, , sse]) => sse), JSON.stringify(OBJECT)];
    for (const stream of [live, replayed]) {
      const events = await stream.waitForEvents(ids.length);
      expect(events.map((event) => event.id)).toEqual(ids);
      expect(events.map((event) => event.data)).toEqual(expectedSse);
    }
    expect(poll.events.map((event) => event.data)).toEqual([
      ...STRINGS.map(([, polled]) => polled),
      JSON.stringify(OBJECT),
    ]);
    for (const data of [poll.events.at(-1)!.data, replayed.events.at(-1)!.data]) {
      expect(JSON.parse(data)).toEqual(OBJECT);
    }
    expect(parseEventId(poll.cursor).seq).toBe(parseEventId(ids.at(-1)!).seq);
    live.close();
    replayed.close();
  });
});
