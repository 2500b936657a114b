import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppOptions } from '../client/app.js';
import { selfSignedCertificate } from '../helpers/certificate.js';
import type { AccessLogLine } from '../helpers/nginx.js';

/** One nginx setup of the proxy matrix, in front of the HTTP/1.1 test app. */
export interface ProxyCase {
  readonly name: string;
  /** How many listening ports the config needs; clients connect to the first. */
  readonly ports: number;
  /** The entry point speaks TLS (and HTTP/2). */
  readonly tls?: boolean;
  /** Hub options of the app behind nginx. */
  readonly app?: AppOptions;
  /** The transport both clients must be on at the end: what this proxy allows. */
  readonly reaches: 'sse' | 'long-poll' | 'poll';
  /** Subscribe options of both clients (e.g. a forced transport). */
  readonly client?: Record<string, unknown>;
  /** The `http {}` body: `ports` are free ports, `upstream` is the app's `127.0.0.1:<port>`. */
  config(ports: readonly number[], upstream: string, dir: string): string;
  /** Checks, on nginx's access log after both clients closed, that nginx did what the case claims. */
  check?(log: AccessLogLine[]): boolean;
}

/** A topic request of the test clients (not the page or the bundle). */
const isTopicRequest = (line: AccessLogLine) => line.uri.startsWith('/realtime?');

/** Short enough to cut the stream between the matrix's bursts: see `SCHEDULE` in matrix.test.ts. */
const READ_TIMEOUT_S = 1;

export const PROXY_CASES: readonly ProxyCase[] = [
  {
    name: 'stock proxy_pass',
    reaches: 'sse',
    ports: 1,
    config: ([port], upstream) => `
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://${upstream}; }
  }`,
  },
  {
    name: 'proxy_buffering on, X-Accel-Buffering ignored',
    reaches: 'long-poll',
    ports: 1,
    config: ([port], upstream) => `
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_buffering on;
      proxy_ignore_headers X-Accel-Buffering;
    }
  }`,
  },
  {
    // The inner hop honours X-Accel-Buffering and, as nginx does, does not pass it on: the
    // outer hop buffers. Two server blocks of one nginx process make the same two TCP hops.
    name: 'two stock nginx chained',
    reaches: 'long-poll',
    ports: 2,
    config: ([outer, inner], upstream) => `
  server {
    listen 127.0.0.1:${outer};
    location / { proxy_pass http://127.0.0.1:${inner}; }
  }
  server {
    listen 127.0.0.1:${inner};
    location / { proxy_pass http://${upstream}; }
  }`,
  },
  {
    name: `proxy_read_timeout ${READ_TIMEOUT_S} s < heartbeat 3 s`,
    reaches: 'sse',
    ports: 1,
    app: { heartbeatMs: 3_000 },
    config: ([port], upstream) => `
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_read_timeout ${READ_TIMEOUT_S}s;
    }
  }`,
    // nginx ended streams during the pause: more than one stream per client.
    check: (log) => log.filter(isTopicRequest).length >= 4,
  },
  {
    name: 'gzip on for text/event-stream',
    reaches: 'sse',
    ports: 1,
    config: ([port], upstream) => `
  gzip on;
  gzip_types text/event-stream application/json;
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://${upstream}; }
  }`,
    check: (log) => log.some((line) => isTopicRequest(line) && line.encoding === 'gzip'),
  },
  {
    name: 'TLS + HTTP/2 at nginx, HTTP/1.1 app',
    reaches: 'sse',
    ports: 1,
    tls: true,
    config([port], upstream, dir) {
      const { key, cert } = selfSignedCertificate();
      writeFileSync(join(dir, 'key.pem'), key);
      writeFileSync(join(dir, 'cert.pem'), cert);
      return `
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / { proxy_pass http://${upstream}; }
  }`;
    },
    check: (log) => log.some((line) => isTopicRequest(line) && line.protocol === 'HTTP/2.0'),
  },
  {
    // Interval polls of a public topic: `Cache-Control: public, max-age=1` from the app.
    name: 'proxy_cache, polls of a public topic',
    reaches: 'poll',
    ports: 1,
    app: { publicTopics: () => true },
    client: { transport: 'poll' },
    config: ([port], upstream, dir) => `
  proxy_cache_path ${dir}/cache keys_zone=tidings:1m;
  # A poll without a cursor ("start from now") must reach the app: no cache, and no waiting on
  # proxy_cache_lock behind other fresh subscribers' uncacheable answers.
  map $arg_cursor $tidings_fresh { "" 1; default 0; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_cache tidings;
      proxy_cache_lock on;
      proxy_cache_use_stale updating;
      proxy_cache_background_update on;
      proxy_cache_bypass $tidings_fresh;
      proxy_no_cache $tidings_fresh;
    }
  }`,
    check: (log) => log.some((line) => isTopicRequest(line) && line.cache === 'HIT'),
  },
];

/** The cache case alone, for the many-pollers test. */
export const CACHE_CASE = PROXY_CASES.at(-1) as ProxyCase;
