import { createHub, type Hub, isTidingsError } from '@tidings/core';
import { afterEach, beforeEach, expect, it } from 'vitest';

/**
 * Regression: `publish(t, { n: 1n })` and circular objects threw `JSON.stringify`'s plain
 * `TypeError`, while `undefined` rejected with `TidingsError` `invalid-request`. Everything
 * JSON cannot carry must reject the same way, and the hub must keep publishing.
 */
let hub: Hub;
beforeEach(() => {
  hub = createHub();
});
afterEach(() => hub.close());

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

it.each([
  ['a BigInt', { n: 1n }],
  ['a circular object', circular],
  ['undefined', undefined],
  ['a function', () => 1],
])('rejects %s with TidingsError invalid-request', async (_name, data) => {
  const error = await hub.publish('news', data).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isTidingsError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'invalid-request', status: 400 });
  expect(hub.stats().published).toBe(0);
  await expect(hub.publish('news', { ok: true })).resolves.toMatch(/-/);
});
