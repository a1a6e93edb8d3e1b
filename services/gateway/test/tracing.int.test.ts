// Tracing over real gRPC: one Score call is one trace: the gateway's SERVER span, a CLIENT span per service call,
// and the service's SERVER span under each CLIENT span (checked with the in-memory exporter).
import * as grpc from '@grpc/grpc-js';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { loadPackage, type RewardGatewayServiceClient } from '@verimesh/proto';
import { withClientSpan } from '@verimesh/telemetry';
import { useInMemoryTracing } from '@verimesh/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, grpcBackend, startGateway, type RunningGateway } from '../src/index.js';
import { testService } from './fixtures.js';

const tracing = useInMemoryTracing();
// OpenTelemetry API SpanKind values.
const SERVER = 1;
const CLIENT = 2;

let srv: RunningServer;
let gateway: Gateway;
let running: RunningGateway;
let client: RewardGatewayServiceClient;
beforeAll(async () => {
  srv = await serve(testService().service, { host: '127.0.0.1', port: 0, log: noopLogger });
  gateway = new Gateway({ backends: { 'vision-iou': grpcBackend('vision-iou', `127.0.0.1:${srv.port}`) } });
  running = await startGateway(gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log: noopLogger });
  client = new (loadPackage().verimesh.v1.RewardGatewayService)(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await running.shutdown();
  await gateway.close();
  await srv.shutdown(100);
  await tracing.shutdown();
});

// Two stages (a gate on the first vision component) -> two VerifyBatch calls to vision-iou; text.exact runs in-process.
const reward = {
  components: [
    { name: 'exact', verifier: 'text.exact', reference_json: '' },
    { name: 'iou', verifier: 'vision.box_iou', gate: { min: 0.5 } },
    { name: 'point', verifier: 'vision.point' },
  ],
};
const samples = [
  { id: 'a', response: 'B', reference_json: '{"answer":"B","score":0.9}', reward },
  { id: 'b', response: 'B', reference_json: '{"answer":"B","score":0.7}', reward },
];

describe('tracing', () => {
  it('one Score call = one trace: gateway span, a child CLIENT span per service call, the service span under each', async () => {
    tracing.reset();
    const res = await withClientSpan('trainer/Score', new grpc.Metadata(), {}, (md) =>
      new Promise<any>((resolve, reject) => client.Score({ samples }, md, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r)))),
    );
    expect(res.results.map((r: any) => r.status)).toEqual(['RESULT_STATUS_OK', 'RESULT_STATUS_OK']);
    const spans = tracing.spans();
    const trainer = spans.find((s) => s.name === 'trainer/Score')!;
    const traceId = trainer.spanContext().traceId;
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    const gw = spans.filter((s) => s.kind === SERVER && s.name === 'verimesh.v1.RewardGatewayService/Score');
    expect(gw).toHaveLength(1);
    expect(gw[0]!.parentSpanContext?.spanId).toBe(trainer.spanContext().spanId);
    const calls = spans.filter((s) => s.kind === CLIENT && s.name === 'verimesh.v1.VerifierService/VerifyBatch');
    expect(calls).toHaveLength(2); // one per stage, never one per sample
    expect(calls.map((c) => c.attributes['verimesh.items'])).toEqual([2, 2]);
    const served = spans.filter((s) => s.kind === SERVER && s.name === 'verimesh.v1.VerifierService/VerifyBatch');
    expect(served).toHaveLength(2);
    for (const c of calls) {
      expect(c.parentSpanContext?.spanId).toBe(gw[0]!.spanContext().spanId);
      expect(served.filter((s) => s.parentSpanContext?.spanId === c.spanContext().spanId)).toHaveLength(1);
    }
  });
  it('HTTP continues a traceparent header', async () => {
    tracing.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`http://127.0.0.1:${running.httpPort}/v1/score`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ samples: [{ id: 'h', response: 'x', reference: { score: 1 }, reward: { components: [{ verifier: 'vision.box_iou' }] } }] }),
    });
    expect(res.status).toBe(200);
    const spans = tracing.spans();
    const http = spans.find((s) => s.name === 'POST /v1/score')!;
    expect(http.spanContext().traceId).toBe(traceId);
    expect(http.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const call = spans.find((s) => s.kind === CLIENT)!;
    expect(call.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
  });
});
