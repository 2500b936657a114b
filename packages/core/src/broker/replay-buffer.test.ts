import { describe, expect, it } from 'vitest';
import type { StoredEvent } from './broker.js';
import { ReplayBuffer } from './replay-buffer.js';

const event = (seq: number, data = `e${seq}`, time = 0): StoredEvent => ({
  id: `t-${seq}`,
  seq,
  topic: 't',
  event: undefined,
  data,
  time,
});

describe('ReplayBuffer', () => {
  it('returns events after a seq, bounded by limit', () => {
    const buffer = new ReplayBuffer({ maxEvents: 100, maxBytes: 1e6, maxAgeMs: 1e9 });
    for (const seq of [2, 5, 9, 12]) buffer.append(event(seq), 0);
    expect(buffer.after(5, 10, 0).map((e) => e.seq)).toEqual([9, 12]);
    expect(buffer.after(0, 2, 0).map((e) => e.seq)).toEqual([2, 5]);
    expect(buffer.after(12, 10, 0)).toEqual([]);
  });

  it('trims by count, bytes and age, remembering the newest trimmed seq', () => {
    const byCount = new ReplayBuffer({ maxEvents: 2, maxBytes: 1e6, maxAgeMs: 1e9 });
    for (let seq = 1; seq <= 5; seq++) byCount.append(event(seq), 0);
    expect(byCount.size).toBe(2);
    expect(byCount.trimmedSeq).toBe(3);

    const byBytes = new ReplayBuffer({ maxEvents: 100, maxBytes: 10, maxAgeMs: 1e9 });
    for (let seq = 1; seq <= 4; seq++) byBytes.append(event(seq, 'xxxx'), 0);
    expect(byBytes.size).toBe(2);
    expect(byBytes.trimmedSeq).toBe(2);

    const byAge = new ReplayBuffer({ maxEvents: 100, maxBytes: 1e6, maxAgeMs: 1000 });
    byAge.append(event(1, 'old', 0), 0);
    byAge.append(event(2, 'new', 1500), 1500);
    expect(byAge.after(0, 10, 1500).map((e) => e.seq)).toEqual([2]);
    expect(byAge.trimmedSeq).toBe(1);
  });

  it('stays correct across internal compaction', () => {
    const buffer = new ReplayBuffer({ maxEvents: 10, maxBytes: 1e6, maxAgeMs: 1e9 });
    for (let seq = 1; seq <= 1000; seq++) buffer.append(event(seq), 0);
    expect(buffer.after(0, 100, 0).map((e) => e.seq)).toEqual([
      991, 992, 993, 994, 995, 996, 997, 998, 999, 1000,
    ]);
    expect(buffer.lastSeq).toBe(1000);
  });
});
