import { pathToFileURL } from 'node:url';

/**
 * `@tidings/<name>` as this checkout built it, or, for a contender run as `<name>@base`, from
 * the checkout given to the runner as `--base <dir>` (`TIDINGS_BENCH_BASE`): the same
 * harness measures the code before and after a change in one run. Everything a package
 * imports (core included) then resolves from that checkout too.
 */
export function tidingsPackage(name) {
  const base = process.env.TIDINGS_BENCH_BASE;
  return import(
    base ? pathToFileURL(`${base}/node_modules/@tidings/${name}/dist/index.js`).href : `@tidings/${name}`
  );
}
