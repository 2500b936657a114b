/**
 * Key and channel names of one hub in Redis. Every key carries the prefix as a hash tag
 * (`{tidings}:hub`, `{tidings}:s:<topic>`…), so all keys of a hub live in one Redis Cluster
 * slot: the publish script touches the sequence and a topic's stream atomically, which Cluster
 * only allows inside one slot.
 */
export interface HubKeys {
  /** Hash: `epoch`, `seq` (the hub-wide sequence), `forgotten` (newest seq of a dropped topic). */
  readonly hub: string;
  /** Hash: topic → highest seq trimmed from its stream. */
  readonly trimmed: string;
  /** Sorted set: topic → time of its last publish (finds idle topics to forget). */
  readonly topics: string;
  /** Sorted set: forgotten topic → when; their trim marks stay in `trimmed` until evicted. */
  readonly tombstones: string;
  /** Prefix of the per-topic streams, whose entry ids are `<seq>-0`. */
  readonly streamPrefix: string;
  /** Prefix of the per-topic pub/sub channels. */
  readonly channelPrefix: string;
  /** Prefix of the short-lived per-publish keys that make a retried publish idempotent. */
  readonly publishPrefix: string;
}

const PREFIX = /^[^{}\s]{1,64}$/;

/** Builds the key names of the hub stored under `prefix`. */
export function hubKeys(prefix: string): HubKeys {
  if (!PREFIX.test(prefix)) {
    throw new RangeError(
      `Tidings: Redis prefix must be 1-64 characters without braces or spaces, got "${prefix}"`,
    );
  }
  const tag = `{${prefix}}`;
  return {
    hub: `${tag}:hub`,
    trimmed: `${tag}:trimmed`,
    topics: `${tag}:topics`,
    tombstones: `${tag}:tombstones`,
    streamPrefix: `${tag}:s:`,
    channelPrefix: `${tag}:c:`,
    publishPrefix: `${tag}:p:`,
  };
}
