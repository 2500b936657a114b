import { TidingsError } from './errors.js';
import { type RealtimeHandler, sendError } from './handler.js';
import type { Hub } from './hub.js';
import { DISCONNECT_REASONS, TRANSPORTS } from './stats.js';

/** The Prometheus text exposition format version these metrics are written in. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Sample = readonly [labels: string, value: number];

/** One metric family: `# HELP`, `# TYPE` and its samples. */
function family(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  return lines.join('\n');
}

const single = (value: number): Sample[] => [['', value]];

/**
 * This hub's metrics in the Prometheus text format (names and labels in docs/operating.md).
 * The first call starts recording the publish→write latency histogram. To serve them next
 * to a `prom-client` registry, concatenate: `(await register.metrics()) + renderMetrics(hub)`.
 */
export function renderMetrics(hub: Hub): string {
  const stats = hub.stats();
  const latency = hub.latencyHistogram().snapshot();
  const byTransport = (counts: Record<string, number>): Sample[] =>
    TRANSPORTS.map((transport) => [`{transport="${transport}"}`, counts[transport] ?? 0]);
  const families = [
    family(
      'tidings_open_connections',
      'gauge',
      'Open connections by transport.',
      byTransport(stats.connections),
    ),
    family(
      'tidings_connections_total',
      'counter',
      'Connections accepted, by transport.',
      byTransport(stats.connects),
    ),
    family(
      'tidings_disconnects_total',
      'counter',
      'Ended connections by reason.',
      DISCONNECT_REASONS.map((reason) => [`{reason="${reason}"}`, stats.disconnects[reason]]),
    ),
    family(
      'tidings_long_polls_waiting',
      'gauge',
      'Long-polls held open, waiting for an event.',
      single(stats.connections.longPoll),
    ),
    family(
      'tidings_subscribed_topics',
      'gauge',
      'Topics with local subscribers (one broker subscription each).',
      single(stats.topics),
    ),
    family(
      'tidings_events_published_total',
      'counter',
      'Events published through this hub.',
      single(stats.published),
    ),
    family(
      'tidings_deliveries_total',
      'counter',
      'Live events handed to local subscribers (events x subscribers).',
      single(stats.deliveries),
    ),
    family(
      'tidings_written_bytes_total',
      'counter',
      'Response bytes written: SSE frames, heartbeats, poll bodies.',
      single(stats.bytesWritten),
    ),
    family(
      'tidings_replayed_events_total',
      'counter',
      'Events replayed from history (SSE resumes, polls).',
      single(stats.replayed),
    ),
    family(
      'tidings_resets_total',
      'counter',
      'Resets sent because a cursor could not be continued.',
      single(stats.resets),
    ),
    family('tidings_poll_responses_total', 'counter', 'Poll and long-poll responses by outcome.', [
      ['{outcome="200"}', stats.polls.ok],
      ['{outcome="304"}', stats.polls.notModified],
      ['{outcome="timeout"}', stats.polls.timeout],
    ]),
    family(
      'tidings_slow_consumer_disconnects_total',
      'counter',
      'Streams closed because their client fell behind.',
      single(stats.disconnects['slow-consumer']),
    ),
    family(
      'tidings_limit_rejections_total',
      'counter',
      'Requests refused by a connection limit (429).',
      single(stats.limitRejections),
    ),
    family(
      'tidings_broker_errors_total',
      'counter',
      'Failed broker calls and broker-reported errors.',
      single(stats.brokerErrors),
    ),
    family(
      'tidings_broker_reconnections_total',
      'counter',
      'Broker reconnections after an error.',
      single(stats.brokerReconnections),
    ),
    family('tidings_draining', 'gauge', '1 while the hub is closing, else 0.', single(hub.closed ? 1 : 0)),
  ];
  const histogram = [
    '# HELP tidings_publish_to_write_seconds Time from publish to the write to local subscribers, per event per node.',
    '# TYPE tidings_publish_to_write_seconds histogram',
    ...latency.buckets.map(
      ([bound, count]) => `tidings_publish_to_write_seconds_bucket{le="${bound}"} ${count}`,
    ),
    `tidings_publish_to_write_seconds_bucket{le="+Inf"} ${latency.count}`,
    `tidings_publish_to_write_seconds_sum ${latency.sum}`,
    `tidings_publish_to_write_seconds_count ${latency.count}`,
  ].join('\n');
  return `${families.join('\n')}\n${histogram}\n`;
}

/**
 * A Prometheus scrape endpoint (`GET`), mountable like any `RealtimeHandler`, e.g.
 * `app.get('/metrics', toNodeHandler(createMetricsHandler(rt.hub)))`. Creating it starts
 * recording the latency histogram. Protect it like any internal endpoint.
 */
export function createMetricsHandler(hub: Hub): RealtimeHandler<unknown> {
  hub.latencyHistogram();
  return async (req, sink) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(sink, new TidingsError('method-not-allowed', 'Use GET'));
      return;
    }
    sink.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
    sink.end(req.method === 'HEAD' ? undefined : renderMetrics(hub));
  };
}
