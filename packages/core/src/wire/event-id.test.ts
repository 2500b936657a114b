import { describe, expect, it } from 'vitest';
import { TidingsError } from './errors.js';
import { formatEventId, newEpoch, parseEventId } from './event-id.js';

describe('event ids', () => {
  it('round-trips epoch and seq', () => {
    const epoch = newEpoch();
    expect(epoch).toMatch(/^[a-z0-9]{10}$/);
    expect(parseEventId(formatEventId(epoch, 42))).toEqual({ epoch, seq: 42 });
  });

  it('reads the id of an SSE id: field, which carries the topic after a space', () => {
    expect(parseEventId('abc-42 orders')).toEqual({ epoch: 'abc', seq: 42 });
    expect(parseEventId(`abc-42 ${'t'.repeat(128)}`)).toEqual({ epoch: 'abc', seq: 42 });
    expect(parseEventId('abc-42 user:7/inbox@eu.west_1-a')).toEqual({ epoch: 'abc', seq: 42 });
  });

  it.each([
    '',
    'abc',
    'abc-',
    '-1',
    'abc-01',
    'ABC-1',
    'abc-1.5',
    'abc-1\nid: injected',
    'abc-99999999999999999',
    `${'a'.repeat(40)}-1`,
    'abc-1 ',
    'abc-1  orders',
    'abc-1 has space',
    'abc-1 orders\nid: injected',
    `abc-1 ${'t'.repeat(129)}`,
  ])('rejects %j as invalid-cursor', (id) => {
    expect(() => parseEventId(id)).toThrow(TidingsError);
    try {
      parseEventId(id);
    } catch (error) {
      expect((error as TidingsError).code).toBe('invalid-cursor');
      expect((error as TidingsError).status).toBe(400);
    }
  });
});
