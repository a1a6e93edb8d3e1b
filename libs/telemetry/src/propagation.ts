// Trace context across gRPC and HTTP (client spans inject `traceparent`, server spans continue it) and the span
// helpers every verimesh span is made with. Spans are made here by hand rather than by instrumentation-grpc, whose
// require hooks do not see grpc-js when it is loaded from ES modules (as every verimesh package is).
import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { status as grpcStatus, type Metadata } from '@grpc/grpc-js';
import { tracer } from './setup.js';

const setter = { set: (md: Metadata, k: string, v: string) => md.set(k, v) };
const getter = {
  get: (md: Metadata, k: string) => {
    const v = md.get(k);
    return v.length ? String(v[0]) : undefined;
  },
  keys: (md: Metadata) => Object.keys(md.getMap()),
};
const headerGetter = {
  get: (h: IncomingHttpHeaders, k: string) => {
    const v = h[k];
    return Array.isArray(v) ? v[0] : v;
  },
  keys: (h: IncomingHttpHeaders) => Object.keys(h),
};

/** The context a caller sent in gRPC metadata. */
export function extractMetadata(md: Metadata): Context {
  return propagation.extract(context.active(), md, getter);
}

/** The context a caller sent in HTTP headers (`traceparent`, `tracestate`). */
export function extractHeaders(headers: IncomingHttpHeaders): Context {
  return propagation.extract(context.active(), headers, headerGetter);
}

/**
 * What `exception.type` and `error.type` say for a thrown value: its class (`UnavailableError`, `TypeError`), never
 * a numeric `code` (the SDK's recordException prefers `code`, which made a gRPC status read as the type '3'). A
 * grpc-js call error (a plain Error with code, details, metadata) reads as its status: `grpc.UNAVAILABLE`.
 */
export function errorType(err: unknown): string {
  if (err instanceof Error) {
    if (err.name && err.name !== 'Error') return err.name;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && 'details' in err && 'metadata' in err) return `grpc.${grpcStatus[code] ?? code}`;
    return err.constructor?.name || 'Error';
  }
  return typeof err;
}

/** Marks `span` failed: status ERROR with `message` and `error.type` (no exception event: for failures that were not thrown). */
export function failSpan(span: Span, message: string, type = 'failed'): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** A thrown value on `span`: an `exception` event (type, message, stack) and status ERROR with its message. */
export function recordError(span: Span, err: unknown): void {
  const type = errorType(err);
  const message = err instanceof Error ? err.message : String(err);
  const attrs: Attributes = { 'exception.type': type, 'exception.message': message };
  if (err instanceof Error && err.stack) attrs['exception.stacktrace'] = err.stack;
  span.addEvent('exception', attrs);
  failSpan(span, message, type);
}

async function runSpan<T>(span: Span, ctx: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(ctx, () => fn(span));
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Runs a server handler inside a SERVER span whose parent is `parent` (extractMetadata / extractHeaders of the request). */
export function withServerSpan<T>(name: string, parent: Context, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return runSpan(span, trace.setSpan(parent, span), fn);
}

/** Runs an outgoing call inside a CLIENT span (child of the active span); `fn` gets `md` with the span's context injected. */
export function withClientSpan<T>(name: string, md: Metadata, attributes: Attributes, fn: (md: Metadata, span: Span) => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes });
  const ctx = trace.setSpan(context.active(), span);
  return runSpan(span, ctx, async (s) => {
    propagation.inject(ctx, md, setter);
    return fn(md, s);
  });
}

/** Runs `fn` inside an INTERNAL span, child of the active span (a thrown error is recorded on it, then rethrown). */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes });
  return runSpan(span, trace.setSpan(context.active(), span), fn);
}

/**
 * `<prefix>.address` / `<prefix>.port` of a gRPC address: `host:port`, `[v6]:port`, `ipv4:h:p`, `dns:///host:port`,
 * or grpc-js's peer string. Empty for what does not parse (a unix socket).
 */
export function addressAttributes(prefix: 'server' | 'network.peer', address: string): Attributes {
  const bare = address.replace(/^(?:dns:(?:\/\/[^/]*\/)?|ipv4:|ipv6:)/, '').replace(/^\/+/, '');
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(bare);
  if (!m) return bare && !bare.startsWith('unix:') ? { [`${prefix}.address`]: bare } : {};
  return { [`${prefix}.address`]: m[1]!, [`${prefix}.port`]: Number(m[2]) };
}

/** The semantic-convention attributes of a gRPC span: rpc.system, rpc.service, rpc.method. */
export function rpcAttributes(service: string, method: string): Attributes {
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}
