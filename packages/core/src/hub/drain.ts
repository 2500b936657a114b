/** Options of `Hub.close`. */
export interface CloseOptions {
  /**
   * Spread the end of open SSE streams over this many ms, in random order, so their clients
   * reconnect to other nodes gradually instead of all at once. New requests get `503` at
   * once and pending long-polls are answered at once. Default 0: end everything now.
   */
  graceMs?: number;
}

/** How often a drain ends its next slice of connections, ms. */
const DRAIN_STEP_MS = 20;

/**
 * Calls `end` on every member, in random order, evenly over `graceMs` — one timer for the
 * whole drain. Resolves once every member was ended.
 */
export function spreadOver<T>(
  members: readonly T[],
  graceMs: number,
  end: (member: T) => void,
): Promise<void> {
  const order = shuffle(members);
  if (graceMs <= 0 || order.length === 0) {
    for (const member of order) end(member);
    return Promise.resolve();
  }
  const start = Date.now();
  let ended = 0;
  return new Promise((resolve) => {
    const step = () => {
      const due = Math.min(order.length, Math.ceil((order.length * (Date.now() - start)) / graceMs));
      while (ended < due) end(order[ended++] as T);
      if (ended < order.length) return;
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(step, Math.min(DRAIN_STEP_MS, graceMs));
  });
}

/** A Fisher–Yates shuffled copy. */
function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
