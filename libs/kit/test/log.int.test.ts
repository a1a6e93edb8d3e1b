// Logs are JSON lines that carry the active span's trace id (so logs and traces join up).
import { afterAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { tracer } from '@verimesh/telemetry';
import { useInMemoryTracing } from '@verimesh/telemetry/testing';
import { createLogger } from '../src/index.js';

const tracing = useInMemoryTracing();
afterAll(() => tracing.shutdown());

describe('createLogger', () => {
  it('writes one JSON object per line with level filtering, child fields and the trace id', () => {
    const lines: string[] = [];
    const log = createLogger('svc', 'info', (l) => lines.push(l)).child({ request: 7 });
    log.debug('hidden');
    log.info('outside');
    const span = tracer().startSpan('op');
    context.with(trace.setSpan(context.active(), span), () => log.warn('inside', { n: 1 }));
    span.end();
    expect(lines).toHaveLength(2);
    const [outside, inside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outside).toMatchObject({ level: 'info', service: 'svc', msg: 'outside', request: 7 });
    expect(outside!.trace_id).toBeUndefined();
    expect(inside).toMatchObject({ level: 'warn', msg: 'inside', n: 1, trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
  });
});
