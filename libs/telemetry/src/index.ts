// OpenTelemetry for verimesh: tracer setup from the OTEL_* environment, W3C trace context through gRPC metadata and
// HTTP headers, span helpers (test helpers: the `testing` subpath).
export { initTelemetry, shutdownTelemetry, flushTelemetry, exporterChoice, tracer, OTLP_PROTOCOLS, SCOPE_NAME, SHUTDOWN_FLUSH_MS } from './setup.js';
export type { OtlpProtocol, TelemetryOptions, TelemetryState } from './setup.js';
export type { TelemetryLog } from './report.js';
export { buildResource, K8S_ENV } from './resource.js';
export { VERSION } from './version.js';
export {
  injectMetadata,
  extractMetadata,
  extractHeaders,
  withServerSpan,
  withClientSpan,
  withSpan,
  recordError,
  failSpan,
  errorType,
  addressAttributes,
  rpcAttributes,
} from './propagation.js';
export { OutcomeTally, FAILED_COMPONENT, FAILED_RESULT } from './tally.js';
