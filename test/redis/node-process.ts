import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/app-node.mjs', import.meta.url));
const built = ['core', 'redis'].map((name) =>
  fileURLToPath(new URL(`../../packages/${name}/dist/index.js`, import.meta.url)),
);

/** An app node running as its own process (test/redis/fixtures/app-node.mjs). */
export class NodeProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts a node on the hub stored under `prefix`; needs the built packages (`npm run build`). */
  static async start(redisUrl: string, prefix: string): Promise<NodeProcess> {
    const missing = built.filter((file) => !existsSync(file));
    if (missing.length > 0) {
      throw new Error(
        `Node-process tests use the built packages: run \`npm run build\` first (missing ${missing.join(', ')})`,
      );
    }
    const child = spawn(process.execPath, [script, redisUrl, prefix], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`app node exited with ${code} before listening`);
      }),
    ])) as [string];
    return new NodeProcess((JSON.parse(line) as { url: string }).url, child);
  }

  /** Publishes through this node's HTTP API; resolves to the event id. */
  async publish(topic: string, data: string): Promise<string> {
    const response = await fetch(
      `${this.url}/publish?topic=${encodeURIComponent(topic)}&data=${encodeURIComponent(data)}`,
      {
        method: 'POST',
      },
    );
    const body = (await response.json()) as { id: string };
    if (!response.ok) throw new Error(`publish failed: ${JSON.stringify(body)}`);
    return body.id;
  }

  /** A crash: SIGKILL, no cleanup of any kind. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}
