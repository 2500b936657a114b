import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortOpen } from '../helpers/services.js';

/** Where Debian's `nats-server` package installs the binary (CI installs it). */
const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

/**
 * A private `nats-server -js` for fault tests: on a free port with a monitoring port, storing
 * JetStream data in a temporary directory, so it can be SIGKILLed and restarted with its
 * streams intact — without touching the machine's shared NATS.
 */
export class NatsProcess {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tidings-nats-'));

  private constructor(
    readonly port: number,
    readonly monitorPort: number,
  ) {}

  static async start(): Promise<NatsProcess> {
    const nats = new NatsProcess(await freePort(), await freePort());
    await nats.restart();
    return nats;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, on the same port and store) and waits until it accepts connections. */
  async restart(): Promise<void> {
    const args = [
      '-js',
      '-a',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-m',
      String(this.monitorPort),
      '-sd',
      this.dir,
    ];
    const child = spawn(NATS_SERVER, args, { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await isPortOpen(this.port)) || !(await isPortOpen(this.monitorPort))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('nats-server did not start within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGKILL: a crash, no clean shutdown. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Consumers the server holds on `stream` (its monitoring endpoint). */
  async consumerCount(stream: string): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.monitorPort}/jsz?streams=true`);
    const body = (await response.json()) as JszBody;
    const details = body.account_details ?? [];
    const streams = details.flatMap((account) => account.stream_detail ?? []);
    return streams.find((each) => each.name === stream)?.state.consumer_count ?? 0;
  }
}

interface JszBody {
  account_details?: { stream_detail?: { name: string; state: { consumer_count: number } }[] }[];
}

/** Whether `nats-server` can be spawned here (fault tests need the binary, not just a running NATS). */
export async function canSpawnNats(): Promise<boolean> {
  const child = spawn(NATS_SERVER, ['--version'], { stdio: 'ignore' });
  const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(() => [1])])) as [
    number,
  ];
  return code === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
