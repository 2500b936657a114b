import { JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsAvailable, uniqueStreamName } from '../../../test/nats/nats-target.js';
import { AckPipe } from './ack-pipe.js';

const shared = await natsAvailable();

describe.skipIf(!shared)('AckPipe: many JetStream publishes awaiting their acks at once', () => {
  const stream = uniqueStreamName('ackpipe');
  let nc: NatsConnection;
  let pipe: AckPipe;
  beforeAll(async () => {
    nc = await connect({ servers: '127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    pipe = new AckPipe(nc);
  });
  afterAll(async () => {
    pipe?.close();
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
    await nc?.close();
  });
  const later = () => Date.now() + 30_000;

  it('stores publishes made together in call order, each resolving with its own sequence', async () => {
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, i) => pipe.publish(`${stream}.t${i % 7}`, `m${i}`, headers(), later())),
    );
    const seqs = acks.map((ack) => ack.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(500);
    const jsm = await jetstreamManager(nc);
    for (const i of [0, 123, 499]) {
      const stored = await jsm.streams.getMessage(stream, { seq: seqs[i]! });
      expect(stored?.string()).toBe(`m${i}`);
    }
  });

  it('rejects a refused publish with the JetStream API error (nothing stored)', async () => {
    const refused = headers();
    refused.set('Nats-Expected-Last-Subject-Sequence', '999999');
    const error = await pipe.publish(`${stream}.refused`, 'x', refused, later()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JetStreamApiError);
    expect((error as JetStreamApiError).code).toBe(10071);
  });

  it('rejects a publish nobody stores (no responders) without waiting for its deadline', async () => {
    const error = await pipe.publish(`nostream${stream}.x`, 'x', headers(), later()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(JetStreamApiError);
  });

  it('rejects a publish that gets no reply once its deadline passes', async () => {
    const silent = nc.subscribe(`silent${stream}`); // takes the message, never replies
    const error = await pipe
      .publish(`silent${stream}`, 'x', headers(), Date.now() + 50)
      .catch((e: unknown) => e);
    silent.unsubscribe();
    expect((error as Error).message).toMatch(/in time/);
  });

  it('rejects publishes still waiting when closed, and any made after', async () => {
    const other = new AckPipe(nc);
    const silent = nc.subscribe(`silent2${stream}`);
    const waiting = other.publish(`silent2${stream}`, 'x', headers(), later()).catch((e: unknown) => e);
    await nc.flush();
    other.close();
    silent.unsubscribe();
    expect(((await waiting) as Error).message).toMatch(/closed/);
    await expect(other.publish(`${stream}.t`, 'x', headers(), later())).rejects.toThrow(/closed/);
  });

  it('never sends a publish rejected by a close in the same tick', async () => {
    const other = new AckPipe(nc);
    const rejected = other.publish(`${stream}.unsent`, 'x', headers(), later()).catch((e: unknown) => e);
    other.close();
    expect(((await rejected) as Error).message).toMatch(/closed/);
    await pipe.publish(`${stream}.unsent`, 'after', headers(), later()); // stored after anything sent before
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream, { subjects_filter: `${stream}.unsent` });
    expect(info.state.subjects?.[`${stream}.unsent`]).toBe(1);
  });
});
