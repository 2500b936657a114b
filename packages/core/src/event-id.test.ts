import { describe, expect, it } from 'vitest';
import { TidingsError } from './errors.js';
import { formatEventId, newEpoch, parseEventId } from './event-id.js';

describe('event ids', () => {
  it('round-trips epoch and seq', () => {
    const epoch = newEpoch();
    expect(epoch).toMatch(/^[a-z0-9]{10}$/);
    expect(parseEventId(formatEventId(epoch, 42))).toEqual({ epoch, seq: 42 });
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
