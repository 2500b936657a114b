import { expect, it } from 'vitest';
import { browserBundleSize } from './bundle.js';

/** The budget of the browser build (issue 4): everything a page ships (the client has no runtime dependency). */
const BUDGET_BYTES = 6 * 1024;

it(`the browser build stays under ${BUDGET_BYTES} bytes minified + gzipped`, async () => {
  const { minified, gzipped } = await browserBundleSize();
  console.info(`[bundle] @tidings/client browser build: ${minified} B minified, ${gzipped} B min+gzip`);
  expect(gzipped).toBeLessThan(BUDGET_BYTES);
});
