import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { createSseParser, type ParsedEvent } from './sse-parser.js';

/** Feeds `chunks` to a fresh parser; returns what it dispatched (retries as `retry:<ms>`). */
function parse(chunks: readonly string[]): (ParsedEvent | string)[] {
  const out: (ParsedEvent | string)[] = [];
  const feed = createSseParser(
    (event) => out.push(event),
    (ms) => out.push(`retry:${ms}`),
  );
  for (const chunk of chunks) feed(chunk);
  return out;
}

describe('SSE parser (WHATWG event-stream rules)', () => {
  it('parses id, event and multi-line data; event defaults to message', () => {
    expect(parse(['id: 1\nevent: note\ndata: a\ndata: b\n\n', 'data: c\n\n'])).toEqual([
      { id: '1', event: 'note', data: 'a\nb' },
      { id: undefined, event: 'message', data: 'c' },
    ]);
  });

  it('ends lines with LF, CR or CRLF, also when a chunk ends between CR and LF', () => {
    expect(parse(['data: a\r', '\ndata: b\rdata: c\r\n', '\r', '\n'])).toEqual([
      { id: undefined, event: 'message', data: 'a\nb\nc' },
    ]);
  });

  it('holds a line split across chunks, even inside a multi-byte character', () => {
    expect(parse(['da', 'ta: h', 'éllo\n', '\n'])).toEqual([
      { id: undefined, event: 'message', data: 'héllo' },
    ]);
  });

  it('drops one space after the colon only; a field without a colon has an empty value', () => {
    expect(parse(['data:  two\ndata\ndata:x\n\n'])).toEqual([
      { id: undefined, event: 'message', data: ' two\n\nx' },
    ]);
  });

  it('ignores comments, unknown fields, an id with NUL and a retry that is not digits', () => {
    expect(parse([': tidings\nfoo: bar\nid: a\0b\nretry: 1s\nretry: 250\ndata: x\n\n'])).toEqual([
      'retry:250',
      { id: undefined, event: 'message', data: 'x' },
    ]);
  });

  it('dispatches nothing for a block without data, and resets the event name after each dispatch', () => {
    expect(parse(['id: 5\n\nevent: a\n\ndata: x\n\n'])).toEqual([
      { id: undefined, event: 'message', data: 'x' },
    ]);
  });

  it('does not dispatch an unterminated event', () => {
    expect(parse(['data: x\n'])).toEqual([]);
  });

  it('dispatches when the CR of a blank line comes in the chunk after a CR-ended line', () => {
    // eventsource-parser 3.1.1 misses this one (it dispatches the same text given whole).
    expect(parse(['data: a\r', '\r', 'x'])).toEqual([{ id: undefined, event: 'message', data: 'a' }]);
  });

  it('cut into random chunks, agrees with eventsource-parser given the whole stream', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const pieces = [
      'data',
      'data:',
      'data: ',
      'id: ',
      'event: ',
      'retry: ',
      ':',
      'x',
      ' y',
      'é',
      '12',
      '\n',
      '\r',
      '\r\n',
    ];
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += pick(pieces);
      const chunks: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(random() * 6);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      const reference: (ParsedEvent | string)[] = [];
      const parser = createParser({
        onEvent: ({ id, event, data }) => reference.push({ id, event: event ?? 'message', data }),
        onRetry: (ms) => reference.push(`retry:${ms}`),
      });
      parser.feed(text);
      expect(parse(chunks), JSON.stringify(chunks)).toEqual(reference);
    }
  });
});
