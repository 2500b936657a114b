import { describe, expect, it } from 'vitest';
import { type FirstAfter, mayHaveGap } from './continuity.js';

const NOW = 1_000_000;
const first = (seq: number, link: number, time = NOW): FirstAfter => ({ seq, link, time });
const check = (cursor: number, firstAfter: FirstAfter | undefined, agedSeq = 0, olderRetained = false) =>
  mayHaveGap({
    cursor,
    first: firstAfter,
    olderRetained: async () => olderRetained,
    agedSeq,
    oldestTime: NOW - 60_000,
  });

describe('mayHaveGap: is resuming a topic from a cursor exact?', () => {
  it('is exact when the first event after the cursor links to the cursor or before', async () => {
    expect(await check(10, first(12, 10))).toBe(false);
    expect(await check(10, first(12, 7))).toBe(false);
  });

  it('finds a dropped predecessor between the cursor and the first retained event', async () => {
    expect(await check(10, first(20, 15))).toBe(true);
  });

  it('treats an event older than the age limit by the broker clock as dropped', async () => {
    expect(await check(10, first(12, 10, NOW - 61_000))).toBe(true);
  });

  it('for a topic that was empty when appended, resets only a cursor before what age may have removed', async () => {
    expect(await check(3, first(12, 0), 0)).toBe(false);
    expect(await check(3, first(12, 0), 5)).toBe(true);
    expect(await check(5, first(12, 0), 5)).toBe(false);
  });

  it('for a topic with nothing after the cursor, trusts an older retained event, else the age horizon', async () => {
    expect(await check(10, undefined, 0)).toBe(false);
    expect(await check(10, undefined, 10)).toBe(false);
    expect(await check(9, undefined, 10, true)).toBe(false);
    expect(await check(9, undefined, 10, false)).toBe(true);
  });
});
