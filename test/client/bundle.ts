import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url));

/**
 * The browser build of @tidings/client, bundled with its one dependency and minified by
 * esbuild: `esm` for size measurements, `iife` (global `Tidings`) for test pages.
 */
export async function bundleClient(format: 'esm' | 'iife'): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format,
    globalName: format === 'iife' ? 'Tidings' : undefined,
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Minified + gzipped size of the browser build, bytes. */
export async function browserBundleSize(): Promise<{ minified: number; gzipped: number }> {
  const code = await bundleClient('esm');
  return { minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length };
}
