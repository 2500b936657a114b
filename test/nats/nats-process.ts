import { existsSync } from 'node:fs';
import { ChildServer, canSpawn, freePort } from '../helpers/child-server.js';

/** Where Debian's `nats-server` package installs the binary (CI installs it). */
const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

/**
 * A private `nats-server -js` for fault tests: on a free port with a monitoring port, storing
 * JetStream data in a temporary directory, so it can be SIGKILLed and restarted with its
 * streams intact — without touching the machine's shared NATS.
 */
export class NatsProcess {
  private constructor(
    readonly port: number,
    readonly monitorPort: number,
    private readonly server: ChildServer,
  ) {}

  static async start(): Promise<NatsProcess> {
    const [port, monitorPort] = [await freePort(), await freePort()];
    const args = (dir: string) => [
      ...['-js', '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-sd', dir],
    ];
    const nats = new NatsProcess(port, monitorPort, new ChildServer(NATS_SERVER, args, [port, monitorPort]));
    await nats.restart();
    return nats;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, on the same port and store) and waits until it accepts connections. */
  restart(): Promise<void> {
    return this.server.restart();
  }

  /** SIGKILL: a crash, no clean shutdown. */
  kill(): Promise<void> {
    return this.server.kill();
  }

  /** SIGSTOP: connections stay open, nothing is answered until {@link resume}. */
  pause(): void {
    this.server.pause();
  }

  resume(): void {
    this.server.resume();
  }

  stop(): Promise<void> {
    return this.server.stop();
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
export function canSpawnNats(): Promise<boolean> {
  return canSpawn(NATS_SERVER);
}
