/**
 * Exact gap detection on a JetStream stream.
 *
 * JetStream forgets messages in two ways, and both only ever drop a subject's OLDEST
 * messages: `max_msgs_per_subject` (count) never empties a subject, while `max_age` removes
 * a prefix of the whole stream (timestamps grow with the stream sequence). Every message
 * is appended with `Nats-Expected-Last-Subject-Sequence` = the topic's last sequence, which
 * the server checks and stores with the message: a back-link to the topic's predecessor
 * (`0` when the topic was empty). Given the first retained event of a topic after a
 * cursor, the back-link says whether an event between the two was dropped:
 *
 * - link > cursor: the predecessor is after the cursor and gone → `expired`.
 * - 0 < link ≤ cursor: nothing of the topic lies between → exact, no gap.
 * - link = 0: the topic was empty when this event was appended. Its earlier events, if it
 *   had any, were removed by age, so they are ≤ `agedSeq`, the newest sequence `max_age`
 *   may have removed. A cursor below `agedSeq` resets (conservatively); one at or after
 *   it is exact.
 * A topic with nothing retained after the cursor is exact when it still has an older
 * event (its newer ones would have been kept first), and otherwise follows the `link = 0`
 * rule. Retention by age is also applied with the broker's clock: a first event older
 * than `now - maxAgeMs` counts as dropped, exactly like the in-memory broker.
 */

/** The first retained event of a topic after the cursor. */
export interface FirstAfter {
  readonly seq: number;
  /** The topic's previous sequence when this event was appended (0: topic was empty). */
  readonly link: number;
  /** Publish time by the broker's clock, ms. */
  readonly time: number;
}

/** What a resume of one topic from `cursor` may lose. */
export interface TopicWindow {
  readonly cursor: number;
  /** First retained event after the cursor, if any. */
  readonly first: FirstAfter | undefined;
  /** Whether the topic has a retained event at or before the cursor (only asked when `first` is absent). */
  readonly olderRetained: () => Promise<boolean>;
  /** Newest sequence that retention by age may have removed from the stream (0: none). */
  readonly agedSeq: number;
  /** Events published before this time (broker clock) count as expired. */
  readonly oldestTime: number;
}

/** True when resuming the topic from `cursor` could skip an event: the resume must reset `expired`. */
export async function mayHaveGap(window: TopicWindow): Promise<boolean> {
  const { cursor, first, agedSeq } = window;
  if (first) {
    if (first.time < window.oldestTime || first.link > cursor) return true;
    return first.link === 0 && cursor < agedSeq;
  }
  if (cursor >= agedSeq) return false;
  return !(await window.olderRetained());
}
