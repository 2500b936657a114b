import { ChildServer, canSpawn, freePort } from '../helpers/child-server.js';

/**
 * A private `redis-server` for fault tests: on a free port, persisting to an append-only file
 * in a temporary directory (fsync on every write), so it can be killed with SIGKILL and
 * restarted with its data intact — without touching the machine's shared Redis.
 */
export class RedisProcess {
  private constructor(
    readonly port: number,
    private readonly server: ChildServer,
  ) {}

  static async start(): Promise<RedisProcess> {
    const port = await freePort();
    const args = (dir: string) => [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', ''],
      ...['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
    ];
    const redis = new RedisProcess(port, new ChildServer('redis-server', args, [port]));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, on the same port and data) and waits until it accepts connections. */
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
}

/** Whether `redis-server` can be spawned here (fault tests need the binary, not just a running Redis). */
export function canSpawnRedis(): Promise<boolean> {
  return canSpawn('redis-server');
}
