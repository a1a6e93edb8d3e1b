// Fault behaviour over real gRPC on loopback: a kit-built test service (and a rogue one) behind the gateway's grpcBackend.
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, ResourceExhaustedError, noopLogger, serve, startServer, toStatus, type RunningServer } from '@verimesh/kit';
import { loadPackage, type ResultJson, type VerifyBatchRequest__Output, type VerifyBatchResponse } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, grpcBackend } from '../src/index.js';
import { testService } from './fixtures.js';
import { verifyAll } from '../testing/index.js';

const THINK = '<think>t</think><answer>B</answer>';
const sample = (id: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  id,
  response: THINK,
  reference: { answer: 'B', score: 0.75 },
  reward: {
    components: [
      { name: 'exact', verifier: 'text.exact' },
      { name: 'iou', verifier: 'vision.box_iou', params, on_error: { score: 0.1 }, ...extra },
    ],
  },
});
const statuses = (rs: ResultJson[]) => rs.map((r) => r.components.iou!.status);

describe('a kit service over gRPC', () => {
  let srv: RunningServer;
  let port: number;
  let gateway: Gateway;
  const { service, seen } = testService();
  beforeAll(async () => {
    srv = await serve(service, { host: '127.0.0.1', port: 0, log: noopLogger });
    port = srv.port;
    gateway = new Gateway({ backends: { 'vision-iou': grpcBackend('vision-iou', `dns:///127.0.0.1:${port}`) }, defaultTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await gateway.close();
    await srv.shutdown(100);
  });

  it('scores a batch with one VerifyBatch and the merged reference', async () => {
    const before = seen.length;
    const { results } = await gateway.score([sample('a'), sample('b', {}, { reference: { score: 0.5 } })]);
    expect(results.map((r) => [r.id, r.status, r.reward])).toEqual([
      ['a', 'ok', 1.75],
      ['b', 'ok', 1.5],
    ]);
    expect(seen.slice(before).map((s) => s.reference)).toEqual([
      { answer: 'B', score: 0.75 },
      { answer: 'B', score: 0.5 },
    ]);
  });

  it('a service slower than the deadline: timeout with on_error, the rest of the batch ok', async () => {
    const { results } = await gateway.score([sample('fast'), sample('slow', { mode: 'hang' }, { timeout_ms: 150 })]);
    expect(statuses(results)).toEqual(['ok', 'timeout']);
    expect(results[1]).toMatchObject({ status: 'partial', reward: 1.1 });
    // The call's own deadline bounds it too.
    const r2 = await gateway.score([sample('d', { mode: 'slow', ms: 5_000 })], { deadline: Date.now() + 200 });
    expect(statuses(r2.results)).toEqual(['timeout']);
  });

  it('stopped mid-batch, down, and back: every sample gets one result; ok again when it returns', async () => {
    const pending = gateway.score([sample('m1', { mode: 'slow', ms: 2_000 }), sample('m2', { mode: 'slow', ms: 2_000 }), sample('m3')]);
    await new Promise((r) => setTimeout(r, 300));
    srv.server.forceShutdown();
    const mid = (await pending).results;
    expect(mid.map((r) => r.id)).toEqual(['m1', 'm2', 'm3']);
    for (const r of mid) {
      expect(['unavailable', 'error']).toContain(r.components.iou!.status);
      expect(r).toMatchObject({ status: 'partial', reward: 1.1 });
      expect(r.components.exact!.status).toBe('ok'); // the built-in verifier kept working
    }
    // Down: unavailable (not a hang until the 10 s component deadline), and the gateway keeps serving.
    const down = await gateway.score([sample('d1'), sample('d2')]);
    expect(statuses(down.results)).toEqual(['unavailable', 'unavailable']);
    expect(down.results[0]!.error).toMatch(/iou: unavailable/);
    // Back on the same port: results are ok again once the channel reconnects (backoff is capped at 2 s).
    srv = await serve(service, { host: '127.0.0.1', port, log: noopLogger });
    let last: ResultJson[] = [];
    for (let i = 0; i < 40; i++) {
      last = (await gateway.score([sample('b1'), sample('b2')])).results;
      if (last.every((r) => r.status === 'ok')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(last.map((r) => [r.status, r.reward])).toEqual([
      ['ok', 1.75],
      ['ok', 1.75],
    ]);
  });
});

describe('a rogue service over gRPC (garbage, fewer results, silence)', () => {
  let rogue: RunningServer;
  let gateway: Gateway;
  beforeAll(async () => {
    const pkg = loadPackage();
    rogue = await startServer({
      name: 'rogue',
      host: '127.0.0.1',
      port: 0,
      log: noopLogger,
      register: (server) =>
        server.addService(pkg.verimesh.v1.VerifierService.service, {
          VerifyBatch: (call: grpc.ServerUnaryCall<VerifyBatchRequest__Output, VerifyBatchResponse>, cb: grpc.sendUnaryData<VerifyBatchResponse>) => {
            const items = call.request.items;
            const mode = JSON.parse(items[0]!.params_json || '{}').mode;
            const ok = (key: string, score: number, status = 'COMPONENT_STATUS_OK') => ({ key, result: { score, status: status as 'COMPONENT_STATUS_OK', detail: 'x' } });
            if (mode === 'fewer') return cb(null, { results: [ok(items[1]!.key, 0.5)] });
            if (mode === 'garbage') {
              return cb(null, {
                results: [ok('not-a-key', 1), ok(items[0]!.key, Number.NaN), ok(items[1]!.key, 1, 'COMPONENT_STATUS_SKIPPED'), { key: items[2]!.key }],
              });
            }
            if (mode === 'crash') return cb({ code: grpc.status.INTERNAL, details: 'segfault' });
            if (mode === 'overloaded') return cb(toStatus(new ResourceExhaustedError('4096 runs queued')));
            if (mode === 'refuse') return cb(toStatus(new InvalidArgumentError('items[0].params.mode', 'items[0].params.mode is not for this service', 'BAD_MODE')));
            // "silent": never answers; the gateway's deadline ends the call.
          },
          Describe: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { service: 'vision-iou', version: 'rogue', verifiers: [] }),
        }),
    });
    gateway = new Gateway({ backends: { 'vision-iou': grpcBackend('vision-iou', `127.0.0.1:${rogue.port}`) } });
  });
  afterAll(async () => {
    await gateway.close();
    await rogue.shutdown(100);
  });

  it('fewer results than asked', async () => {
    const { results } = await gateway.score([sample('a', { mode: 'fewer' }), sample('b', { mode: 'fewer' }), sample('c', { mode: 'fewer' })]);
    expect(statuses(results)).toEqual(['error', 'ok', 'error']);
    expect(results.map((r) => r.reward)).toEqual([1.1, 1.5, 1.1]);
    expect(results[0]!.components.iou!.detail).toMatch(/no result/);
  });
  it('garbage keys, NaN scores, a "skipped" it may not decide, an empty result', async () => {
    const { results } = await gateway.score([sample('a', { mode: 'garbage' }), sample('b', { mode: 'garbage' }), sample('c', { mode: 'garbage' })]);
    expect(statuses(results)).toEqual(['error', 'error', 'error']);
    expect(results.every((r) => r.status === 'partial' && r.reward === 1.1)).toBe(true);
  });
  it('an INTERNAL failure and a silent service', async () => {
    const crash = await gateway.score([sample('a', { mode: 'crash' })]);
    expect(statuses(crash.results)).toEqual(['error']);
    expect(crash.results[0]!.error).toMatch(/segfault/);
    const silent = await gateway.score([sample('s', { mode: 'silent' }, { timeout_ms: 200 })]);
    expect(statuses(silent.results)).toEqual(['timeout']);
    expect(silent.results[0]).toMatchObject({ status: 'partial', reward: 1.1 });
  });
  it('overload is unavailable (on_error stands in); a refusal keeps the remote field and reason', async () => {
    const over = await gateway.score([sample('o', { mode: 'overloaded' })]);
    expect(statuses(over.results)).toEqual(['unavailable']);
    expect(over.results[0]).toMatchObject({ status: 'partial', reward: 1.1 });
    expect(over.results[0]!.components.iou!.detail).toMatch(/is overloaded: overloaded: 4096 runs queued/);
    const refused = await gateway.score([sample('r', { mode: 'refuse' })]);
    expect(statuses(refused.results)).toEqual(['invalid']);
    expect(refused.results[0]!.components.iou!.detail).toMatch(/refused the batch: items\[0\]\.params\.mode is not for this service/);
    const backend = grpcBackend('vision-iou', `127.0.0.1:${rogue.port}`);
    try {
      const err = await verifyAll(backend, [{ key: '0', verifier: 'vision.box_iou', params_json: '{"mode":"refuse"}' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect([(err as InvalidArgumentError).field, (err as InvalidArgumentError).reason]).toEqual(['items[0].params.mode', 'BAD_MODE']);
    } finally {
      backend.close();
    }
  });
  it('a service never configured: unavailable at once', async () => {
    const { results } = await gateway.score([{ id: 'x', response: 'r', reward: { components: [{ verifier: 'doc.teds', on_error: { score: 0.3 } }] } }]);
    expect(results[0]).toMatchObject({ status: 'partial', reward: 0.3 });
    expect(results[0]!.components['doc.teds']!.status).toBe('unavailable');
  });
});
