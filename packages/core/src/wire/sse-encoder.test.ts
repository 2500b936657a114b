import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { encodeEvent, encodePosition, encodePreamble } from './sse-encoder.js';

function parse(bytes: Buffer): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(bytes.toString('utf8'));
  return events;
}

describe('encodeEvent', () => {
  it('writes id, event and one data line per payload line, ending with a blank line', () => {
    const frame = encodeEvent({ id: 'e-1', event: 'note', data: 'a\r\nb\rc\nd' });
    expect(frame.toString()).toBe('id: e-1\nevent: note\ndata: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('omits event: for the default message type and keeps empty payloads', () => {
    expect(encodeEvent({ id: 'e-2', event: undefined, data: '' }).toString()).toBe('id: e-2\ndata: \n\n');
  });

  it("carries the event's topic in the id: field, after a space", () => {
    const frame = encodeEvent({ id: 'e-4', topic: 'user:7/inbox', event: undefined, data: 'x' });
    expect(frame.toString()).toBe('id: e-4 user:7/inbox\ndata: x\n\n');
    expect(parse(frame)).toEqual([{ id: 'e-4 user:7/inbox', event: undefined, data: 'x' }]);
  });

  it('round-trips through a spec parser, unicode included', () => {
    const data = 'ünïcødé 🎉\n  indented\n\ntrailing ';
    expect(parse(encodeEvent({ id: 'e-3', event: 'x', data }))).toEqual([{ id: 'e-3', event: 'x', data }]);
  });
});

describe('stream control frames', () => {
  it('opens with a comment and the retry delay, and announces a position without an event', () => {
    expect(encodePreamble(3210).toString()).toBe(': tidings\nretry: 3210\n\n');
    expect(encodePosition('e-9').toString()).toBe('id: e-9\n\n');
    expect(parse(encodePosition('e-9'))).toEqual([]);
  });
});
