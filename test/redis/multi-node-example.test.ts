import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.js';
import { redisAvailable } from './redis-fixture.js';

const ok = await redisAvailable();
const start = fileURLToPath(new URL('../../examples/multi-node/src/start.js', import.meta.url));

/** examples/multi-node: three nodes behind a round-robin proxy; reconnects land elsewhere. */
describe.skipIf(!ok)('examples/multi-node', () => {
  let demo: ChildProcess | undefined;
  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      const exited = once(demo, 'exit');
      demo.kill('SIGTERM');
      await exited;
    }
  });

  it('serves consecutive connections from different nodes while the ticker publishes', async () => {
    demo = spawn(process.execPath, [start], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: demo.stdout! }), 'line')) as [string];
    const url = /http:\/\/\S+?(?=\/\s)/.exec(line)![0];
    // The nodes start in parallel with the proxy: wait until a stream opens (502 until then).
    let first = await openSse(`${url}/realtime?topic=demo`);
    while (first.status !== 200) {
      first.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      first = await openSse(`${url}/realtime?topic=demo`);
    }
    const [event] = await first.waitForEvents(1); // the ticker publishes every second
    const served = new Set([first.headers.get('x-tidings-node')]);
    const resumed = [];
    for (let i = 0; i < 3; i++) {
      const stream = await openSse(`${url}/realtime?topic=demo`, { 'last-event-id': event!.id! });
      served.add(stream.headers.get('x-tidings-node'));
      resumed.push(stream);
    }
    // Round robin over three nodes: four connections cannot all land on one node.
    expect(served.size).toBeGreaterThan(1);
    first.close();
    for (const stream of resumed) {
      const [next] = await stream.waitForEvents(1);
      expect(Number(next!.id!.split('-')[1])).toBeGreaterThan(Number(event!.id!.split('-')[1]));
      expect(JSON.parse(next!.data)).toMatchObject({ text: 'tick' });
      stream.close();
    }
  });
});
