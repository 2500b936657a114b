import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** An app node in its own process, so a test can SIGKILL it. */
export interface AppProcess {
  readonly url: string;
  endpoint(...topics: string[]): string;
  publish(topic: string, data: string): Promise<string>;
  /** SIGKILL: no clean shutdown, open streams just break. */
  kill(): Promise<void>;
}

/**
 * Starts app node processes on any broker. `factory` is a module (TypeScript, bundled here
 * with esbuild so no build step is needed) exporting
 * `createBroker(settings: Record<string, string>): Promise<Broker>`, called with `settings`
 * in every node. Returns a starter for as many nodes as the test needs.
 */
export async function appProcesses(factory: string, settings: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-app-'));
  const bundle = join(dir, 'node.mjs');
  await build({
    stdin: {
      contents: `import { createBroker } from ${JSON.stringify(factory)};
import { serveAppNode } from ${JSON.stringify(join(here, 'app-process-main.ts'))};
await serveAppNode(() => createBroker(JSON.parse(process.argv[2])));`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'error',
    alias: Object.fromEntries(
      ['core', 'nats', 'redis'].map((name) => [
        `@tidings/${name}`,
        join(root, `packages/${name}/src/index.ts`),
      ]),
    ),
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  const children = new Set<ChildProcess>();
  return {
    async start(): Promise<AppProcess> {
      const child = spawn(process.execPath, [bundle, JSON.stringify(settings)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.add(child);
      const url = await new Promise<string>((resolveUrl, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening (\S+)/.exec(output);
          if (match) resolveUrl(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`app node exited with ${code}`)));
      });
      return {
        url,
        endpoint: (...topics) => `${url}/?${topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&')}`,
        async publish(topic, data) {
          const response = await fetch(`${url}/publish?topic=${encodeURIComponent(topic)}`, {
            method: 'POST',
            body: data,
          });
          const body = await response.text();
          if (!response.ok) throw new Error(`publish failed: ${response.status} ${body}`);
          return body;
        },
        async kill() {
          if (child.exitCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        },
      };
    },
    async stop() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
