import type { StoredEvent } from '../broker/broker.js';
import { encodeEvent, joinFrames } from '../wire/sse-encoder.js';
import type { Subscriber } from './subscriber.js';

/**
 * Subscribers written between two looks at the clock. A fan-out yields to the event loop (its
 * I/O, timers and publishers) only at these boundaries, and only once the turn has spent its
 * time budget.
 */
export const FAN_OUT_SLICE = 256;
/**
 * Time one turn of the event loop may spend on fan-out before yielding (ms). Long enough that a
 * broadcast to a few thousand sockets, or the wake of thousands of long-polls, goes out in one
 * or a few turns, as a hand-written loop would; short enough that other requests, timers and
 * per-user events never wait behind a whole 10,000-subscriber broadcast.
 */
export const FAN_OUT_BUDGET_MS = 20;
/** At most this many bytes of frames are joined into one write. */
const RUN_BYTES = 64 * 1024;
/** Delivered entries the queue drops from its front once it holds this many. */
const COMPACT_AT = 4096;

/** An event waiting for the fan-out in progress to finish. */
interface Queued {
  readonly subscribers: ReadonlySet<Subscriber>;
  readonly event: StoredEvent;
  readonly frame: Buffer;
}

/** Consecutive events of one topic on their way to its subscribers, together. */
interface Run {
  readonly events: StoredEvent[];
  readonly frames: Buffer[];
  /** The frames as one buffer (the frame itself for a run of one). */
  readonly joined: Buffer;
  /** The subscribers not yet written to. */
  readonly rest: Iterator<Subscriber>;
  /** Subscribers when the run started. */
  readonly size: number;
  /** The next subscriber, already taken off `rest` when the last slice ended. */
  carried: Subscriber | undefined;
}

/**
 * The delivery hot path: each event framed once and the same bytes handed to every local
 * subscriber of its topic, in the order events arrive, each exactly once.
 *
 * A fan-out that takes longer than {@link FAN_OUT_BUDGET_MS} (checked every
 * {@link FAN_OUT_SLICE} subscribers) goes on in the next turn of the event loop, and events
 * arriving meanwhile (a publisher outrunning the sockets) queue up; once the fan-out is through, each run of consecutive events of one topic
 * goes out as one joined buffer per subscriber — one write per socket rather than one per
 * event. So the busier the server, the fewer writes per event; an idle one writes at once.
 */
export class FanOut {
  /** Events waiting for the run in progress; `queueHead` is the next one to take. */
  private queue: Queued[] = [];
  private queueHead = 0;
  /** True while a run is being delivered (synchronously or between slices). */
  private running = false;
  private readonly resume = (run: Run): void => this.go(run);

  /** When the current turn of fan-out started (performance.now()). */
  private turnStart = 0;

  /**
   * @param delivered - called once a run reached every subscriber: its events and subscriber count.
   * @param budgetMs - time a turn may spend before yielding; 0 yields after every {@link FAN_OUT_SLICE}.
   */
  constructor(
    private readonly delivered: (events: readonly StoredEvent[], subscribers: number) => void,
    private readonly budgetMs = FAN_OUT_BUDGET_MS,
  ) {}

  /** True while a fan-out is in progress: an event delivered now, outside it, could overtake those queued. */
  get busy(): boolean {
    return this.running;
  }

  /** Delivers `event` to `subscribers` now, or after the events before it. */
  add(subscribers: ReadonlySet<Subscriber>, event: StoredEvent): void {
    const frame = encodeEvent(event);
    if (this.running) {
      this.queue.push({ subscribers, event, frame });
      return;
    }
    this.running = true;
    this.go(runOf(subscribers, [event], [frame], frame));
  }

  /** Writes `run` a slice at a time, then every queued run, until the queue is empty or a slice must wait. */
  private go(run: Run): void {
    this.turnStart = performance.now();
    let next: Run | undefined = run;
    try {
      while (next !== undefined) {
        if (!this.slice(next)) {
          setImmediate(this.resume, next);
          next = undefined;
          return;
        }
        this.delivered(next.events, next.size);
        next = this.take();
      }
      this.running = false;
    } finally {
      // A subscriber threw: the others still get the run, and the queue still drains.
      if (next !== undefined) setImmediate(this.resume, next);
    }
  }

  /** Writes the run until all have it (true) or the turn's budget is spent (false). */
  private slice(run: Run): boolean {
    const { events, frames, joined, rest } = run;
    const single = events.length === 1;
    let subscriber = run.carried;
    run.carried = undefined;
    for (let n = 0; ; n++) {
      if (subscriber === undefined) {
        const step = rest.next();
        if (step.done) return true;
        subscriber = step.value;
      }
      if (n === FAN_OUT_SLICE) {
        if (performance.now() - this.turnStart >= this.budgetMs) {
          // Taken off the iterator to learn whether the run is over: first in line next turn.
          run.carried = subscriber;
          return false;
        }
        n = 0;
      }
      if (single) subscriber.deliver(events[0] as StoredEvent, joined);
      else if (subscriber.deliverRun !== undefined) subscriber.deliverRun(events, frames, joined);
      else
        for (let i = 0; i < events.length; i++)
          subscriber.deliver(events[i] as StoredEvent, frames[i] as Buffer);
      subscriber = undefined;
    }
  }

  /**
   * The next run off the queue: its first event and those right after it on the same topic,
   * in ascending order, up to {@link RUN_BYTES}. Another topic's event in between starts a new
   * run, so a stream of several topics still gets every event in order.
   */
  private take(): Run | undefined {
    const { queue } = this;
    const first = queue[this.queueHead++];
    if (first === undefined) {
      this.queue = [];
      this.queueHead = 0;
      return undefined;
    }
    if (this.queueHead >= COMPACT_AT) {
      // A queue that never empties (a sustained overload) lets go of what it delivered.
      this.queue = queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    const events = [first.event];
    const frames = [first.frame];
    let bytes = first.frame.length;
    for (let next = queue[this.queueHead]; next !== undefined; next = queue[this.queueHead]) {
      const last = events[events.length - 1] as StoredEvent;
      if (next.subscribers !== first.subscribers || next.event.seq <= last.seq) break;
      if (bytes + next.frame.length > RUN_BYTES) break;
      events.push(next.event);
      frames.push(next.frame);
      bytes += next.frame.length;
      this.queueHead++;
    }
    const joined = frames.length === 1 ? first.frame : joinFrames(frames);
    return runOf(first.subscribers, events, frames, joined);
  }
}

function runOf(
  subscribers: ReadonlySet<Subscriber>,
  events: StoredEvent[],
  frames: Buffer[],
  joined: Buffer,
): Run {
  return { events, frames, joined, rest: subscribers.values(), size: subscribers.size, carried: undefined };
}
