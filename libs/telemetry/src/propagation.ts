// Trace context across gRPC: client spans inject `traceparent` into metadata, server spans continue it.
// Spans are made here by hand rather than by instrumentation-grpc, whose require hooks do not see grpc-js
// when it is loaded from ES modules (as every verimesh package is).
import { context, propagation, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import { tracer } from './setup.js';

const setter = { set: (md: Metadata, k: string, v: string) => md.set(k, v) };
const getter = {
  get: (md: Metadata, k: string) => {
    const v = md.get(k);
    return v.length ? String(v[0]) : undefined;
  },
  keys: (md: Metadata) => Object.keys(md.getMap()),
};

/** Writes the active context (traceparent) into gRPC metadata. */
export function injectMetadata(md: Metadata): Metadata {
  propagation.inject(context.active(), md, setter);
  return md;
}

/** The context a caller sent in gRPC metadata. */
export function extractMetadata(md: Metadata): Context {
  return propagation.extract(context.active(), md, getter);
}

async function runSpan<T>(span: Span, ctx: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(ctx, () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** Runs a server handler inside a SERVER span whose parent is the caller's span (from the metadata). */
export function withServerSpan<T>(name: string, md: Metadata, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = extractMetadata(md);
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
