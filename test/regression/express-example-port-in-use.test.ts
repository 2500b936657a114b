import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';

/**
 * The Express demo on a port that is taken said `TypeError: Cannot destructure property
 * 'address' of 'server.address(...)' as it is null` (issue 14): Express 5 calls the listen
 * callback with the error. It now says the port is in use and exits 1.
 */
const server = fileURLToPath(new URL('../../examples/express-notifications/src/server.js', import.meta.url));
const holder = createServer();
afterEach(() => new Promise<void>((resolve) => holder.close(() => resolve())));

it('the Express example explains a port in use instead of crashing with a TypeError', async () => {
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as { port: number };
  const result = await promisify(execFile)(process.execPath, [server], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
  expect(result.stderr).not.toContain('TypeError');
});
