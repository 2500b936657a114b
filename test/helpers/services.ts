import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Whether a TCP service answers on 127.0.0.1:`port`. Tests that need a service use
 * {@link requireService}: on a laptop without it they skip with a clear message; under
 * `CI=true` a missing service is a failure, never a silent skip.
 */
export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves to true when the service is reachable. When it is not: throws under `CI=true`,
 * otherwise prints why the tests are skipped and resolves to false (pass it to `describe.skipIf(!ok)`).
 */
export async function requireService(name: string, available: boolean | Promise<boolean>): Promise<boolean> {
  if (await available) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is required under CI=true but is not available`);
  console.warn(`[skip] ${name} is not available on this machine: its tests are skipped (they run in CI).`);
  return false;
}

/** Where the browser tests find Chromium: Debian's `chromium` package (`apt-get install chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether a Chromium binary is installed, for {@link requireService}`('Chromium', hasChromium())`. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}
