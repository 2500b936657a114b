import { describe, expect, it } from 'vitest';
import { readQuery } from './query.js';

/** What URLSearchParams reads from the same URL: the parser must agree with it on every input. */
function reference(url: string) {
  const at = url.indexOf('?');
  const params = new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
  const first = (name: string) => params.get(name) ?? undefined;
  return {
    topics: params.getAll('topic'),
    cursor: first('cursor'),
    lastEventId: first('lastEventId'),
    wait: first('wait'),
  };
}

describe('readQuery', () => {
  it.each([
    '/realtime',
    '/realtime?',
    '/realtime?topic=a',
    '/realtime?topic=a&topic=b&cursor=1-2',
    '/realtime?topic=a&cursor=1-2&cursor=3-4&lastEventId=5-6&wait=20&wait=30',
    '/realtime?topic',
    '/realtime?topic=&topic=x',
    '/realtime?&&topic=a&&',
    '/realtime?topic=a%20b&topic=c+d&topic=%E2%9C%93',
    '/realtime?%74opic=encoded-name&wai%74=5',
    '/realtime?topic=bad%zzescape&topic=%&topic=%E2%9C',
    '/realtime?topic=a=b=c&cursor==1',
    '/realtime?other=1&topic=a?b&x',
    '/realtime?topic+=spaced-name&topic=ok',
  ])('reads %j as URLSearchParams does', (url) => {
    expect(readQuery(url)).toEqual(reference(url));
  });
});
