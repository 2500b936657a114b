import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * Issue 17: in the 100k scale run, resuming a killed node's 12,500 clients took ~155 s while
 * fresh connects ran at ~650/s. Not the server: the load generator (bench/src/scale-loadgen.mjs)
 * holds one of its 256 connect slots per connection until the first answer byte, and a
 * long-poll that resumes from a cursor is answered only by the next event or at the end of its
 * 30 s wait — its ~1,100 idle long-polls held the slots 30 s each, and every other reconnect
 * queued behind them. A resuming long-poll must leave the connect gate once its request is sent.
 *
 * Deterministic: two stand-in nodes that answer a first long-poll at once and hold every
 * long-poll with a cursor for good; one connect slot; the clients of node 1 move to node 0
 * when it drops them. Without the fix the first one to reconnect keeps the slot and the rest
 * never get back.
 */
const USERS = Array.from({ length: 10 }, (_, i) => 2 * i + 1); // all on node 1 (u % 2)

interface Status {
  subscribers: number;
  live: number;
  moved: number;
  movedLive: number;
  errors: number;
}

/** A stand-in app node: long-polls without a cursor answered at once, with one held open. */
function standIn(): Promise<{ server: Server; port: number; held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url?.includes('cursor=')) {
      held.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"events":[],"cursor":"e-1","retryAfterMs":0}');
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => ({
    server,
    port: (server.address() as AddressInfo).port,
    held,
  }));
}

let child: ChildProcess | undefined;
const servers: Server[] = [];
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.disconnect();
    await exited;
  }
  child = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** The scale load generator over IPC, as bench/scale.mjs drives it. */
async function loadGenerator(): Promise<(cmd: string, args?: object) => Promise<unknown>> {
  const script = fileURLToPath(new URL('../../bench/src/scale-loadgen.mjs', import.meta.url));
  const proc = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child = proc;
  await once(proc, 'message');
  const pending = new Map<number, (result: unknown) => void>();
  proc.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    pending.get(message.id)?.(message.error ?? message.result);
    pending.delete(message.id);
  });
  let nextId = 0;
  return (cmd, args = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      proc.send({ id, cmd, args });
    });
}

describe('scale load generator: a resuming long-poll does not hold a connect slot', () => {
  it('every long-poll of a dropped node reconnects, with one slot, while the others wait for events', async () => {
    const nodes = [await standIn(), await standIn()];
    servers.push(...nodes.map((n) => n.server));
    const call = await loadGenerator();
    const opened = (await call('open', {
      ports: nodes.map((n) => n.port),
      users: USERS,
      longPoll: USERS,
      localAddress: '127.0.0.1',
      jitterMs: 0,
      concurrency: 1,
      waitSeconds: 30,
      timeoutMs: 60_000,
    })) as Status;
    expect(opened).toMatchObject({ subscribers: USERS.length, live: USERS.length, errors: 0 });
    // Every client now waits on node 1 with its cursor.
    await vi.waitFor(() => expect(nodes[1]!.held).toHaveLength(USERS.length), { timeout: 60_000 });

    nodes[1]!.server.closeAllConnections();
    await vi.waitFor(async () => expect(((await call('status')) as Status).moved).toBe(USERS.length), {
      timeout: 60_000,
      interval: 50,
    });
    const settled = (await call('settled', { timeoutMs: 60_000 })) as Status & { done: boolean };

    expect(settled).toMatchObject({ done: true, live: USERS.length, movedLive: USERS.length, errors: 0 });
    // Each waits on node 0 from its cursor, as a long-poll does.
    expect(nodes[0]!.held).toHaveLength(USERS.length);
  }, 180_000);
});
