import { isTidingsError, parseEventId, type StoredEvent } from '@tidings/core';
import { createNatsBroker, type NatsBroker } from '@tidings/nats';
import { afterAll, describe, expect, it } from 'vitest';
import { requireService } from '../helpers/services.js';
import { canSpawnNats, NatsProcess } from '../nats/nats-process.js';
import { until } from '../redis/until.js';

const spawnable = await requireService('nats-server binary', canSpawnNats());

/**
 * A NATS publish in flight when the server died waited for its 2 s request timeout and was
 * rejected — although JetStream may have stored it, to be delivered after the restart. It now
 * stops waiting when the connection drops and is resent with the same `Nats-Msg-Id` when NATS
 * is back (JetStream de-duplicates it), so it resolves, exactly once.
 */
describe.skipIf(!spawnable)('regression: a NATS publish in flight during a crash settles exactly', () => {
  let nats: NatsProcess | undefined;
  let publisher: NatsBroker | undefined;
  afterAll(async () => {
    await publisher?.close();
    await nats?.stop();
  });

  it('resolves or rejects each publish in flight during a crash exactly as JetStream stored it', async () => {
    nats = await NatsProcess.start();
    // Generous: NATS must come back within it for in-flight publishes to settle (it takes < 1 s).
    publisher = await createNatsBroker({ servers: nats.url, stream: 'exact', timeoutMs: 10_000 });
    const broker = publisher;
    const start = await broker.head();
    const appended: StoredEvent[] = [];
    const rejected: string[] = [];
    const unknown: string[] = [];
    let stop = false;
    let next = 0;
    const worker = async () => {
      while (!stop) {
        const data = `e${next++}`;
        try {
          appended.push(await broker.publish({ topic: `t${next % 4}`, event: undefined, data }));
        } catch (error) {
          const code = isTidingsError(error) && error.code;
          expect(code === 'broker-unavailable' || code === 'publish-outcome-unknown').toBe(true);
          (code === 'publish-outcome-unknown' ? unknown : rejected).push(data);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    for (let crash = 0; crash < 3; crash++) {
      await until(async () => appended.length > (crash + 1) * 200, true, 15_000);
      await nats.kill(); // 20 publishes in flight: some stored, their acks lost
      await nats.restart();
      await until(async () => broker.available, true, 15_000);
    }
    await until(async () => appended.length > 800, true, 15_000);
    stop = true;
    await Promise.all(workers);
    const history = await broker.history(['t0', 't1', 't2', 't3'], start, 100_000);
    if (history.reset) throw new Error('unexpected reset');
    const stored = history.events.map((event) => event.data);
    console.info(
      `nats exact publish: ${appended.length} resolved, ${rejected.length} rejected, ${unknown.length} unknown`,
    );
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored).toEqual(expect.arrayContaining(appended.map((event) => event.data)));
    expect(history.events.map((event) => event.id)).toEqual(
      expect.arrayContaining(appended.map((event) => event.id)),
    );
    // NATS came back in time: every publish in flight at a crash was resent and resolved.
    expect(rejected).toEqual([]);
    expect(unknown).toEqual([]);
    expect([...stored].sort()).toEqual(appended.map((event) => event.data).sort());
    expect(parseEventId(appended.at(-1)!.id).epoch).toBe(start.epoch);
  }, 90_000);
});
