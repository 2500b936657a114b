import type { Express } from 'express';

/**
 * Tells when the app has taken the first request for a topic: the moment Tidings answers it
 * (its response head is written, so its start position is fixed). The matrix publishes from
 * that very moment, so a subscription is owed every event from its first request on — not
 * from when the client settled on a transport, and whatever nginx does with that response.
 */
export class FirstRequests {
  private readonly seen = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  /** Adds the watching middleware in front of Tidings (`/realtime`). */
  install(app: Express): void {
    app.use('/realtime', (req, res, next) => {
      const topics = [req.query.topic].flat().filter((topic) => typeof topic === 'string');
      const writeHead = res.writeHead;
      res.writeHead = ((...args: Parameters<typeof writeHead>) => {
        for (const topic of topics) this.answered(topic);
        return writeHead.apply(res, args);
      }) as typeof writeHead;
      next();
    });
  }

  private answered(topic: string): void {
    if (this.seen.has(topic)) return;
    this.seen.add(topic);
    this.waiting.get(topic)?.();
  }

  /** Resolves when the app answers the first request for `topic`; call it before subscribing. */
  of(topic: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.seen.has(topic)) resolve();
      else this.waiting.set(topic, resolve);
    });
  }
}
