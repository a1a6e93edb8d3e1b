// A service's spans over real gRPC: the VerifyBatch SERVER span carries rpc.* / network.* attributes, counts per
// component status and flag, and is ERROR naming the service and the status when a component failed; one
// `verify <verifier>` child per verifier used; failures logged during the call carry its trace id.
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { loadPackage, type VerifierServiceClient, type VerifyItem } from '@verimesh/proto';
import { withClientSpan } from '@verimesh/telemetry';
import { useInMemoryTracing } from '@verimesh/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, createLogger, serve, type RunningService, type ServiceDef } from '../src/index.js';

const tracing = useInMemoryTracing();
const lines: Array<Record<string, unknown>> = [];
const log = createLogger('spans', 'info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));

const service: ServiceDef = {
  name: 'probe',
  version: '0',
  verifiers: [
    { name: 'probe.ok', description: '', params: {}, reference: {}, verify: () => ({ score: 1, flags: ['tamper'] }) },
    {
      name: 'probe.wait',
      description: '',
      params: {},
      reference: {},
      verify: (_i, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
    },
    {
      name: 'probe.check',
      description: '',
      params: {},
      reference: {},
      verify: (input) => {
        if (input.params.crash) throw new Error('probe crashed');
        throw new InvalidArgumentError('reference.box', 'reference.box must be 4 numbers');
      },
    },
  ],
};

let srv: RunningService;
let client: VerifierServiceClient;
beforeAll(async () => {
  srv = await serve(service, { host: '127.0.0.1', port: 0, log });
  client = new (loadPackage().verimesh.v1.VerifierService)(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(100);
  await tracing.shutdown();
});

const call = (items: VerifyItem[]) =>
  withClientSpan('test/VerifyBatch', new grpc.Metadata(), {}, (md, span) =>
    new Promise<{ err: grpc.ServiceError | null; traceId: string }>((resolve) =>
      client.VerifyBatch({ items }, md, { deadline: Date.now() + 10_000 }, (err) => resolve({ err, traceId: span.spanContext().traceId })),
    ),
  );

describe('VerifyBatch spans', () => {
  it('all ok: rpc attributes, counts, one child per verifier, status UNSET', async () => {
    tracing.reset();
    const { err } = await call([
      { key: '1', verifier: 'probe.ok' },
      { key: '2', verifier: 'probe.ok' },
    ]);
    expect(err).toBeNull();
    const spans = tracing.spans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'verimesh.v1.VerifierService',
      'rpc.method': 'VerifyBatch',
      'rpc.grpc.status_code': 0,
      'server.port': srv.port,
      'network.peer.address': '127.0.0.1',
      'verimesh.service': 'probe',
      'verimesh.items': 2,
      'verimesh.components.ok': 2,
      'verimesh.flags.tamper': 2,
    });
    expect(typeof server.attributes['network.peer.port']).toBe('number');
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    const verify = spans.filter((s) => s.name.startsWith('verify '));
    expect(verify.map((s) => [s.name, s.attributes['verimesh.items'], s.parentSpanContext?.spanId])).toEqual([['verify probe.ok', 2, server.spanContext().spanId]]);
  });

  it('a timeout, an invalid component, an error and an unknown verifier: ERROR spans naming service, verifier and status', async () => {
    tracing.reset();
    lines.length = 0;
    const { err, traceId } = await call([
      { key: '1', verifier: 'probe.ok' },
      { key: '2', verifier: 'probe.wait', timeout_ms: 100 },
      { key: '3', verifier: 'probe.check' },
      { key: '4', verifier: 'probe.check', params_json: '{"crash":true}' },
      { key: '5', verifier: 'no.such_verifier' },
    ]);
    expect(err).toBeNull(); // component failures are statuses, not a failed call
    const spans = tracing.spans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes).toMatchObject({ 'verimesh.components.ok': 1, 'verimesh.components.timeout': 1, 'verimesh.components.invalid': 2, 'verimesh.components.error': 1 });
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.status.message).toMatch(/^probe: 4 of 5 components failed \(timeout 1, invalid 2, error 1\), first timeout: probe.wait did not finish within timeout_ms 100/);
    const byName = new Map(spans.filter((s) => s.name.startsWith('verify ')).map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['verify (unknown verifier)', 'verify probe.check', 'verify probe.ok', 'verify probe.wait']);
    expect(byName.get('verify probe.wait')!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'probe.wait: 1 of 1 components timeout: probe.wait did not finish within timeout_ms 100' });
    expect(byName.get('verify probe.check')!.status.message).toBe(
      'probe.check: 2 of 2 components failed (invalid 1, error 1), first invalid: reference.box must be 4 numbers',
    );
    expect(byName.get('verify (unknown verifier)')!.status.message).toContain('unknown verifier "no.such_verifier"');
    // The per-verifier spans lie inside the batch's span.
    const t = (h: [number, number]): number => h[0] * 1e9 + h[1];
    for (const s of byName.values()) {
      expect(s.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(t(s.startTime)).toBeGreaterThanOrEqual(t(server.startTime) - 2e6);
      expect(t(s.endTime)).toBeLessThanOrEqual(t(server.endTime));
    }
    expect(t(byName.get('verify probe.wait')!.endTime) - t(byName.get('verify probe.wait')!.startTime)).toBeGreaterThanOrEqual(90e6);
    // The crash was logged while the call was served: the line carries the caller's trace.
    const crash = lines.find((l) => l.msg === 'verifier failed');
    expect(crash).toMatchObject({ level: 'warn', verifier: 'probe.check', trace_id: traceId, span_id: server.spanContext().spanId });
  });

  it('a refused batch is ERROR with rpc.grpc.status_code and an exception event typed by its class', async () => {
    tracing.reset();
    const { err } = await call([
      { key: 'same', verifier: 'probe.ok' },
      { key: 'same', verifier: 'probe.ok' },
    ]);
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const server = tracing.spans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes['rpc.grpc.status_code']).toBe(grpc.status.INVALID_ARGUMENT);
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message: 'items.key "same" appears twice in one batch' });
    const ev = server.events.find((e) => e.name === 'exception')!;
    expect(ev.attributes).toMatchObject({ 'exception.type': 'InvalidArgumentError', 'exception.message': 'items.key "same" appears twice in one batch' });
    expect(String(ev.attributes!['exception.stacktrace'])).toContain('InvalidArgumentError');
  });
});
