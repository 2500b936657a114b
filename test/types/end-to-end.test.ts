import { type Subscription, subscribe, type TidingsEvent } from '@tidings/client';
import { createHub, type Hub, type RealtimeApi } from '@tidings/core';
import { realtime as expressRealtime } from '@tidings/express';
import { realtime as fetchRealtime } from '@tidings/fetch';
import { realtime as koaRealtime } from '@tidings/koa';
import { realtime as nodeRealtime } from '@tidings/node';
import { describe, expectTypeOf, it } from 'vitest';

/** One event map, shared by the publishing server and the subscribing client. */
type Events = { message: { n: number }; note: { text: string }; ping: null };

/**
 * Compile-time checks: `tsc -p tsconfig.json` (npm run typecheck) fails if a `@ts-expect-error`
 * line compiles, i.e. if a wrong payload were accepted. The functions are never called.
 */
describe('typed end to end: one map for publish and subscribe', () => {
  it('checks publish data against the event named in its options', () => {
    const compileOnly = (hub: Hub<Events>) => {
      void hub.publish('t', { n: 1 });
      void hub.publish('t', { text: 'hi' }, { event: 'note' });
      void hub.publish('t', null, { event: 'ping' });
      // @ts-expect-error: note carries { text: string }
      void hub.publish('t', { text: 1 }, { event: 'note' });
      // @ts-expect-error: no such event in the map
      void hub.publish('t', { n: 1 }, { event: 'nope' });
      // @ts-expect-error: without an event name, the payload is message's
      void hub.publish('t', { text: 'hi' });
      // @ts-expect-error: ping carries null
      void hub.publish('t', { n: 1 }, { event: 'ping' });
    };
    expectTypeOf(compileOnly).toBeFunction();
    expectTypeOf(createHub<Events>).returns.toEqualTypeOf<Hub<Events>>();
  });

  it('needs an event name when the map has no message', () => {
    type Named = { note: { text: string } };
    const compileOnly = (hub: Hub<Named>) => {
      void hub.publish('t', { text: 'hi' }, { event: 'note' });
      // @ts-expect-error: there is no message event to default to
      void hub.publish('t', { text: 'hi' });
    };
    expectTypeOf(compileOnly).toBeFunction();
  });

  it('types every adapter the same way: realtime<Events>()', () => {
    const compileOnly = () => {
      const adapters = [
        expressRealtime<Events>(),
        koaRealtime<Events>(),
        nodeRealtime<Events>(),
        fetchRealtime<Events>(),
        expressRealtime<Events>({ hub: createHub<Events>() }),
      ];
      for (const rt of adapters) {
        expectTypeOf(rt.hub).toEqualTypeOf<Hub<Events>>();
        void rt.publish('t', { text: 'hi' }, { event: 'note' });
        // @ts-expect-error: note carries { text: string }
        void rt.publish('t', { n: 1 }, { event: 'note' });
      }
      // Fastify's decorator cannot be generic; the same API, typed by a cast.
      const fastifyApi = {} as RealtimeApi<Events>;
      // @ts-expect-error: message carries { n: number }
      void fastifyApi.publish('t', 'text');
    };
    expectTypeOf(compileOnly).toBeFunction();
  });

  it('receives on the client what the server may publish', () => {
    const compileOnly = () => {
      const sub = subscribe<Events>('/realtime', { topics: ['t'] });
      expectTypeOf(sub).toEqualTypeOf<Subscription<Events>>();
      sub.close();
    };
    const take = (event: TidingsEvent<Events>) => {
      expectTypeOf(event.topic).toEqualTypeOf<string>();
      if (event.event === 'note') expectTypeOf(event.data).toEqualTypeOf<{ text: string }>();
      if (event.event === 'message') expectTypeOf(event.data).toEqualTypeOf<{ n: number }>();
    };
    expectTypeOf(compileOnly).toBeFunction();
    expectTypeOf(take).toBeFunction();
  });

  it('stays untyped by default: any event, any payload', () => {
    const compileOnly = (hub: Hub) => {
      void hub.publish('t', { anything: true });
      void hub.publish('t', 'text', { event: 'whatever' });
      void expressRealtime().publish('t', 42, { event: 'x' });
    };
    expectTypeOf(compileOnly).toBeFunction();
  });
});
