/**
 * Polls `probe` until it returns `expected` (for state only observable by asking, like the
 * Redis server's subscription count); fails with the last value after `timeoutMs`.
 */
export async function until<T>(probe: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== expected) {
    if (Date.now() > deadline) throw new Error(`expected ${String(expected)}, still ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await probe();
  }
}
