import { type Browser, chromium } from 'playwright-core';
import type { AppOptions } from '../client/app.js';
import { type ClientTestApp, startApp } from '../client/app.js';
import { bundleClient } from '../client/bundle.js';
import { CHROMIUM_PATH } from '../helpers/services.js';

/** Headless Chromium from the system package, with `extraArgs` (e.g. `--ignore-certificate-errors`). */
export function launchChromium(...extraArgs: string[]): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

/**
 * The test page: loads the esbuild browser bundle of @tidings/client (global `Tidings`) and
 * offers `start(options)`, recording every event's `n`, id and arrival time (`Date.now()`),
 * every state, every reset's reason and every error in `window`.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>tidings client test</title>
<script src="/client.js"></script>
<script>
  window.received = [];
  window.ids = [];
  window.times = [];
  window.topics = [];
  window.states = [];
  window.errors = [];
  window.resets = [];
  window.start = (options) => {
    window.startedAt = Date.now();
    window.sub = Tidings.subscribe('/realtime', {
      topics: ['t'],
      ...options,
      onEvent: (event) => { window.received.push(event.data.n); window.ids.push(event.id); window.topics.push(event.topic); window.times.push(Date.now()); },
      onReset: (reset) => window.resets.push(reset.reason),
      onStateChange: (state, transport) => window.states.push(state + '/' + transport),
      onError: (error, info) => window.errors.push(info.source + (info.fatal ? ' (fatal)' : '') + ': ' + error.message),
    });
  };
  /** Makes fetch answer event streams without a body, as where fetch cannot stream: native EventSource takes over. */
  window.withoutFetchStreaming = () => {
    const fetch = window.fetch;
    window.fetch = (input, init) =>
      String(new Headers(init && init.headers).get('accept')).includes('text/event-stream')
        ? Promise.resolve(new Response(null, { status: 200 }))
        : fetch(input, init);
  };
  /** Pretends the tab was hidden or shown, as the browser does when the user switches tabs. */
  window.setHidden = (hidden) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  };
</script>`;

/** A real Express app over HTTP/1.1 serving Tidings at /realtime, the test page at / and the client bundle. */
export async function startPageApp(options: AppOptions = {}): Promise<ClientTestApp> {
  const bundle = await bundleClient('iife');
  return startApp({
    ...options,
    routes(app) {
      options.routes?.(app);
      app.get('/', (_req, res) => {
        res.type('html').send(PAGE);
      });
      app.get('/client.js', (_req, res) => {
        res.type('js').send(bundle);
      });
    },
  });
}

/** The shape of the test page's globals, for `page.evaluate`. */
export interface TestWindow {
  received: number[];
  ids: string[];
  /** `Date.now()` at each event's arrival. */
  times: number[];
  topics: string[];
  states: string[];
  /** `<source>[ (fatal)]: <message>` for each `onError` call. */
  errors: string[];
  resets: string[];
  /** `Date.now()` when `start` was called. */
  startedAt: number;
  sub: { state: string; transport: string; close(): void };
  start(options: Record<string, unknown>): void;
  setHidden(hidden: boolean): void;
  withoutFetchStreaming(): void;
}
