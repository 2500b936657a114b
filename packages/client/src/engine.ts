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
/**
 * The server writes its `: tidings` preamble together with the response headers, so the
 * first byte of a stream that gets through comes one round trip after the request. Under
 * `auto`, a stream that shows none within this many ms (or the stall bound, if shorter) is
 * taken for held by a proxy: the client long-polls, and keeps the stream open as its first
 * upgrade probe — a stream that was only slow still becomes the stream at its first byte.
 */
export const FIRST_BYTE_MS = 2_000;

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

/** One stream connection in flight. */
interface Attempt {
  readonly outcome: Promise<Outcome>;
  /** Called at the stream's first byte; replaced when the attempt becomes an upgrade probe. */
  onAlive: () => void;
  stop(): void;
}

/**
 * The transport ladder. A subscription without a position first learns it with a plain
 * poll, so that "from now" means from its first request whatever the transports after it.
 * `auto` then opens SSE; a stream with no byte within {@link FIRST_BYTE_MS} (a buffering
 * proxy), or failing {@link SSE_FAILURE_LIMIT} times in a row, drops to long-poll; long-polls
 * cut {@link LONG_POLL_CUT_LIMIT} times in a row drop to interval polling. While degraded,
 * an SSE probe runs now and then (jittered, doubling gaps from `upgradeAfterMs`) alongside
 * the polls; the moment its first byte arrives, polling stops and the probe becomes the
 * stream. Every request carries the feed's cursor, and the feed drops ids it has seen, so a
 * switch loses and repeats nothing.
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
    const { feed, timing } = this.settings;
    let failures = 0;
    /** A stream that came through as an upgrade probe, or one still waiting for its first byte. */
    let handed: Attempt | undefined;
    while (!this.signal.aborted) {
      if (this.rung !== 'stream') {
        handed = await this.degraded(handed);
        failures = 0;
        continue;
      }
      let current = handed;
      handed = undefined;
      let outcome: Outcome | undefined;
      if (!current) {
        this.status('connecting');
        outcome = await this.locate();
        if (!outcome) {
          current = this.open(this.signal, () => this.status('open'));
          if (this.auto && (await this.late(current))) {
            this.rung = 'long-poll';
            if (this.flavour === 'sse') handed = current;
            // Native EventSource is no upgrade probe: its `open` comes with the headers, which a
            // proxy may pass while it holds the body.
            else current.stop();
            continue;
          }
        }
      }
      outcome ??= await current?.outcome;
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
      if (outcome === 'stalled') {
        feed.error(new Error(`Tidings: no byte of the ${this.flavour} stream in ${timing.stallMs} ms`));
      }
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

  /**
   * Learns the start position with a plain poll (answered at once, so no proxy holds it),
   * unless the feed has one; resolves to the outcome of a failed poll.
   */
  private async locate(): Promise<Outcome | undefined> {
    const { request, feed, pacer } = this.settings;
    if (feed.cursor !== undefined) return;
    const attempt = pacer.attempt(this.signal);
    try {
      await pollOnce(request, feed, 0, attempt.signal);
    } catch (error) {
      return this.failed(error, attempt.signal);
    } finally {
      attempt.release();
    }
  }

  /** A request failed: a fatal refusal is thrown, anything else but an abort is reported. */
  private failed(error: unknown, signal: AbortSignal): Outcome {
    if (error instanceof TidingsHttpError && error.fatal) throw error;
    if (signal.aborted) return 'aborted';
    this.settings.feed.error(error);
    return 'failed';
  }

  /** Opens a stream from the feed's cursor. */
  private open(parent: AbortSignal, onAlive: () => void): Attempt {
    const { request, feed, timing, eventNames, pacer } = this.settings;
    const paced = pacer.attempt(parent);
    const alive = () => attempt.onAlive();
    const attempt: Attempt = {
      onAlive,
      stop: paced.abort,
      outcome: (this.flavour === 'sse'
        ? streamSse(request, feed, timing, paced.signal, alive)
        : streamEventSource(request, feed, timing, eventNames, paced.signal, alive)
      ).finally(paced.release),
    };
    return attempt;
  }

  /** Whether the stream shows no byte within {@link FIRST_BYTE_MS} (or the stall bound, if shorter). */
  private late(attempt: Attempt): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(FIRST_BYTE_MS, this.settings.timing.stallMs), true);
      const settle = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const onAlive = attempt.onAlive;
      attempt.onAlive = () => {
        settle();
        onAlive();
      };
      attempt.outcome.then(settle, settle);
    });
  }

  /**
   * Long-polls or polls until aborted or until an upgrade probe comes alive; returns that
   * probe, which the caller adopts as its stream. `pending`, a stream still waiting for its
   * first byte, is the first probe.
   */
  private async degraded(pending: Attempt | undefined): Promise<Attempt | undefined> {
    const { request, feed, longPollWaitSeconds } = this.settings;
    const polling = new AbortController();
    const probing = new AbortController();
    const stop = () => {
      polling.abort();
      probing.abort();
    };
    this.signal.addEventListener('abort', stop);
    let live: Attempt | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = (probe: Attempt) => {
      probe.onAlive = () => {
        live = probe;
        this.upgrades = 0;
        this.rung = 'stream';
        polling.abort();
        this.status('open');
      };
      probe.outcome
        .catch((): Outcome => 'failed')
        .then((outcome) => {
          if (live || polling.signal.aborted) return;
          // SSE still cannot get through; try long-poll again if we had fallen to polling.
          if (outcome === 'stalled' && this.rung === 'poll') this.rung = 'long-poll';
          scheduleProbe();
        });
    };
    const scheduleProbe = () => {
      if (!this.auto || this.flavour !== 'sse') return;
      const gap = this.settings.upgradeAfterMs * 2 ** Math.min(this.upgrades++, UPGRADE_DOUBLINGS);
      timer = setTimeout(
        () => (feed.cursor === undefined ? scheduleProbe() : watch(this.open(probing.signal, noop))),
        gap / 2 + (Math.random() * gap) / 2,
      );
    };
    if (pending) {
      probing.signal.addEventListener('abort', pending.stop);
      watch(pending);
    } else scheduleProbe();
    let cuts = 0;
    let through = false;
    try {
      while (!polling.signal.aborted) {
        // A plain poll comes first: answered at once, it shows that requests get through
        // (state `polling`) and brings what is waiting — or the position, if there is none yet.
        const holding = this.rung === 'long-poll';
        const long = holding && through;
        const started = Date.now();
        let delay: number;
        const attempt = this.settings.pacer.attempt(polling.signal);
        try {
          const result = await pollOnce(request, feed, long ? longPollWaitSeconds : 0, attempt.signal);
          const elapsedMs = Date.now() - started;
          this.status('polling');
          through = true;
          cuts = 0;
          const held = elapsedMs >= (longPollWaitSeconds * 1000) / 2;
          delay =
            holding && (!long || result.events > 0 || held)
              ? 0
              : this.schedule.next({ ...result, elapsedMs });
        } catch (error) {
          if (polling.signal.aborted) break;
          this.failed(error, attempt.signal);
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
      if (!live) probing.abort();
    }
    return live;
  }
}

function noop(): void {}
