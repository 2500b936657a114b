import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortOpen } from './services.js';

/**
 * A private server binary (redis-server, nats-server…) for fault tests: spawned on ports of
 * its own with its data in a temporary directory, so it can be SIGKILLed and restarted with
 * its data intact — without touching the machine's shared service.
 */
export class ChildServer {
  /** The server's data directory, removed by {@link ChildServer.stop}. */
  readonly dir: string;
  private child: ChildProcess | undefined;

  constructor(
    private readonly command: string,
    private readonly args: (dir: string) => string[],
    /** Ports that must accept connections before the server counts as started. */
    private readonly ports: readonly number[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'tidings-child-server-'));
  }

  /** Starts the server (again, on the same ports and data) and waits until it accepts connections. */
  async restart(): Promise<void> {
    const child = spawn(this.command, this.args(this.dir), { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await this.listening())) {
      if (child.exitCode !== null) throw new Error(`${this.command} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${this.command} did not start within 10 s`);
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

  /** SIGSTOP: the server keeps its connections open but answers nothing until {@link resume}. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT: a paused server carries on with what it was sent meanwhile. */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async listening(): Promise<boolean> {
    for (const port of this.ports) if (!(await isPortOpen(port))) return false;
    return true;
  }
}

/** Whether `command --version` runs here (fault tests need the binary, not just a running service). */
export async function canSpawn(command: string): Promise<boolean> {
  const child = spawn(command, ['--version'], { stdio: 'ignore' });
  const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(() => [1])])) as [
    number,
  ];
  return code === 0;
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
