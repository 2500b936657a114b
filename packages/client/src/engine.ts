import { hasEventSource, streamEventSource } from './eventsource.js';
import type { Feed, Outcome } from './feed.js';
import { TidingsHttpError } from './http-error.js';
import type { Pacer } from './pacer.js';
import { pollOnce } from './poll.js';
import type { RequestSettings } from './request.js';
import { backoff, PollSchedule } from './schedule.js';
import { type StreamTiming, streamSse } from './sse.js';
import type { Transport } from './types.js';

/** SSE attempts failing in a row (no data at all) before `auto` falls back to long-poll. */
export const SSE_FAILURE_LIMIT = 3;
/** Long-polls cut by the network in a row before `auto` falls back to interval polling. */
export const LONG_POLL_CUT_LIMIT = 2;
/** Upgrade probes back off by doubling, at most this many times. */
export const UPGRADE_DOUBLINGS = 5;

/** The settings of one subscription's connection loop. */
export interface EngineSettings {
  readonly request: RequestSettings;
  readonly feed: Feed;
  readonly pacer: Pacer;
  readonly transport: 'auto' | Transport;
  readonly timing: StreamTiming;
  readonly eventNames: readonly string[];
  readonly longPollWaitSeconds: number;
  readonly upgradeAfterMs: number;
}

type Rung = 'stream' | 'long-poll' | 'poll';

/**
 * The transport ladder. `auto` starts with SSE; a stream that opens but carries no byte
 * within the stall bound (a buffering proxy), or that fails {@link SSE_FAILURE_LIMIT} times
 * in a row, drops to long-poll; long-polls cut {@link LONG_POLL_CUT_LIMIT} times in a row
 * drop to interval polling. While degraded, an SSE probe runs now and then (jittered,
 * doubling gaps from `upgradeAfterMs`) alongside the polls; the moment its first byte
 * arrives, polling stops and the probe becomes the stream. Every request carries the
 * feed's cursor, and the feed drops ids it has seen, so a switch loses and repeats nothing.
 */
export class Engine {
  private rung: Rung;
  private flavour: 'sse' | 'eventsource';
  private readonly auto: boolean;
  private readonly schedule = new PollSchedule();
  private upgrades = 0;

  constructor(
    private readonly settings: EngineSettings,
    private readonly signal: AbortSignal,
  ) {
    const { transport } = settings;
    this.auto = transport === 'auto';
    this.flavour = transport === 'eventsource' ? 'eventsource' : 'sse';
    this.rung = transport === 'long-poll' || transport === 'poll' ? transport : 'stream';
  }

  /** Runs until the signal aborts; rejects with a fatal {@link TidingsHttpError}. */
  async run(): Promise<void> {
    let failures = 0;
    let adopted: Promise<Outcome> | undefined;
    while (!this.signal.aborted) {
      if (this.rung !== 'stream') {
        adopted = (await this.degraded())?.probe;
        failures = 0;
        continue;
      }
      if (!adopted) this.status('connecting');
      const attempt = this.settings.pacer.attempt(this.signal);
      const outcome = await (adopted ?? this.stream(attempt.signal, () => this.status('open')));
      attempt.release();
      adopted = undefined;
      if (this.signal.aborted) return;
      if (outcome === 'unsupported') {
        this.unsupported();
        continue;
      }
      if (outcome === 'ended' || outcome === 'aborted') failures = 0;
      else failures++;
      if (this.auto && (outcome === 'stalled' || failures >= SSE_FAILURE_LIMIT)) {
        this.rung = 'long-poll';
        continue;
      }
      const { timing } = this.settings;
      const delay = Math.max(backoff(failures, timing.retryMs), timing.retryAfterMs ?? 0);
      timing.retryAfterMs = undefined;
      await this.pause(delay, this.signal);
    }
  }

  private get transport(): Transport {
    return this.rung === 'stream' ? this.flavour : this.rung;
  }

  private status(state: 'connecting' | 'open' | 'polling' | 'offline'): void {
    this.settings.feed.status(state, this.transport);
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return this.settings.pacer.wait(ms, signal, () => this.status('offline'));
  }

