import type { Environment } from './environment.js';

/** What a hidden tab does: poll `hiddenFactor` times slower (`slow`), or stop until visible (`pause`). */
export type HiddenPolicy = 'slow' | 'pause';

/**
 * Waits between requests, applying the page's situation on top of the schedule's delay:
 * - hidden tab: the delay × `hiddenFactor` (`slow`), or no request at all until visible (`pause`);
 * - tab becomes visible: wake at once;
 * - offline: hold until `online`, then wake at once.
 */
export class Pacer {
  constructor(
    private readonly env: Environment,
    private readonly policy: HiddenPolicy,
    private readonly hiddenFactor: number,
  ) {}

  /** True while no request should be made. */
  blocked(): boolean {
    return !this.env.online() || (this.policy === 'pause' && this.env.hidden());
  }

  /**
   * Resolves after `ms` (stretched while hidden), early on `visible`/`online`, never while
   * blocked; `onBlocked` is called when the wait is held by offline or a paused hidden tab.
   * Resolves at once when `signal` aborts.
   */
  wait(ms: number, signal: AbortSignal, onBlocked?: () => void): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        unwatch();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const arm = (delay: number) => {
        clearTimeout(timer);
        if (this.blocked()) onBlocked?.();
        else timer = setTimeout(done, this.env.hidden() ? delay * this.hiddenFactor : delay);
      };
      const unwatch = this.env.watch((change) => {
        if ((change === 'visible' || change === 'online') && !this.blocked()) done();
        else arm(ms);
      });
      signal.addEventListener('abort', done);
      if (signal.aborted) done();
      else arm(ms);
    });
  }

  /**
   * A signal for one request or stream: it aborts with `parent`, when the browser goes
   * offline (the connection is dead then, whatever the socket says), and when the tab is
   * hidden under the `pause` policy, or by `abort()`. Call `release` after.
   */
  attempt(parent: AbortSignal): { signal: AbortSignal; abort(): void; release(): void } {
    const controller = new AbortController();
    const abort = () => controller.abort();
    parent.addEventListener('abort', abort);
    const unwatch = this.env.watch((change) => {
      if (change === 'offline' || (change === 'hidden' && this.policy === 'pause')) abort();
    });
    if (parent.aborted) abort();
    return {
      signal: controller.signal,
      abort,
      release: () => {
        parent.removeEventListener('abort', abort);
        unwatch();
      },
    };
  }
}
