import { subscribe } from '@tidings/client';
import { expect, it } from 'vitest';

// Issue 13: `topics: 'orders'` subscribed to six one-letter topics; now a TypeError.

it("topics: 'orders' throws a TypeError naming the option instead of subscribing to o, r, d, e, r, s", () => {
  const options = { topics: 'orders' } as unknown as { topics: string[] };
  expect(() => subscribe('http://127.0.0.1:9/realtime', options)).toThrow(TypeError);
  expect(() => subscribe('http://127.0.0.1:9/realtime', options)).toThrow(
    /option topics of subscribe\(\) got "orders"/,
  );
});