  /** Fetch streaming is missing here: native EventSource if it can do the job, else polling. */
  private unsupported(): void {
    const { headers, getToken } = this.settings.request;
    if (this.flavour === 'sse' && hasEventSource() && !headers && !getToken) this.flavour = 'eventsource';
    else if (this.auto) this.rung = 'long-poll';
    else throw new Error(`Tidings: transport '${this.flavour}' is not available in this runtime`);
  }

  private async stream(signal: AbortSignal, onAlive: () => void): Promise<Outcome> {
    const { request, feed, timing, eventNames } = this.settings;
    if (this.flavour === 'sse') return streamSse(request, feed, timing, signal, onAlive);
    if (feed.cursor === undefined) {
      // EventSource cannot read the Tidings-Cursor header: learn the start position first.
      try {
        await pollOnce(request, feed, 0, signal);
      } catch (error) {
        if (error instanceof TidingsHttpError && error.fatal) throw error;
        return signal.aborted ? 'aborted' : 'failed';
      }
    }
    return streamEventSource(request, feed, eventNames, signal, onAlive);
  }

  /**
   * Long-polls or polls until aborted or until an upgrade probe comes alive; returns that
   * probe's connection, which the caller adopts as its stream.
   */
  private async degraded(): Promise<{ probe: Promise<Outcome> } | undefined> {
    const { request, feed, longPollWaitSeconds } = this.settings;
    const polling = new AbortController();
    const probing = new AbortController();
    const stop = () => {
      polling.abort();
      probing.abort();
    };
    this.signal.addEventListener('abort', stop);
    let probe: Promise<Outcome> | undefined;
    let alive = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const scheduleProbe = () => {
      if (!this.auto || this.flavour !== 'sse') return;
      const gap = this.settings.upgradeAfterMs * 2 ** Math.min(this.upgrades++, UPGRADE_DOUBLINGS);
      timer = setTimeout(
        () => {
          const onAlive = () => {
            alive = true;
            this.upgrades = 0;
            this.rung = 'stream';
            polling.abort();
            this.status('open');
          };
          const attempt = this.settings.pacer.attempt(probing.signal);
          probe = this.stream(attempt.signal, onAlive)
            .catch((): Outcome => 'failed')
            .finally(() => attempt.release());
          probe.then((outcome) => {
            if (alive || polling.signal.aborted) return;
            // SSE still cannot get through; try long-poll again if we had fallen to polling.
            if (outcome === 'stalled' && this.rung === 'poll') this.rung = 'long-poll';
            scheduleProbe();
          });
        },
        gap / 2 + (Math.random() * gap) / 2,
      );
    };
    scheduleProbe();
    let cuts = 0;
    try {
      while (!polling.signal.aborted) {
        // Without a position yet, a plain poll learns it at once (a long-poll would hold first).
        const holding = this.rung === 'long-poll';
        const long = holding && feed.cursor !== undefined;
        const started = Date.now();
        let delay: number;
        const attempt = this.settings.pacer.attempt(polling.signal);
        try {
          const result = await pollOnce(request, feed, long ? longPollWaitSeconds : 0, attempt.signal);
          const elapsedMs = Date.now() - started;
          this.status('polling');
          cuts = 0;
          const held = elapsedMs >= (longPollWaitSeconds * 1000) / 2;
          delay =
            holding && (!long || result.events > 0 || held)
              ? 0
              : this.schedule.next({ ...result, elapsedMs });
        } catch (error) {
          if (polling.signal.aborted) break;
          if (error instanceof TidingsHttpError && error.fatal) throw error;
          this.status('connecting');
          const retryAfterMs = error instanceof TidingsHttpError ? error.retryAfterMs : undefined;
          delay = this.schedule.next({ events: 0, failed: true, retryAfterMs });
          if (this.auto && holding && ++cuts >= LONG_POLL_CUT_LIMIT) {
            // Held requests do not survive this network; short ones may: poll at once.
            this.rung = 'poll';
            cuts = 0;
            this.schedule.recover();
            delay = 0;
          }
        } finally {
          attempt.release();
        }
        await this.pause(delay, polling.signal);
      }
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', stop);
      if (!alive) probing.abort();
    }
    return alive && probe ? { probe } : undefined;
  }
}
