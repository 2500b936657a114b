import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment, EnvironmentChange } from './environment.js';
import { Pacer } from './pacer.js';

/** A page whose visibility and connectivity the test flips, firing the same change events a browser would. */
function fakePage() {
  const listeners = new Set<(change: EnvironmentChange) => void>();
  const page = { hidden: false, online: true };
  const env: Environment = {
    hidden: () => page.hidden,
    online: () => page.online,
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const set = (change: EnvironmentChange) => {
    if (change === 'hidden' || change === 'visible') page.hidden = change === 'hidden';
    else page.online = change === 'online';
    for (const listener of listeners) listener(change);
  };
  return { env, set, listeners };
}

/** Starts a wait and reports whether it has resolved, without awaiting it. */
function track(promise: Promise<void>) {
  const state = { done: false };
  promise.then(() => {
    state.done = true;
  });
  return state;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Pacer', () => {
  it('waits the given delay while visible and online, then stops listening', async () => {
    const { env, listeners } = fakePage();
    const wait = track(new Pacer(env, 'slow', 4).wait(1_000, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(999);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
    expect(listeners.size).toBe(0);
  });

  it('stretches the delay in a hidden tab and wakes at once when it becomes visible', async () => {
    const page = fakePage();
    page.set('hidden');
    const wait = track(new Pacer(page.env, 'slow', 4).wait(1_000, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(3_999);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);

    const second = track(new Pacer(page.env, 'slow', 4).wait(1_000, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(500);
    page.set('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(second.done).toBe(true);
  });

  it("holds a hidden tab with 'pause' until it is visible again, reporting it as blocked", async () => {
    const page = fakePage();
    page.set('hidden');
    const onBlocked = vi.fn();
    const wait = track(new Pacer(page.env, 'pause', 4).wait(1_000, new AbortController().signal, onBlocked));
    await vi.advanceTimersByTimeAsync(600_000);
    expect(wait.done).toBe(false);
    expect(onBlocked).toHaveBeenCalled();
    page.set('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('pauses while offline and goes at once when back online', async () => {
    const page = fakePage();
    const onBlocked = vi.fn();
    const wait = track(new Pacer(page.env, 'slow', 4).wait(30_000, new AbortController().signal, onBlocked));
    await vi.advanceTimersByTimeAsync(1_000);
    page.set('offline');
    expect(onBlocked).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(wait.done).toBe(false);
    page.set('online');
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('a tab hidden while offline stays paused when it becomes visible, until online', async () => {
    const page = fakePage();
    page.set('offline');
    const wait = track(new Pacer(page.env, 'slow', 4).wait(1_000, new AbortController().signal));
    page.set('hidden');
    page.set('visible');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(wait.done).toBe(false);
    page.set('online');
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('ends the wait when the signal aborts', async () => {
    const controller = new AbortController();
    const wait = track(new Pacer(fakePage().env, 'slow', 4).wait(60_000, controller.signal));
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });
});
