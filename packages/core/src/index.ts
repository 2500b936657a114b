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
} from './broker/broker.js';
export { DEFAULT_RETENTION, MemoryBroker } from './broker/memory-broker.js';
export { PublishIds } from './broker/publish-ids.js';
export { wellFormed } from './broker/well-formed.js';
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
} from './config/validate.js';
export type { PollBody, PollEvent } from './delivery/poll.js';
export { type Cors, type CorsOptions, createCors } from './http/cors.js';
export { type FrameworkResponse, toFrameworkSink } from './http/framework-sink.js';
export {
  createHandler,
  type ErrorRouting,
  type HandlerOptions,
  type MaybePromise,
  type RealtimeHandler,
  sendError,
} from './http/handler.js';
export { toFetchHandler, toNodeHandler } from './http/mount.js';
export {
  createNodeHandler,
  type NodeHandler,
  type NodeRequest,
  type NodeResponse,
  toRealtimeRequest,
  toResponseSink,
} from './http/node.js';
export { type AdapterOptions, type AdapterSpec, type RealtimeApi, realtimeApi } from './http/realtime-api.js';
export { markServed, type Served, servedBy, warnServedTwice } from './http/served-path.js';
export { createFetchHandler, type FetchHandler, fromFetchRequest, WebResponseSink } from './http/web.js';
export { CONNECTION_ID_HEADER, type Connection } from './hub/connection.js';
export type { CloseOptions } from './hub/drain.js';
export type { HubHealth } from './hub/health.js';
export {
  createHub,
  type EventData,
  type EventMap,
  Hub,
  type PublishOptions,
  type Subscriber,
} from './hub/hub.js';
export { type HistogramSnapshot, LATENCY_BUCKETS, LatencyHistogram } from './hub/latency-histogram.js';
export type {
  ConnectInfo,
  DisconnectInfo,
  ErrorInfo,
  LifecycleOptions,
  Logger,
  LogLevel,
  PublishInfo,
} from './hub/lifecycle.js';
export {
  type ConnectionKind,
  ConnectionLimiter,
  type LimiterSnapshot,
  type LimitOptions,
  type ResolvedLimits,
} from './hub/limits.js';
export type {
  HubOptions,
  PollAdviceOptions,
  SlowConsumerOption,
  SlowConsumerPolicy,
} from './hub/options.js';
export {
  type CounterName,
  DISCONNECT_REASONS,
  type DisconnectReason,
  type HubStats,
  TRANSPORTS,
  type Transport,
} from './hub/stats.js';
export {
  createDebugHandler,
  type DebugHandlerOptions,
  type DebugSnapshot,
  debugSnapshot,
} from './observability/debug.js';
export { createHealthHandler } from './observability/health.js';
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
} from './observability/metrics.js';
export { type ErrorCode, isTidingsError, TidingsError } from './wire/errors.js';
export { type Cursor, formatEventId, MAX_CURSOR_LENGTH, newEpoch, parseEventId } from './wire/event-id.js';
export { encodeEvent } from './wire/sse-encoder.js';
export { assertEventName, assertTopic, isValidTopic, MAX_TOPIC_LENGTH } from './wire/topic.js';
export type { RealtimeRequest, ResponseSink } from './wire/transport.js';
