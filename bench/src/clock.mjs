/**
 * One clock for every process of the bench: CLOCK_MONOTONIC via process.hrtime(), which is
 * system-wide on Linux, so a timestamp taken in the server and one taken in the load
 * generator are directly comparable. Microseconds, as a double (exact well past 2^40).
 */
export function nowUs() {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

/** Milliseconds on the same clock. */
export function nowMs() {
  return nowUs() / 1e3;
}

/** The payload of event `n`: `<n> <publish time µs> ` padded with `x` to `bytes`. */
export function payload(n, bytes) {
  const head = `${n} ${Math.round(nowUs())} `;
  return head.length >= bytes ? head : head + PADDING.slice(0, bytes - head.length);
}

const PADDING = 'x'.repeat(64 * 1024);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
