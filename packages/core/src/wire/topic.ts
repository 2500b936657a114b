import { TidingsError } from './errors.js';

/** Longest topic name accepted, in characters. */
export const MAX_TOPIC_LENGTH = 128;

/**
 * Topic names: 1–128 characters from `A–Z a–z 0–9 _ - . : @ /`.
 * No wildcards, whitespace, commas or control characters, so a topic can never be
 * mistaken for a pattern or smuggle bytes into a header, key or stream.
 */
const TOPIC = /^[A-Za-z0-9_.:@/-]{1,128}$/;

/** Event names: a letter, then up to 63 of `A–Z a–z 0–9 _ - . :`. */
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

/** Event names the protocol itself uses; publishing them would confuse clients. */
const RESERVED_EVENT_NAMES = new Set(['reset', 'auth-expired', 'error']);

export function isValidTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && TOPIC.test(topic);
}

/** Throws `invalid-topic` unless `topic` is a valid topic name. */
export function assertTopic(topic: unknown): asserts topic is string {
  if (!isValidTopic(topic)) {
    const shown = typeof topic === 'string' ? JSON.stringify(topic.slice(0, 40)) : typeof topic;
    throw new TidingsError(
      'invalid-topic',
      `Invalid topic ${shown}: use 1-${MAX_TOPIC_LENGTH} characters from A-Z a-z 0-9 _ - . : @ /`,
    );
  }
}

/** Throws `invalid-event-name` unless `name` is a publishable event name. */
export function assertEventName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !EVENT_NAME.test(name) || RESERVED_EVENT_NAMES.has(name)) {
    throw new TidingsError(
      'invalid-event-name',
      'Invalid event name: a letter then up to 63 of A-Z a-z 0-9 _ - . : (reset, auth-expired and error are reserved)',
    );
  }
}
