// OpenTelemetry for verimesh: tracer setup from the OTEL_* environment, W3C trace context through gRPC metadata and
// HTTP headers, span helpers (test helpers: the `testing` subpath).
export { initTelemetry, shutdownTelemetry, flushTelemetry, tracer } from './setup.js';
export type { OtlpProtocol, TelemetryOptions, TelemetryState } from './setup.js';
export type { TelemetryLog } from './report.js';
export { K8S_ENV } from './resource.js';
export { VERSION } from './version.js';
export {
  extractMetadata,
  extractHeaders,
  withServerSpan,
  withClientSpan,
  withSpan,
  recordError,
  addressAttributes,
  rpcAttributes,
} from './propagation.js';
export { OutcomeTally } from './tally.js';
