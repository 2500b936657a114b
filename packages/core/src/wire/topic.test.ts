import { describe, expect, it } from 'vitest';
import { assertEventName, assertTopic, isValidTopic } from './topic.js';

describe('topics', () => {
  it.each(['a', 'user:42', 'room/7', 'orders.eu', 'a_b-c@d', 'x'.repeat(128)])('accepts %j', (topic) => {
    expect(isValidTopic(topic)).toBe(true);
  });

  it.each(['', ' ', 'a b', 'a,b', 'a*', 'a\nb', 'a\rb', 'é', 'ａ', 'x'.repeat(129), '__proto__?'])(
    'rejects %j with invalid-topic',
    (topic) => {
      expect(() => assertTopic(topic)).toThrow(
        expect.objectContaining({ code: 'invalid-topic', status: 400 }),
      );
    },
  );

  it('rejects non-strings', () => {
    expect(isValidTopic(42)).toBe(false);
    expect(() => assertTopic({ toString: () => 'a' })).toThrow(
      expect.objectContaining({ code: 'invalid-topic' }),
    );
  });
});

describe('event names', () => {
  it('accepts names and refuses reserved or injectable ones', () => {
    expect(() => assertEventName('order.created')).not.toThrow();
    for (const name of ['reset', 'auth-expired', 'error', '1abc', 'a b', 'a\nb', '', 'x'.repeat(65)]) {
      expect(() => assertEventName(name)).toThrow(expect.objectContaining({ code: 'invalid-event-name' }));
    }
  });
});
