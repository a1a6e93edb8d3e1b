// OpenTelemetry for verimesh: tracer setup, W3C trace context through gRPC metadata, and in-memory test helpers.
export { initTelemetry, shutdownTelemetry, tracer } from './setup.js';
export { injectMetadata, extractMetadata, withServerSpan, withClientSpan } from './propagation.js';
export { useInMemoryTracing } from './testing.js';
export type { InMemoryTracing } from './testing.js';
