import { type RealtimeHandler, sendError } from '../http/handler.js';
import type { Hub } from '../hub/hub.js';
import { DISCONNECT_REASONS, TRANSPORTS } from '../hub/stats.js';
import { TidingsError } from '../wire/errors.js';

/** The Prometheus text exposition format version these metrics are written in. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample of a metric family; `name` is set for a histogram's `_bucket`, `_sum` and `_count`. */
export interface MetricSample {
  readonly name?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family, as Prometheus defines it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly samples: readonly MetricSample[];
}

const single = (value: number): MetricSample[] => [{ labels: {}, value }];

function family(
  name: string,
  type: MetricFamily['type'],
  help: string,
  samples: MetricSample[],
): MetricFamily {
  return { name, help, type, samples };
}

/** This hub's metrics as families (names and meaning in docs/operating.md). */
export function collectMetrics(hub: Hub): MetricFamily[] {
  const stats = hub.stats();
  const byTransport = (counts: Record<string, number>): MetricSample[] =>
    TRANSPORTS.map((transport) => ({ labels: { transport }, value: counts[transport] ?? 0 }));
  const latency = hub.latencyHistogram().snapshot();
  const histogram = 'tidings_publish_to_write_seconds';
  return [
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
      DISCONNECT_REASONS.map((reason) => ({ labels: { reason }, value: stats.disconnects[reason] })),
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
      { labels: { outcome: '200' }, value: stats.polls.ok },
      { labels: { outcome: '304' }, value: stats.polls.notModified },
      { labels: { outcome: 'timeout' }, value: stats.polls.timeout },
    ]),
    family(
      'tidings_slow_consumer_disconnects_total',
      'counter',
      'Streams closed because their client fell behind.',
      single(stats.disconnects['slow-consumer']),
    ),
    family(
      'tidings_slow_consumer_dropped_events_total',
      'counter',
      'Events slow streams skipped instead of disconnecting (drop-oldest, latest policies).',
      single(stats.slowConsumerDrops),
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
    family(
      histogram,
      'histogram',
      'Time from publish to the write to local subscribers, per event per node.',
      [
        ...latency.buckets.map(([bound, count]) => ({
          name: `${histogram}_bucket`,
          labels: { le: String(bound) },
          value: count,
        })),
        { name: `${histogram}_bucket`, labels: { le: '+Inf' }, value: latency.count },
        { name: `${histogram}_sum`, labels: {}, value: latency.sum },
        { name: `${histogram}_count`, labels: {}, value: latency.count },
      ],
    ),
  ];
}

function renderLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/**
 * This hub's metrics in the Prometheus text format. The first call starts recording the
 * publish→write latency histogram. To add them to a `prom-client` registry, see
 * {@link registerMetrics}.
 */
export function renderMetrics(hub: Hub): string {
  const lines: string[] = [];
  for (const { name, help, type, samples } of collectMetrics(hub)) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const sample of samples)
      lines.push(`${sample.name ?? name}${renderLabels(sample.labels)} ${sample.value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What {@link registerMetrics} registers: prom-client's custom-metric shape. */
export interface RegistrableMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: MetricFamily['type'];
    aggregator: 'sum';
    values: Array<{ metricName?: string; labels: Record<string, string>; value: number }>;
  }>;
  reset(): void;
}

/** A `prom-client` `Registry` (or anything with its `registerMetric`); prom-client itself is not a dependency. */
export interface MetricsRegistry {
  /**
   * prom-client types the parameter as its own metric classes; what is passed is a
   * {@link RegistrableMetric}, the custom-metric shape its registry reads at scrape time.
   */
  registerMetric(metric: never): void;
}

/**
 * Adds this hub's metrics to an existing `prom-client` registry (e.g. `register` from
 * `prom-client`), so one `/metrics` endpoint serves the app's and Tidings' metrics. Values are
 * read at scrape time. Starts recording the latency histogram.
 */
export function registerMetrics(hub: Hub, registry: MetricsRegistry): void {
  const register = registry.registerMetric.bind(registry) as (metric: RegistrableMetric) => void;
  for (const { name, help, type } of collectMetrics(hub)) {
    register({
      name,
      help,
      type,
      aggregator: 'sum',
      async get() {
        const current = collectMetrics(hub).find((candidate) => candidate.name === name);
        const values = (current?.samples ?? []).map((sample) => ({
          ...(sample.name === undefined ? {} : { metricName: sample.name }),
          labels: { ...sample.labels },
          value: sample.value,
        }));
        return { name, help, type, aggregator: 'sum', values };
      },
      reset() {},
    });
  }
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
