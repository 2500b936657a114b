import type { Cursor } from '@tidings/core';
import { describe, expect, it } from 'vitest';
import { PublishQueue, type QueuedPublish } from '../../packages/redis/src/publish-queue.js';

/** A batch handed to `send`, settled by the test. */
interface Sent {
  readonly batch: readonly QueuedPublish[];
  readonly resolve: (first: Cursor) => void;
  readonly reject: (error: unknown) => void;
}

function recorder(): { queue: PublishQueue; sent: Sent[]; next: () => Promise<Sent> } {
  const sent: Sent[] = [];
  let waiter: ((s: Sent) => void) | undefined;
  const queue = new PublishQueue(
    (batch) =>
      new Promise<Cursor>((resolve, reject) => {
        const entry = { batch, resolve, reject };
        sent.push(entry);
        waiter?.(entry);
        waiter = undefined;
      }),
  );
  const next = () => {
    const index = sent.length;
    return new Promise<Sent>((resolve) => {
      const check = () => {
        if (sent[index]) resolve(sent[index]!);
        else waiter = check;
      };
      check();
    });
  };
  return { queue, sent, next };
}

const event = (topic: string, data: string): QueuedPublish => ({ topic, event: undefined, data, time: 1 });

describe('redis publish queue: batches publishes made while one is in flight', () => {
  it('sends the publishes of one tick as one batch, in call order, with consecutive seqs', async () => {
    const { queue, next } = recorder();
    const results = ['a', 'b', 'a', 'c'].map((topic, i) => queue.add(event(topic, `e${i}`)));
    const first = await next();
    expect(first.batch.map((p) => p.data)).toEqual(['e0', 'e1', 'e2', 'e3']);
    first.resolve({ epoch: 'E', seq: 41 });
    expect(await Promise.all(results)).toEqual([41, 42, 43, 44].map((seq) => ({ epoch: 'E', seq })));
  });

  it('holds publishes while a batch is in flight and sends them together after it', async () => {
    const { queue, sent, next } = recorder();
    const first = queue.add(event('a', 'first'));
    const inFlight = await next();
    const later = [queue.add(event('a', 'x')), queue.add(event('b', 'y'))];
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    const following = next();
    inFlight.resolve({ epoch: 'E', seq: 1 });
    expect(await first).toEqual({ epoch: 'E', seq: 1 });
    const second = await following;
    expect(second.batch.map((p) => p.data)).toEqual(['x', 'y']);
    second.resolve({ epoch: 'E', seq: 2 });
    expect(await Promise.all(later)).toEqual([
      { epoch: 'E', seq: 2 },
      { epoch: 'E', seq: 3 },
    ]);
  });

  it('rejects every publish of a failed batch, and still sends the next one', async () => {
    const { queue, next } = recorder();
    const failing = [queue.add(event('a', '1')), queue.add(event('a', '2'))];
    const first = await next();
    const after = queue.add(event('a', '3'));
    const failure = new Error('Redis is unavailable');
    const following = next();
    first.reject(failure);
    for (const publish of failing) await expect(publish).rejects.toBe(failure);
    const second = await following;
    expect(second.batch.map((p) => p.data)).toEqual(['3']);
    second.resolve({ epoch: 'E', seq: 7 });
    expect(await after).toEqual({ epoch: 'E', seq: 7 });
  });

  it('bounds a batch at 256 events and at 1 MB of data, always taking at least one', async () => {
    const { queue, next } = recorder();
    const many = Array.from({ length: 300 }, (_, i) => queue.add(event('a', String(i))));
    const first = await next();
    expect(first.batch).toHaveLength(256);
    const following = next();
    first.resolve({ epoch: 'E', seq: 1 });
    const second = await following;
    expect(second.batch).toHaveLength(44);
    second.resolve({ epoch: 'E', seq: 257 });
    expect((await Promise.all(many)).map((p) => p.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));

    const big = 'x'.repeat(600_000);
    const large = [queue.add(event('a', big)), queue.add(event('a', big)), queue.add(event('a', big))];
    const third = await next();
    expect(third.batch).toHaveLength(2);
    const fourth = next();
    third.resolve({ epoch: 'E', seq: 301 });
    (await fourth).resolve({ epoch: 'E', seq: 303 });
    expect((await Promise.all(large)).map((p) => p.seq)).toEqual([301, 302, 303]);
  });
});
