// With tracing set up but nothing exported (no OTEL endpoint: no tracer provider), a line logged while a call is
// served still carries the caller's trace (from its traceparent): logs and the trainer's traces join up anyway.
import * as grpc from '@grpc/grpc-js';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { initTelemetry, shutdownTelemetry } from '@verimesh/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, serve, type RunningService } from '../src/index.js';

const lines: Array<Record<string, unknown>> = [];
const log = createLogger('ctx', 'info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
let srv: RunningService;
let client: VerifierServiceClient;
beforeAll(async () => {
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  expect((await initTelemetry('ctx')).exporting).toBe(false);
  srv = await serve(
    {
      name: 'ctx',
      version: '0',
      verifiers: [
        {
          name: 'ctx.warn',
          description: '',
          params: {},
          reference: {},
          verify: async (_input, ctx) => {
            await new Promise((r) => setTimeout(r, 5));
            ctx.log.warn('verifier noticed something');
            throw new Error('and then failed');
          },
        },
      ],
    },
    { host: '127.0.0.1', port: 0, log },
  );
  client = new (loadPackage().verimesh.v1.VerifierService)(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(100);
  await shutdownTelemetry();
});

describe('log lines without a tracer provider', () => {
  it("carry the caller's trace id while its call is served, and none outside it", async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${traceId}-eee19b7ec3c1b174-01`);
    lines.length = 0;
    log.info('before the call');
    await new Promise<void>((resolve, reject) =>
      client.VerifyBatch({ items: [{ key: 'k', verifier: 'ctx.warn' }] }, md, { deadline: Date.now() + 10_000 }, (e) => (e ? reject(e) : resolve())),
    );
    const during = lines.filter((l) => l.msg === 'verifier noticed something' || l.msg === 'verifier failed');
    expect(during).toHaveLength(2);
    for (const l of during) expect(l).toMatchObject({ trace_id: traceId, span_id: 'eee19b7ec3c1b174' });
    expect(lines.find((l) => l.msg === 'before the call')!.trace_id).toBeUndefined();
  });
});
