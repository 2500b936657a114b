import { type Subscription, subscribe, type TidingsEvent } from '@tidings/client';
import { describe, expectTypeOf, it } from 'vitest';

type Events = { note: { text: string }; ping: null };

describe('typed events', () => {
  it('narrows data by event name', () => {
    const take = (event: TidingsEvent<Events>) => {
      if (event.event === 'note') expectTypeOf(event.data).toEqualTypeOf<{ text: string }>();
      else expectTypeOf(event.data).toEqualTypeOf<null>();
    };
    expectTypeOf(take).parameter(0).toHaveProperty('id').toEqualTypeOf<string>();
  });

  it('types callbacks and iteration from the same map', () => {
    const typed = () =>
      subscribe<Events>('http://127.0.0.1:1/realtime', {
        onEvent: (event) => expectTypeOf(event).toEqualTypeOf<TidingsEvent<Events>>(),
      });
    expectTypeOf(typed).returns.toEqualTypeOf<Subscription<Events>>();
    expectTypeOf<Subscription<Events>>().toMatchTypeOf<AsyncIterable<TidingsEvent<Events>>>();
  });

  it('defaults to unknown payloads and any event name', () => {
    expectTypeOf<TidingsEvent['data']>().toEqualTypeOf<unknown>();
    expectTypeOf<TidingsEvent['event']>().toEqualTypeOf<string>();
  });
});
