import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { withClientSpan } from '@verimesh/telemetry';
import { useInMemoryTracing } from '@verimesh/telemetry/testing';
import { noopLogger, serve, type ServiceDef } from '../src/index.js';

const tracing = useInMemoryTracing();
afterAll(() => tracing.shutdown());

const slow: ServiceDef = {
  name: 'slow',
  version: '0',
  verifiers: [
    {
      name: 'slow.wait',
      description: 'waits params.ms then scores 1',
      params: { ms: 'milliseconds to wait' },
      reference: {},
      verify: (input, ctx) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve({ score: 1 }), Number(input.params.ms ?? 0));
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          });
        }),
    },
  ],
};

const clientFor = (address: string): VerifierServiceClient =>
  new (loadPackage().verimesh.v1.VerifierService)(address, grpc.credentials.createInsecure());

const verify = (client: VerifierServiceClient, ms: number, deadlineMs: number, md = new grpc.Metadata()) =>
  new Promise<{ err: grpc.ServiceError | null; res: any }>((resolve) =>
    client.VerifyBatch({ items: [{ key: 'a', verifier: 'slow.wait', params_json: JSON.stringify({ ms }) }] }, md, { deadline: Date.now() + deadlineMs }, (err, res) =>
      resolve({ err, res }),
    ),
  );

describe('service lifecycle', () => {
  it('honours the call deadline and per-item timeouts', async () => {
    const srv = await serve(slow, { host: '127.0.0.1', port: 0, log: noopLogger });
    const client = clientFor(srv.address);
    try {
      const { err, res } = await verify(client, 20, 30_000);
      expect(err).toBeNull();
      expect(res.results[0].result.status).toBe('COMPONENT_STATUS_OK');
      // an item's own timeout shorter than its work: that item is reported as timeout, the call succeeds
      const item = await new Promise<any>((resolve, reject) =>
        client.VerifyBatch({ items: [{ key: 'a', verifier: 'slow.wait', params_json: '{"ms":5000}', timeout_ms: 100 }] }, { deadline: Date.now() + 10_000 }, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
      expect(item.results[0].result.status).toBe('COMPONENT_STATUS_TIMEOUT');
      // a deadline shorter than the work: the server gives up at the deadline and the client sees DEADLINE_EXCEEDED
      const late = await verify(client, 5_000, 200);
      expect(late.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    } finally {
      client.close();
      await srv.shutdown(100);
    }
  }, 20_000);

  it('drains an in-flight batch on shutdown, then refuses new calls', async () => {
    const srv = await serve(slow, { host: '127.0.0.1', port: 0, log: noopLogger });
    const client = clientFor(srv.address);
    try {
      const inflight = verify(client, 300, 10_000);
      // The call is in flight once the server admitted its item (what wave 2's verimesh_items_in_flight reads).
      await vi.waitFor(() => expect(srv.admission.current).toBe(1), { timeout: 5_000, interval: 5 });
      const stopped = srv.shutdown(5_000);
      const { err, res } = await inflight;
      expect(err).toBeNull();
      expect(res.results[0].result.score).toBe(1);
      await stopped;
      expect(srv.admission.current).toBe(0);
      const after = await verify(client, 0, 1_000);
      expect(after.err?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });

  it('continues the caller trace: the server span is a child of the client span', async () => {
    tracing.reset();
    const srv = await serve(slow, { host: '127.0.0.1', port: 0, log: noopLogger });
    const client = clientFor(srv.address);
    try {
      await withClientSpan('test/VerifyBatch', new grpc.Metadata(), {}, (md) => verify(client, 0, 5_000, md));
    } finally {
      client.close();
      await srv.shutdown(100);
    }
    const spans = tracing.spans();
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(serverSpan.name).toBe('verimesh.v1.VerifierService/VerifyBatch');
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.attributes['verimesh.items']).toBe(1);
  });
});
