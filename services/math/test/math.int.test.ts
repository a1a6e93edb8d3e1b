// The math service over real gRPC on 127.0.0.1: the whole table in one batch, bad references and params, and
// pathological answers that must never stall the service (a stuck worker is replaced, the next item is served).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { createService, loadServiceConfig } from '../src/index.js';
import { PAIRS } from './pairs.js';

interface Server {
  srv: RunningServer;
  client: VerifierServiceClient;
}

async function start(env: Record<string, string>): Promise<Server> {
  const srv = await serve(createService(loadServiceConfig({ env })), { host: '127.0.0.1', port: 0, log: noopLogger });
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  return { srv, client: new Ctor(srv.address, grpc.credentials.createInsecure()) };
}
async function stop(s: Server | undefined): Promise<void> {
  s?.client.close();
  await s?.srv.shutdown(1000);
}

const call = (s: Server, items: object[], deadlineMs = 60_000) =>
  new Promise<any>((resolve, reject) =>
    s.client.VerifyBatch({ items }, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res))),
  );
const describeCall = (s: Server) => new Promise<any>((resolve, reject) => s.client.Describe({}, (e, r) => (e ? reject(e) : resolve(r))));

const item = (key: string, answer: string, response: string, params: object = {}) => ({
  key, verifier: 'math.equiv', response, reference_json: JSON.stringify({ answer }), params_json: JSON.stringify(params),
});

let main: Server | undefined;
beforeAll(async () => {
  main = await start({ VERIMESH_MATH_WORKERS: '2' });
});
afterAll(async () => stop(main));

describe('math over gRPC', () => {
  it('describes math.equiv and its worker pool', async () => {
    const res = await describeCall(main!);
    expect(res.service).toBe('math');
    expect(res.verifiers.map((v: any) => v.name)).toEqual(['math.equiv']);
    expect(Object.keys(JSON.parse(res.verifiers[0].params_json)).sort()).toEqual(['extract', 'precision', 'set_relation', 'strict', 'targets']);
    expect(JSON.parse(res.info_json).math_worker.workers).toBe(2);
  });

  it('scores the whole table in one batch, one result per item in order', async () => {
    const items = PAIRS.map((p, i) => item(`p${i}`, p.gold, p.response, p.params ?? {}));
    const res = await call(main!, items);
    expect(res.results.map((r: any) => r.key)).toEqual(items.map((i) => i.key));
    const wrong = PAIRS.flatMap((p, i) => {
      const r = res.results[i].result;
      return r.status === 'COMPONENT_STATUS_OK' && r.score === p.expect ? [] : [`#${i} ${p.category} ${p.why}: ${r.status} ${r.score} ${r.detail}`];
    });
    expect(wrong).toEqual([]);
  });

  it('a bad reference or bad params is invalid, naming the field; an unparseable answer is 0, status ok', async () => {
    const res = await call(main!, [
      item('ref', '\\frac{1}{', '\\boxed{1}'),
      { key: 'noref', verifier: 'math.equiv', response: '\\boxed{1}', reference_json: '{}' },
      { key: 'objref', verifier: 'math.equiv', response: '\\boxed{1}', reference_json: '{"answer": {"x": 1}}' },
      item('prec', '1', '\\boxed{1}', { precision: -1 }),
      item('targets', '1', '\\boxed{1}', { targets: 'words' }),
      item('regex', '1', '\\boxed{1}', { extract: 'no group' }),
      item('bad-answer', '1', 'I cannot solve this \\boxed{\\frac{1}{'),
      { key: 'number-ref', verifier: 'math.equiv', response: 'so \\boxed{0.5}', reference_json: '{"answer": 0.5}' },
    ]);
    const by = Object.fromEntries(res.results.map((r: any) => [r.key, r.result]));
    for (const [k, field] of [['ref', 'reference.answer'], ['noref', 'reference.answer'], ['objref', 'reference.answer'], ['prec', 'params.precision'], ['targets', 'params.targets'], ['regex', 'params.extract']]) {
      expect(by[k!].status, k).toBe('COMPONENT_STATUS_INVALID');
      expect(by[k!].detail, k).toContain(field);
    }
    expect(by['bad-answer']).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 0 });
    expect(by['bad-answer'].detail).toContain('could not be parsed');
    expect(by['number-ref']).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 1 });
  });

  it('pathological answers finish (scored or timeout) within their deadline and the service keeps serving', async () => {
    const spans = Array.from({ length: 12_000 }, (_, i) => `$x_{${i}} + \\frac{${i}}{2}$`).join(' ');
    let nested = 'x';
    for (let i = 0; i < 60; i++) nested = `\\frac{1}{1+${nested}}`;
    const sum = Array.from({ length: 1000 }, (_, i) => String(i + 1)).join('+');
    const symbolicSum = Array.from({ length: 1000 }, (_, i) => `x^{${i + 1}}`).join('+');
    const cases = [
      item('spans', '5', `${spans} so the answer is $5$`),
      item('tower', '5', '\\boxed{10^{10^{10}}}'),
      item('tower-ref', '10^{10^{10}}', '\\boxed{10^{10^{10}}+1}'),
      item('nested', 'x', `\\boxed{${nested}}`),
      item('sum', '500500', `\\boxed{${sum}}`),
      item('symbolic-sum', 'x', `\\boxed{${symbolicSum}}`),
      item('deep', '1', `\\boxed{${'{'.repeat(5000)}1${'}'.repeat(5000)}}`),
      item('endless-sum', '5', '\\boxed{\\sum_{k=1}^{10^{9}} k}'),
    ].map((c) => ({ ...c, timeout_ms: 4000 }));
    expect(spans.length).toBeGreaterThan(100_000);
    const t0 = Date.now();
    const res = await call(main!, cases);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const by = Object.fromEntries(res.results.map((r: any) => [r.key, r.result]));
    for (const k of Object.keys(by)) expect(['COMPONENT_STATUS_OK', 'COMPONENT_STATUS_TIMEOUT'], k).toContain(by[k].status);
    expect(by.spans).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 1 });
    expect(by.tower).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 0 });
    expect(by['tower-ref']).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 0 });
    expect(by.deep).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 0 });
    expect(by['endless-sum'].status).toBe('COMPONENT_STATUS_TIMEOUT');
    if (by.sum.status === 'COMPONENT_STATUS_OK') expect(by.sum.score).toBe(1);
    const after = await call(main!, [item('after', '\\frac{1}{2}', '\\boxed{0.5}')]);
    expect(after.results[0].result).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 1 });
  });
});

describe('a stuck worker', () => {
  let tight: Server | undefined;
  beforeAll(async () => {
    // One worker and a 1 s budget per item: the engine sums \sum_{k=1}^{10^9} k term by term (hours).
    tight = await start({ VERIMESH_MATH_WORKERS: '1', VERIMESH_MATH_ITEM_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => stop(tight));

  it('is terminated at the item deadline, answers timeout, and is replaced', async () => {
    const t0 = Date.now();
    const res = await call(tight!, [item('stuck', '5', '\\boxed{\\sum_{k=1}^{10^{9}} k}')]);
    expect(res.results[0].result.status).toBe('COMPONENT_STATUS_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(10_000);
    const info = JSON.parse((await describeCall(tight!)).info_json);
    expect(info.math_worker.replaced).toBe(1);
    // The replacement worker serves the next item (its start is not charged to the item's budget).
    const next = await call(tight!, [item('next', '2', '\\boxed{2}')]);
    expect(next.results[0].result).toMatchObject({ status: 'COMPONENT_STATUS_OK', score: 1 });
  });
});
