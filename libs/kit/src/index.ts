// The service kit: what every verimesh service is built from.
export {
  VerimeshError,
  InvalidArgumentError,
  ResourceExhaustedError,
  UnavailableError,
  DeadlineError,
  InternalError,
  componentStatusOf,
  errorKind,
  errorKindOfCode,
  messageOf,
  ERROR_MODEL,
} from './errors.js';
export type { ErrorReason, ErrorKind, ErrorComponentStatus } from './errors.js';
export { toStatus, fromStatus, toHttpError, errorDetails, ERROR_DOMAIN } from './status.js';
export type { ErrorDetails } from './status.js';
export { loadConfig, parseFlags, checkFlags, ConfigError, COMMON_OPTIONS, SERVICE_OPTIONS } from './config.js';
export type { OptionSpec, ConfigOf, ConfigSource } from './config.js';
export { createLogger, noopLogger } from './log.js';
export type { Logger, LogLevel, LogSink } from './log.js';
export { Admission, BoundedPool } from './admission.js';
export { WaitQueue, abortReason } from './wait-queue.js';
export type { Waiter } from './wait-queue.js';
export {
  deadlineAfter,
  minDeadline,
  timeLeft,
  expired,
  timeoutMsUntil,
  callDeadline,
  outgoingDeadline,
  withReplyMargin,
  atDeadline,
} from './deadline.js';
export type { Deadline, ReplyMargin } from './deadline.js';
export { drainOnSignal } from './drain.js';
export type { DrainOnSignalOptions, DrainHandle } from './drain.js';
export { lazy } from './lazy.js';
export type { Lazy } from './lazy.js';
export { Lru } from './lru.js';
export { readNumber, readInt, readChoice, readBool } from './params.js';
export { runBatch, describeVerifiers } from './verifier.js';
export type { VerifyInput, VerifyContext, VerifyOutcome, VerifierDef, ServiceDef, RunBatchOptions } from './verifier.js';
export { startServer, serve, describeService, DEFAULT_SERVER_OPTIONS } from './server.js';
export type { ServerOptions, RunningServer, RunningService, VerifierServerOptions } from './server.js';
export { runMain, runProcess } from './main.js';
export type { Drainable, ReadyMessage } from './main.js';
export { Registry, Counter, Gauge, Histogram, LATENCY_BUCKETS, MAX_SERIES, addProcessMetrics } from './metrics.js';
export { ServiceMetrics, POOL_NAMES, REFUSAL_REASONS } from './service-metrics.js';
export type { PoolName, PoolStats } from './service-metrics.js';
export { serveMetrics, METRICS_CONTENT_TYPE } from './metrics-server.js';
export type { MetricsServer } from './metrics-server.js';
