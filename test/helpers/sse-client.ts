import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * A parsed SSE message, its `id:` field split into the event id and the topic the server
 * puts after a space (`id: <epoch>-<seq> <topic>`; PROTOCOL.md).
 */
export interface SseEvent extends EventSourceMessage {
  /** The event's topic; undefined on frames without one (resets). */
  readonly topic?: string;
}

/** A parsed SSE message plus the comments (heartbeats) and retry values seen. */
export interface SseConnection {
  readonly status: number;
  readonly headers: Headers;
  readonly events: SseEvent[];
  readonly comments: string[];
  readonly retries: number[];
  /** The last `id:` field seen, as is (topic included), like EventSource's lastEventId. */
  readonly lastEventId: string | undefined;
  /** Resolves once `count` events arrived in total (rejects if the stream ends first). */
  waitForEvents(count: number): Promise<SseEvent[]>;
  /** Resolves once a comment arrives whose text satisfies `test`. */
  waitForComment(test: (comment: string) => boolean): Promise<void>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream with `fetch` and parses it with eventsource-parser — a real streaming client. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  let lastEventId: string | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const parser = createParser({
    onEvent(message) {
      if (message.id !== undefined) lastEventId = message.id;
      const space = message.id?.indexOf(' ') ?? -1;
      events.push(
        space === -1
          ? message
          : { ...message, id: message.id!.slice(0, space), topic: message.id!.slice(space + 1) },
      );
      notify();
    },
    onComment(comment) {
      comments.push(comment);
      notify();
    },
    onRetry(retry) {
      retries.push(retry);
    },
  });
  let done = false;
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    } catch {
      // aborted or reset: the stream is over either way
    } finally {
      done = true;
      notify();
    }
  })();
  const until = (ready: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (ready()) {
          waiters.delete(check);
          resolve();
        } else if (done) {
          waiters.delete(check);
          reject(new Error(`stream ended before ${what}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    retries,
    get lastEventId() {
      return lastEventId;
    },
    waitForEvents: async (count) => {
      await until(() => events.length >= count, `${count} events (got ${events.length})`);
      return events.slice(0, count);
    },
    waitForComment: (test) => until(() => comments.some(test), 'the expected comment'),
    ended,
    close: () => controller.abort(),
  };
}
