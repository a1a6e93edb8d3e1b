// Tracer provider setup: OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set, nothing otherwise.
import { trace, propagation, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

let provider: NodeTracerProvider | undefined;

export const tracer = (): Tracer => trace.getTracer('verimesh');

/**
 * Registers a tracer provider for this process. Without OTEL_EXPORTER_OTLP_ENDPOINT and without extra processors
 * it registers nothing, so spans cost nothing. `service.name` comes from OTEL_SERVICE_NAME, else `serviceName`.
 */
export async function initTelemetry(serviceName: string, extra: SpanProcessor[] = []): Promise<boolean> {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (provider) return true;
  const processors: SpanProcessor[] = [...extra];
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  if (processors.length === 0) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME || serviceName }),
    spanProcessors: processors,
  });
  provider.register();
  return true;
}

/** Flushes and stops the provider (at shutdown). */
export async function shutdownTelemetry(): Promise<void> {
  const p = provider;
  provider = undefined;
  await p?.shutdown();
}
