// OpenTelemetry for verimesh: tracer setup and W3C trace context through gRPC metadata (test helpers: the `testing` subpath).
export { initTelemetry, shutdownTelemetry, tracer } from './setup.js';
export { injectMetadata, extractMetadata, withServerSpan, withClientSpan } from './propagation.js';
