// Tracing over real gRPC and HTTP (in-memory exporter): one Score call is one trace: the gateway's SERVER span, a
// `call <service>` span per service call of a stage, the gRPC CLIENT span of the call below it and the service's
// SERVER span below that, with `verify <verifier>` spans inside. Failures show: a dead service, a timeout and an
// invalid component each make an ERROR span naming the service and the status; logs written meanwhile carry the trace.
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createLogger, noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { loadPackage, type RewardGatewayServiceClient } from '@verimesh/proto';
import { withClientSpan } from '@verimesh/telemetry';
import { useInMemoryTracing } from '@verimesh/telemetry/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, grpcBackend, startGateway, type RunningGateway, type VerifierBackend } from '../src/index.js';
import { testService } from './fixtures.js';

const tracing = useInMemoryTracing();
const lines: Array<Record<string, unknown>> = [];
const log = createLogger('gateway', 'info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));

let srv: RunningServer;
let gateway: Gateway;
let running: RunningGateway;
let client: RewardGatewayServiceClient;
beforeAll(async () => {
  srv = await serve(testService().service, { host: '127.0.0.1', port: 0, log: noopLogger });
  gateway = new Gateway({ backends: { 'vision-iou': grpcBackend('vision-iou', `127.0.0.1:${srv.port}`) }, log });
  running = await startGateway(gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log });
  client = new (loadPackage().verimesh.v1.RewardGatewayService)(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await running.shutdown();
  await gateway.close();
  await srv.shutdown(100);
  await tracing.shutdown();
});

const score = (c: RewardGatewayServiceClient, samples: unknown[]) =>
  withClientSpan('trainer/Score', new grpc.Metadata(), {}, (md, span) =>
    new Promise<{ res: any; err: grpc.ServiceError | null; traceId: string }>((resolve) =>
      c.Score({ samples } as never, md, { deadline: Date.now() + 10_000 }, (err, res) => resolve({ res, err, traceId: span.spanContext().traceId })),
    ),
  );

const named = (name: string): ReadableSpan[] => tracing.spans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = named(name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const childrenOf = (parent: ReadableSpan): ReadableSpan[] => tracing.spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

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
  it('one Score call = one trace: request span, a call span per service call, its CLIENT span, the service span under it', async () => {
    tracing.reset();
    const { res, err } = await score(client, samples);
    expect(err).toBeNull();
    expect(res.results.map((r: any) => r.status)).toEqual(['RESULT_STATUS_OK', 'RESULT_STATUS_OK']);
    const trainer = one('trainer/Score');
    const traceId = trainer.spanContext().traceId;
    expect(new Set(tracing.spans().map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    const gw = one('verimesh.v1.RewardGatewayService/Score');
    expect(gw.kind).toBe(SpanKind.SERVER);
    expect(gw.parentSpanContext?.spanId).toBe(trainer.spanContext().spanId);
    expect(gw.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'verimesh.v1.RewardGatewayService',
      'rpc.method': 'Score',
      'rpc.grpc.status_code': 0,
      'network.peer.address': '127.0.0.1',
      'verimesh.samples': 2,
      'verimesh.results.ok': 2,
    });
    expect(gw.status.code).toBe(SpanStatusCode.UNSET);

    // Stage 0: text (in-process, no RPC) and vision-iou; stage 1: vision-iou again. Never one call per sample.
    const calls = tracing.spans().filter((s) => s.name.startsWith('call '));
    expect(calls.map((c) => [c.name, c.attributes['verimesh.stage'], c.attributes['verimesh.items']]).sort()).toEqual([
      ['call gateway', 0, 2],
      ['call vision-iou', 0, 2],
      ['call vision-iou', 1, 2],
    ]);
    for (const c of calls) {
      expect(c.parentSpanContext?.spanId).toBe(gw.spanContext().spanId);
      expect(c.attributes['verimesh.components.ok']).toBe(2);
    }
    const text = calls.find((c) => c.name === 'call gateway')!;
    expect(childrenOf(text).map((s) => [s.name, s.attributes['verimesh.items']])).toEqual([['verify text.exact', 2]]);

    const rpcs = named('verimesh.v1.VerifierService/VerifyBatch');
    const clientSpans = rpcs.filter((s) => s.kind === SpanKind.CLIENT);
    const served = rpcs.filter((s) => s.kind === SpanKind.SERVER);
    expect(clientSpans).toHaveLength(2);
    expect(served).toHaveLength(2);
    for (const c of clientSpans) {
      expect(calls.some((k) => k.name === 'call vision-iou' && k.spanContext().spanId === c.parentSpanContext?.spanId)).toBe(true);
      expect(c.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'VerifyBatch', 'server.address': '127.0.0.1', 'server.port': srv.port, 'rpc.grpc.status_code': 0 });
      const s = served.find((x) => x.parentSpanContext?.spanId === c.spanContext().spanId)!;
      expect(s.attributes).toMatchObject({ 'verimesh.service': 'vision-iou', 'verimesh.components.ok': 2, 'rpc.grpc.status_code': 0 });
      expect(childrenOf(s).map((v) => v.name)).toHaveLength(1);
    }
    expect(served.flatMap((s) => childrenOf(s).map((v) => v.name)).sort()).toEqual(['verify vision.box_iou', 'verify vision.point']);
  });

  it('HTTP continues a traceparent header, with http.* attributes and the status code', async () => {
    tracing.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`http://127.0.0.1:${running.httpPort}/v1/score`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'user-agent': 'trainer/1.0' },
      body: JSON.stringify({ samples: [{ id: 'h', response: 'x', reference: { score: 1 }, reward: { components: [{ verifier: 'vision.box_iou' }] } }] }),
    });
    expect(res.status).toBe(200);
    const http = one('POST /v1/score');
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.spanContext().traceId).toBe(traceId);
    expect(http.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/score',
      'url.path': '/v1/score',
      'http.response.status_code': 200,
      'server.port': running.httpPort,
      'network.peer.address': '127.0.0.1',
      'user_agent.original': 'trainer/1.0',
      'verimesh.results.ok': 1,
    });
    const call = one('call vision-iou');
    expect(call.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
  });

  it('an HTTP request refused as a whole: status code, ERROR and an exception typed by its class', async () => {
    tracing.reset();
    const res = await fetch(`http://127.0.0.1:${running.httpPort}/v1/score`, { method: 'POST', body: '{"samples": 3}' });
    expect(res.status).toBe(400);
    const http = one('POST /v1/score');
    expect(http.attributes['http.response.status_code']).toBe(400);
    expect(http.status.code).toBe(SpanStatusCode.ERROR);
    expect(http.events.find((e) => e.name === 'exception')?.attributes).toMatchObject({ 'exception.type': 'InvalidArgumentError' });
  });

  it('a gRPC request refused as a whole: rpc.grpc.status_code and exception.type the class, not the code', async () => {
    tracing.reset();
    const { err } = await score(client, [{ response: 'x', reward }]); // no id: the request is malformed
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const gw = one('verimesh.v1.RewardGatewayService/Score');
    expect(gw.attributes['rpc.grpc.status_code']).toBe(grpc.status.INVALID_ARGUMENT);
    expect(gw.status.code).toBe(SpanStatusCode.ERROR);
    const ev = gw.events.find((e) => e.name === 'exception')!;
    expect(ev.attributes!['exception.type']).toBe('InvalidArgumentError');
  });

  it('a timeout and an invalid component: ERROR spans naming the service and the status, on every level', async () => {
    tracing.reset();
    const { res, err } = await score(client, [
      { id: 'slow', response: 'x', reward: { components: [{ name: 'iou', verifier: 'vision.box_iou', params_json: '{"mode":"hang"}', timeout_ms: 150 }] } },
      { id: 'bad', response: 'x', reward: { components: [{ name: 'iou', verifier: 'vision.box_iou', params_json: '{"mode":"invalid"}' }] } },
    ]);
    expect(err).toBeNull();
    expect(res.results.map((r: any) => r.status)).toEqual(['RESULT_STATUS_PARTIAL', 'RESULT_STATUS_INVALID']);
    const call = one('call vision-iou');
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(call.status.message).toMatch(/^vision-iou: 2 of 2 components failed \(timeout 1, invalid 1\)|^vision-iou: 2 of 2 components failed \(invalid 1, timeout 1\)/);
    expect(call.attributes).toMatchObject({ 'verimesh.components.timeout': 1, 'verimesh.components.invalid': 1 });
    const served = named('verimesh.v1.VerifierService/VerifyBatch').find((s) => s.kind === SpanKind.SERVER)!;
    expect(served.status.code).toBe(SpanStatusCode.ERROR);
    expect(served.status.message).toMatch(/^vision-iou: 2 of 2 components failed/);
    const gw = one('verimesh.v1.RewardGatewayService/Score');
    expect(gw.status.code).toBe(SpanStatusCode.ERROR);
    expect(gw.attributes).toMatchObject({ 'verimesh.results.partial': 1, 'verimesh.results.invalid': 1 });
    expect(gw.status.message).toContain('2 of 2 results failed');
  });

  it('a dead service: the call span is ERROR unavailable naming the service, each RPC attempt says how it failed', async () => {
    const dead = await serve(testService().service, { host: '127.0.0.1', port: 0, log: noopLogger });
    const address = `127.0.0.1:${dead.port}`;
    await dead.shutdown(0);
    const g = new Gateway({ backends: { 'vision-iou': grpcBackend('vision-iou', address) }, log });
    const sample = { id: 'd', response: 'x', reward: { components: [{ name: 'iou', verifier: 'vision.box_iou' }] } };
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        tracing.reset();
        const { results, traceId } = await withClientSpan('trainer', new grpc.Metadata(), {}, async (_md, span) => ({
          results: (await g.score([sample])).results,
          traceId: span.spanContext().traceId,
        }));
        expect(results[0]!.components.iou!.status).toBe('unavailable');
        const call = one('call vision-iou');
        expect(call.status.code).toBe(SpanStatusCode.ERROR);
        expect(call.status.message).toMatch(/^vision-iou: 1 of 1 components unavailable: /);
        expect(call.status.message).toContain(address);
        expect(call.attributes['error.type']).toBe('unavailable');
        expect(call.spanContext().traceId).toBe(traceId);
        const rpcs = named('verimesh.v1.VerifierService/VerifyBatch');
        expect(rpcs.length).toBeGreaterThan(0);
        for (const rpc of rpcs) {
          expect(rpc.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
          expect(rpc.attributes['rpc.grpc.status_code']).toBe(grpc.status.UNAVAILABLE);
          expect(rpc.events.find((e) => e.name === 'exception')?.attributes?.['exception.type']).toBe('grpc.UNAVAILABLE');
        }
      }
    } finally {
      await g.close();
    }
  });

  it('a service that is not configured: no RPC, still an ERROR call span', async () => {
    const g = new Gateway({ backends: {}, log });
    try {
      tracing.reset();
      const { results } = await g.score([{ id: 'n', response: 'x', reward: { components: [{ name: 'iou', verifier: 'vision.box_iou' }] } }]);
      expect(results[0]!.components.iou!.status).toBe('unavailable');
      expect(named('verimesh.v1.VerifierService/VerifyBatch')).toHaveLength(0);
      expect(one('call vision-iou').status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'vision-iou: 1 of 1 components unavailable: service "vision-iou" is not configured on this gateway (see --services / VERIMESH_SERVICES)',
      });
    } finally {
      await g.close();
    }
  });

  it('a warning logged while a failing request is served carries its trace id (HTTP, from the traceparent)', async () => {
    const broken: VerifierBackend = {
      service: 'vision-iou',
      verify: async (items, _o, onChunk) => onChunk(0, items.length, { ok: false, error: new Error('backend exploded') }),
      describe: () => Promise.reject(new Error('no')),
      close: () => undefined,
    };
    const g = new Gateway({ backends: { 'vision-iou': broken }, log });
    const r = await startGateway(g, { host: '127.0.0.1', port: 0, httpPort: 0, log });
    try {
      tracing.reset();
      lines.length = 0;
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const res = await fetch(`http://127.0.0.1:${r.httpPort}/v1/score`, {
        method: 'POST',
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        body: JSON.stringify({ samples: [{ id: 'w', response: 'x', reward: { components: [{ name: 'iou', verifier: 'vision.box_iou' }] } }] }),
      });
      expect(res.status).toBe(200);
      const warn = lines.find((l) => l.msg === 'service call failed');
      expect(warn).toMatchObject({ level: 'warn', service: 'vision-iou', error: 'backend exploded', trace_id: traceId });
      expect(warn!.span_id).toBe(one('call vision-iou').spanContext().spanId);
      expect(one('call vision-iou').status.message).toBe('vision-iou: 1 of 1 components error: backend exploded');
      expect(one('POST /v1/score').status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await r.shutdown();
      await g.close();
    }
  });

  it('ScoreStream: one SERVER span for the stream, counting its results', async () => {
    tracing.reset();
    const stream = client.ScoreStream();
    const got: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: any) => m.result && got.push(m.result));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    stream.write({ samples });
    stream.end();
    await done;
    expect(got).toHaveLength(2);
    const span = one('verimesh.v1.RewardGatewayService/ScoreStream');
    expect(span.attributes).toMatchObject({ 'rpc.method': 'ScoreStream', 'rpc.grpc.status_code': 0, 'verimesh.results.ok': 2 });
    expect(tracing.spans().filter((s) => s.name === 'call vision-iou').every((c) => c.spanContext().traceId === span.spanContext().traceId)).toBe(true);
  });
});
