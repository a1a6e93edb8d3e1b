// Tracer provider setup from the standard OTEL_* environment: which OTLP exporter, the resource, the shutdown flush.
import { context, diag, propagation, trace, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ReportingExporter, alreadyReported, diagLogger, reportErrors, type TelemetryLog } from './report.js';
import { buildResource } from './resource.js';
import { VERSION } from './version.js';

/** The instrumentation scope of every verimesh span. */
export const SCOPE_NAME = 'verimesh';

export const OTLP_PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export interface TelemetryOptions {
  /** service.version on the resource (default: the verimesh release, VERSION). */
  version?: string;
  /** Where telemetry's own troubles go (the export failing, spans dropped): the process's logger. Default: silent. */
  log?: TelemetryLog;
  /** Extra span processors (tests); they register the provider even without an exporter. */
  spanProcessors?: SpanProcessor[];
}

/** What initTelemetry chose, for the startup log line and tests. */
export interface TelemetryState {
  exporting: boolean;
  protocol?: OtlpProtocol;
  /** The traces endpoint as configured (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint?: string;
}

let provider: NodeTracerProvider | undefined;
let contextRegistered = false;

/** The verimesh tracer (scope `verimesh`, version VERSION) of whichever provider is registered now. */
export const tracer = (): Tracer => trace.getTracer(SCOPE_NAME, VERSION);

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
};

/**
 * The exporter the environment asks for, or undefined for none. Traces leave the process only when an endpoint is
 * set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp says so
 * (then the SDK's default endpoint); OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true turn it off. The protocol
 * is OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf (the specification's
 * default). Endpoint, headers, timeout, compression and certificates are read by the exporter itself.
 */
export function exporterChoice(log?: TelemetryLog): TelemetryState {
  if (env('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { exporting: false };
  const endpoint = env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? env('OTEL_EXPORTER_OTLP_ENDPOINT');
  const wanted = (env('OTEL_TRACES_EXPORTER') ?? (endpoint ? 'otlp' : 'none')).split(',').map((s) => s.trim());
  if (!wanted.includes('otlp')) {
    const other = wanted.filter((w) => w !== 'none');
    if (other.length) log?.warn('OTEL_TRACES_EXPORTER: only "otlp" and "none" are supported; traces are not exported', { value: wanted.join(',') });
    return { exporting: false };
  }
  const raw = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? env('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  let protocol = raw as OtlpProtocol;
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(raw)) {
    log?.warn(`OTLP protocol "${raw}" is not one of ${OTLP_PROTOCOLS.join(', ')}; using http/protobuf`);
    protocol = 'http/protobuf';
  }
  return { exporting: true, protocol, endpoint };
}

async function createExporter(protocol: OtlpProtocol): Promise<SpanExporter> {
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

/** An endpoint as safe to log (no user:password). */
function shown(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return endpoint;
  }
}

/**
 * Sets this process up for tracing, once. Always: W3C trace context and the AsyncLocalStorage context manager, so a
 * caller's `traceparent` reaches every log line written while its request is served even when nothing is exported.
 * When the environment asks for export (exporterChoice) or `spanProcessors` are given: a tracer provider with the
 * resource of buildResource, the SDK's sampler from OTEL_TRACES_SAMPLER, and a BatchSpanProcessor (OTEL_BSP_*)
 * feeding the chosen OTLP exporter; an export failure is logged once per outage (ReportingExporter).
 * Returns what was chosen.
 */
export async function initTelemetry(serviceName: string, opts: TelemetryOptions = {}): Promise<TelemetryState> {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Once per process (a test may have registered its own first: then that one stays).
  if (!contextRegistered) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextRegistered = true;
  const choice = exporterChoice(opts.log);
  if (provider) return choice;
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (choice.exporting) {
    const exporter = new ReportingExporter(await createExporter(choice.protocol!), opts.log, { protocol: choice.protocol!, endpoint: shown(choice.endpoint) });
    processors.push(new BatchSpanProcessor(exporter));
  }
  if (processors.length === 0) return choice;
  if (opts.log) {
    diag.setLogger(diagLogger(opts.log), DiagLogLevel.WARN);
    reportErrors(opts.log);
  }
  provider = new NodeTracerProvider({ resource: buildResource(serviceName, opts.version ?? VERSION), spanProcessors: processors });
  // Context manager and propagator are registered above already (register() would try again, and complain).
  trace.setGlobalTracerProvider(provider);
  if (choice.exporting) opts.log?.info('tracing', { exporter: 'otlp', protocol: choice.protocol, endpoint: shown(choice.endpoint) ?? '(the exporter default)' });
  return choice;
}

/** Exports what is pending now (a short-lived process before it exits, tests); a no-op without a provider. */
export async function flushTelemetry(): Promise<void> {
  await provider?.forceFlush();
}

/** How long shutdownTelemetry waits for the last spans to be exported by default. */
export const SHUTDOWN_FLUSH_MS = 5_000;

/**
 * Flushes pending spans and stops the provider (the kit's drainOnSignal calls it after draining, so SIGTERM exports
 * what is pending over whichever protocol). Waits at most `timeoutMs`: an unreachable collector never holds a pod's
 * exit past its grace period.
 */
export async function shutdownTelemetry(timeoutMs = SHUTDOWN_FLUSH_MS, log?: TelemetryLog): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  try {
    // An export that failed during the flush was logged by ReportingExporter already.
    const flushed = p.shutdown().then(
      () => 'done' as const,
      (e: unknown) => {
        if (alreadyReported(e)) return 'done' as const;
        throw e;
      },
    );
    const how = await Promise.race([flushed, late]);
    if (how === 'late') log?.warn('telemetry flush did not finish in time: pending spans may be lost', { timeout_ms: timeoutMs });
  } finally {
    clearTimeout(timer);
    trace.disable();
    diag.disable();
  }
}
