export { AUTH_EXPIRED_FRAME } from './auth/auth-expired.js';
export { EXPIRY_RESOLUTION_MS } from './auth/expiry-schedule.js';
export { type MintTokenOptions, mintToken, type SigningKey } from './auth/mint-token.js';
export {
  type TokenAlgorithm,
  type TokenAuth,
  type TokenAuthOptions,
  type TokenClaims,
  tokenAuth,
} from './auth/token.js';
export type { TokenSourceOptions } from './auth/token-source.js';
export { isValidTopicPattern, TopicGrant } from './auth/topic-pattern.js';
export type {
  Broker,
  BrokerHealth,
  BrokerMonitor,
  EventListener,
  HistoryResult,
  PublishRequest,
  ResetReason,
  RetentionOptions,
  StoredEvent,
} from './broker.js';
export { CONNECTION_ID_HEADER, type Connection } from './connection.js';
export { type Cors, type CorsOptions, createCors } from './cors.js';
export { createDebugHandler, type DebugHandlerOptions, type DebugSnapshot, debugSnapshot } from './debug.js';
export type { CloseOptions } from './drain.js';
export { type ErrorCode, isTidingsError, TidingsError } from './errors.js';
export { type Cursor, formatEventId, MAX_CURSOR_LENGTH, newEpoch, parseEventId } from './event-id.js';
export { type FrameworkResponse, toFrameworkSink } from './framework-sink.js';
export {
  createHandler,
  type ErrorRouting,
  type HandlerOptions,
  type MaybePromise,
  type RealtimeHandler,
  sendError,
} from './handler.js';
export { createHealthHandler, type HubHealth } from './health.js';
export {
  createHub,
  type EventData,
  type EventMap,
  Hub,
  type PublishOptions,
  type Subscriber,
} from './hub.js';
export { type HistogramSnapshot, LATENCY_BUCKETS, LatencyHistogram } from './latency-histogram.js';
export type {
  ConnectInfo,
  DisconnectInfo,
  ErrorInfo,
  LifecycleOptions,
  Logger,
  LogLevel,
  PublishInfo,
} from './lifecycle.js';
export {
  type ConnectionKind,
  ConnectionLimiter,
  type LimiterSnapshot,
  type LimitOptions,
  type ResolvedLimits,
} from './limits.js';
export { DEFAULT_RETENTION, MemoryBroker } from './memory-broker.js';
export {
  collectMetrics,
  createMetricsHandler,
  METRICS_CONTENT_TYPE,
  type MetricFamily,
  type MetricSample,
  type MetricsRegistry,
  type RegistrableMetric,
  registerMetrics,
  renderMetrics,
} from './metrics.js';
export { toFetchHandler, toNodeHandler } from './mount.js';
export {
  createNodeHandler,
  type NodeHandler,
  type NodeRequest,
  type NodeResponse,
  toRealtimeRequest,
  toResponseSink,
} from './node.js';
export type { HubOptions, PollAdviceOptions } from './options.js';
export type { PollBody, PollEvent } from './poll.js';
export { PublishIds } from './publish-ids.js';
export { type AdapterOptions, type AdapterSpec, type RealtimeApi, realtimeApi } from './realtime-api.js';
export { markServed, type Served, servedBy, warnServedTwice } from './served-path.js';
export type { SlowConsumerOption, SlowConsumerPolicy } from './slow-consumer.js';
export { encodeEvent } from './sse-encoder.js';
export {
  type CounterName,
  DISCONNECT_REASONS,
  type DisconnectReason,
  type HubStats,
  TRANSPORTS,
  type Transport,
} from './stats.js';
export { assertEventName, assertTopic, isValidTopic, MAX_TOPIC_LENGTH } from './topic.js';
export type { RealtimeRequest, ResponseSink } from './transport.js';
export {
  aFunction,
  aString,
  check,
  checkOptions,
  isThenable,
  type NestedOptions,
  nested,
  type OptionCheck,
  type OptionSchema,
  oneOf,
  wholeNumber,
  withMethods,
} from './validate.js';
export { createFetchHandler, type FetchHandler, fromFetchRequest, WebResponseSink } from './web.js';
export { wellFormed } from './well-formed.js';
