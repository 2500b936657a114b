import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** What the bench load generator reports for its SSE readers (see bench/src/loadgen.mjs `sseExpect`). */
export interface ReaderTally {
  conns: number;
  expectedTotal: number;
  /** Events received (resets excluded), duplicates included. */
  received: number;
  /** Duplicates or reordered events. */
  late: number;
  /** Events a reader skipped over (a jump in the payload's number). */
  gaps: number;
  /** Events still missing when the wait ended. */
  missing: number;
  /** `event: reset` frames received. */
  resets: number;
}

/**
 * SSE readers in a process of their own — the bench's load generator, forked. Each reader is a
 * raw socket that reads as fast as it can and checks that the payloads' numbers (`<n> …`, see
 * {@link benchPayload}) go 1, 2, 3… So the server under test never shares an event loop with
 * its readers: a reader that keeps up is a reader that keeps up.
 */
export class ReaderProcess {
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (message.error) call.reject(new Error(message.error));
      else call.resolve(message.result);
    });
  }

  static async start(): Promise<ReaderProcess> {
    const script = fileURLToPath(new URL('../../bench/src/loadgen.mjs', import.meta.url));
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [message] = (await once(child, 'message')) as [{ ready?: boolean }];
    if (!message.ready) throw new Error('reader process did not start');
    return new ReaderProcess(child);
  }

  /** Opens `count` SSE readers of `topic` on 127.0.0.1:`port`; resolves once every one is live. */
  async open(port: number, count: number, topic: string): Promise<void> {
    const { live, failed } = (await this.call('sseOpen', { port, count, topic })) as {
      live: boolean;
      failed: number;
    };
    if (!live || failed > 0) throw new Error(`readers not live (${failed} failed to connect)`);
  }

  /** Waits until every reader got `expected` events, or `timeoutMs`; then tallies them. */
  expect(expected: number, timeoutMs: number): Promise<ReaderTally> {
    return this.call('sseExpect', { expected, timeoutMs }) as Promise<ReaderTally>;
  }

  /** Closes every reader's socket. */
  async closeReaders(): Promise<void> {
    await this.call('closeAll');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }

  private call(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, args });
    });
  }
}

const PADDING = 'x'.repeat(64 * 1024);

/** Event `n` as the readers check it: `<n> <µs> ` padded with `x` to `bytes` (the bench's payload). */
export function benchPayload(n: number, bytes: number): string {
  const [seconds, nanos] = process.hrtime();
  const head = `${n} ${Math.round(seconds * 1e6 + nanos / 1e3)} `;
  return head.length >= bytes ? head : head + PADDING.slice(0, bytes - head.length);
}
