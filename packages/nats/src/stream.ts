import { createHash } from 'node:crypto';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';

/** The hub's stream: one subject per topic under `<prefix>.>`, limits per subject. */
export interface HubStreamSpec {
  readonly name: string;
  readonly prefix: string;
  readonly maxEvents: number;
  readonly maxAgeMs: number;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
}

const NANOS_PER_MS = 1_000_000;

function streamConfig(spec: HubStreamSpec): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: [`${spec.prefix}.>`],
    max_msgs_per_subject: spec.maxEvents,
    max_age: spec.maxAgeMs * NANOS_PER_MS,
    discard: DiscardPolicy.Old,
    storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: spec.replicas,
    allow_direct: true,
  };
}

/**
 * Creates the stream, or brings an existing one's retention in line with `spec` (the last
 * node to start wins, so every node should be configured alike). Safe to race.
 */
export async function ensureStream(jsm: JetStreamManager, spec: HubStreamSpec): Promise<StreamInfo> {
  const wanted = streamConfig(spec);
  const existing = await streamInfo(jsm, spec.name);
  if (!existing) {
    try {
      return await jsm.streams.add(wanted);
    } catch (error) {
      const raced = await streamInfo(jsm, spec.name);
      if (!raced) throw error;
      return raced;
    }
  }
  const { config } = existing;
  if (
    config.max_msgs_per_subject === wanted.max_msgs_per_subject &&
    config.max_age === wanted.max_age &&
    config.allow_direct &&
    config.subjects.includes(`${spec.prefix}.>`)
  ) {
    return existing;
  }
  return jsm.streams.update(spec.name, {
    subjects: [...new Set([...config.subjects, `${spec.prefix}.>`])],
    max_msgs_per_subject: wanted.max_msgs_per_subject,
    max_age: wanted.max_age,
    allow_direct: true,
  });
}

/** Stream info, or `null` when the stream does not exist. */
export async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return null;
    throw error;
  }
}

/**
 * The epoch of a stream: derived from its name and creation time (nanoseconds), so every
 * node computes the same one, a server restart keeps it, and a deleted and recreated
 * stream gets a new one (old cursors then reset `unknown`).
 */
export function epochOf(info: StreamInfo): string {
  return createHash('sha256').update(`${info.config.name}\n${info.created}`).digest('hex').slice(0, 12);
}

/** Allowance for clock skew between this node and the NATS server. */
const CLOCK_SKEW_MS = 5_000;

/**
 * The newest sequence the stream may have dropped by removing its oldest messages
 * (`max_age`, stream-wide limits): 0 while the stream is younger than its `max_age` and has
 * no stream-wide limit, else everything before the first retained message.
 */
export function prefixDroppedSeq(info: StreamInfo, nowMs: number): number {
  const { config, state } = info;
  const maxAgeMs = config.max_age / NANOS_PER_MS;
  const ageMs = nowMs - Date.parse(info.created);
  const agedYet = maxAgeMs > 0 && ageMs + CLOCK_SKEW_MS >= maxAgeMs;
  const streamLimits = config.max_msgs > 0 || config.max_bytes > 0;
  return agedYet || streamLimits ? Math.max(0, state.first_seq - 1) : 0;
}
