import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { browserBundleSize } from './bundle.js';

/** The budget of the browser build (issue 4): everything a page ships (the client has no runtime dependency). */
const BUDGET_BYTES = 6 * 1024;
const DOC = new URL('../../docs/client.md', import.meta.url);
/** Where docs/client.md states the size; this test writes the figure (issue 14). */
const FIGURE = /<!-- bundle-size -->[^<]*<!-- \/bundle-size -->/;

const size = browserBundleSize();

it(`the browser build stays under ${BUDGET_BYTES} bytes minified + gzipped`, async () => {
  const { minified, gzipped } = await size;
  console.info(`[bundle] @tidings/client browser build: ${minified} B minified, ${gzipped} B min+gzip`);
  expect(gzipped).toBeLessThan(BUDGET_BYTES);
});

// After a change of the client, `npx vitest run test/client/bundle-size.test.ts -u` rewrites the figure.
it('docs/client.md states the measured size', async () => {
  const { gzipped } = await size;
  const doc = readFileSync(DOC, 'utf8');
  expect(doc, 'docs/client.md has lost its <!-- bundle-size --> marker').toMatch(FIGURE);
  const figure = `${(gzipped / 1024).toFixed(1)} KB`;
  await expect(doc.replace(FIGURE, `<!-- bundle-size -->${figure}<!-- /bundle-size -->`)).toMatchFileSnapshot(
    DOC.pathname,
  );
});
