// The contract under hostile input (SPEC 6, issue 10): each finding as a regression test, with the input given there,
// through the real HTTP and gRPC faces on loopback.
import * as grpc from '@grpc/grpc-js';
import { noopLogger } from '@verimesh/kit';
import { loadPackage, type RewardGatewayServiceClient, type ScoreResponse__Output, type ScoreStreamResponse__Output } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, inProcessBackend, startGateway, type RunningGateway } from '../src/index.js';
import { testService } from './fixtures.js';

/** JSON text nesting `n` objects ({"a":{"a":…1…}}), built as text: JSON.stringify could not write it. */
const deepText = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const TOO_DEEP = /nests deeper than 64 levels/;

const reward = { components: [{ name: 'exact', verifier: 'text.exact' }] };
const good = (id: string, extra: Record<string, unknown> = {}) => ({ id, response: '<answer>B</answer>', reference: { answer: 'B' }, reward, ...extra });
const protoGood = (id: string, extra: Record<string, unknown> = {}) => ({ id, response: '<answer>B</answer>', reference_json: '{"answer":"B"}', reward: { components: [{ name: 'exact', verifier: 'text.exact' }] }, ...extra });

let gateway: Gateway;
let running: RunningGateway;
let client: RewardGatewayServiceClient;
beforeAll(async () => {
  gateway = new Gateway({ backends: { 'vision-iou': inProcessBackend(testService().service) } });
  running = await startGateway(gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log: noopLogger });
  client = new (loadPackage().verimesh.v1.RewardGatewayService)(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 256 * 1024 * 1024,
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
  });
});
afterAll(async () => {
  client.close();
  await running.shutdown();
  await gateway.close();
});

/** An HTTP body with `samples` spliced in as raw JSON texts (deep parts cannot go through JSON.stringify). */
const postRaw = (sampleTexts: string[]) => fetch(`http://127.0.0.1:${running.httpPort}/v1/score`, { method: 'POST', body: `{"samples":[${sampleTexts.join(',')}]}` });
const score = (samples: unknown[]) =>
  new Promise<{ err: grpc.ServiceError | null; res?: ScoreResponse__Output }>((resolve) =>
    client.Score({ samples: samples as never }, { deadline: Date.now() + 60_000 }, (err, res) => resolve({ err, res })),
  );

describe('deep JSON parts are one invalid sample, never a 500 / INTERNAL / stuck stream', () => {
  it('ScoreStream: params_json 20,000 levels deep; the samples after it are scored and in-flight returns to 0', async () => {
    const call = client.ScoreStream({ deadline: Date.now() + 30_000 });
    const got: ScoreStreamResponse__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: ScoreStreamResponse__Output) => got.push(m));
      call.on('end', resolve);
      call.on('error', reject);
    });
    const deep = protoGood('deep', { reward: { components: [{ name: 'exact', verifier: 'text.exact', params_json: deepText(20_000) }] } });
    call.write({ samples: [protoGood('before'), deep, protoGood('after')] });
    call.write({ samples: [protoGood('later')] });
    call.end();
    await done;
    const results = Object.fromEntries(got.filter((m) => m.result).map((m) => [m.result!.id, m.result!]));
    expect(Object.keys(results).sort()).toEqual(['after', 'before', 'deep', 'later']);
    expect(results.deep).toMatchObject({ status: 'RESULT_STATUS_INVALID', reward: 0 });
    expect(results.deep!.error).toBe('reward.components[0].params nests deeper than 64 levels of arrays and objects (the limit for JSON parts)');
    for (const id of ['before', 'after', 'later']) expect(results[id]).toMatchObject({ status: 'RESULT_STATUS_OK', reward: 1 });
    expect(gateway.inFlight).toBe(0);
  });

  it('HTTP: metadata or params nested 10,000 levels make that sample invalid, naming the field; HTTP 200', async () => {
    const res = await postRaw([
      JSON.stringify(good('a')),
      `{"id":"meta","response":"B","reward":{"components":[{"verifier":"text.exact"}]},"metadata":${deepText(10_000)}}`,
      `{"id":"params","response":"B","reward":{"components":[{"verifier":"text.exact","params":${deepText(10_000)}}]}}`,
      JSON.stringify(good('b')),
    ]);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as any;
    expect(results.map((r: any) => [r.id, r.status])).toEqual([['a', 'ok'], ['meta', 'invalid'], ['params', 'invalid'], ['b', 'ok']]);
    expect(results[1].error).toBe('metadata nests deeper than 64 levels of arrays and objects (the limit for JSON parts)');
    expect(results[1]).not.toHaveProperty('metadata');
    expect(results[2].error).toBe('reward.components[0].params nests deeper than 64 levels of arrays and objects (the limit for JSON parts)');
    expect(gateway.inFlight).toBe(0);
  });

  it('gRPC Score: 5,000 levels in metadata_json, params_json or reference_json: that sample invalid, the call OK', async () => {
    const { err, res } = await score([
      protoGood('a'),
      protoGood('meta', { metadata_json: deepText(5_000) }),
      protoGood('params', { reward: { components: [{ verifier: 'text.exact', params_json: deepText(5_000) }] } }),
      protoGood('ref', { reference_json: deepText(5_000) }),
      protoGood('cref', { reward: { components: [{ verifier: 'text.exact', reference_json: deepText(5_000) }] } }),
      protoGood('b'),
    ]);
    expect(err).toBeNull();
    const rs = res!.results;
    expect(rs.map((r) => [r.id, r.status])).toEqual([
      ['a', 'RESULT_STATUS_OK'],
      ['meta', 'RESULT_STATUS_INVALID'],
      ['params', 'RESULT_STATUS_INVALID'],
      ['ref', 'RESULT_STATUS_INVALID'],
      ['cref', 'RESULT_STATUS_INVALID'],
      ['b', 'RESULT_STATUS_OK'],
    ]);
    expect(rs.slice(1, 5).map((r) => r.error.split(' nests')[0])).toEqual(['metadata', 'reward.components[0].params', 'reference', 'reward.components[0].reference']);
    expect(rs[1]!.metadata_json).toBe('');
  });

  it('HTTP: a reference nesting 5,000 levels is that sample invalid; the rest of the batch is ok (not partial, not 0)', async () => {
    const res = await postRaw([
      JSON.stringify(good('a')),
      `{"id":"deep","response":"B","reward":{"components":[{"verifier":"text.exact"}]},"reference":${deepText(5_000)}}`,
      JSON.stringify(good('b')),
    ]);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as any;
    expect(results.map((r: any) => [r.id, r.status, r.reward])).toEqual([['a', 'ok', 1], ['deep', 'invalid', 0], ['b', 'ok', 1]]);
    expect(results[1].error).toMatch(/^reference nests deeper than 64 levels/);
  });

  it('a RewardSpec too deep to serialize (over HTTP) names its deep part', async () => {
    const res = await postRaw([`{"id":"r","response":"B","reward":{"components":[{"verifier":"text.exact","reference":${deepText(20_000)}}]}}`]);
    const { results } = (await res.json()) as any;
    expect(results[0]).toMatchObject({ status: 'invalid', error: expect.stringMatching(/^reward\.components\[0\]\.reference nests deeper than 64/) });
  });

  it('deep arrays count like deep objects; the limit is inclusive (64 levels pass)', async () => {
    const arr = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const res = await postRaw([
      `{"id":"ok64","response":"B","reference":{"answer":"B"},"reward":{"components":[{"verifier":"text.exact"}]},"metadata":${arr(64)}}`,
      `{"id":"bad65","response":"B","reference":{"answer":"B"},"reward":{"components":[{"verifier":"text.exact"}]},"metadata":${arr(65)}}`,
    ]);
    const { results } = (await res.json()) as any;
    expect(results.map((r: any) => r.status)).toEqual(['ok', 'invalid']);
    expect(results[1].error).toMatch(TOO_DEEP);
  });
});

describe('user strings are never object internals', () => {
  const protoComponent = {
    components: [
      { name: '__proto__', verifier: 'text.exact' },
      { name: 'constructor', verifier: 'vision.box_iou' },
    ],
  };
  it('HTTP: "group": "__proto__" keeps its statistics; a component named __proto__ appears in components', async () => {
    const jsonComponent = { components: [{ name: '__proto__', verifier: 'text.exact' }, { name: 'constructor', verifier: 'vision.box_iou' }] };
    const res = await postRaw([
      JSON.stringify({ id: '__proto__', group: '__proto__', response: 'B', reference: { answer: 'B', score: 0.5 }, reward: jsonComponent }),
      JSON.stringify({ id: 'constructor', group: '__proto__', response: 'C', reference: { answer: 'B', score: 0.5 }, reward: jsonComponent }),
      JSON.stringify({ id: 'toString', group: 'constructor', response: 'B', reference: { answer: 'B' }, reward }),
    ]);
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.results.map((r: any) => [r.id, r.reward])).toEqual([['__proto__', 1.5], ['constructor', 0.5], ['toString', 1]]);
    expect(Object.keys(body.results[0].components)).toEqual(['__proto__', 'constructor']);
    expect(body.results[0].components.__proto__).toMatchObject({ score: 1, status: 'ok' });
    // { 1.5, 0.5 }: mean 1, population std 0.5
    expect(Object.keys(body.groups).sort()).toEqual(['__proto__', 'constructor']);
    expect(body.groups.__proto__).toMatchObject({ count: 2, mean: 1, std: 0.5, min: 0.5, max: 1.5, all_equal: false });
    expect(body.groups.constructor).toMatchObject({ count: 1, mean: 1 });
  });
  it('gRPC Score: the same, in proto', async () => {
    const { err, res } = await score([
      protoGood('x', { group: '__proto__', reference_json: '{"answer":"B","score":0.5}', reward: protoComponent }),
      protoGood('y', { group: '__proto__', response: 'C', reference_json: '{"answer":"B","score":0.5}', reward: protoComponent }),
    ]);
    expect(err).toBeNull();
    expect(res!.results[0]!.components.map((c) => [c.name, c.score])).toEqual([['__proto__', 1], ['constructor', 0.5]]);
    expect(res!.groups).toEqual([expect.objectContaining({ group: '__proto__', count: 2, mean: 1, std: 0.5 })]);
  });
});

describe('limits consistent with admission (PLAN D4)', () => {
  it('an idle gateway with default settings admits 100,000 samples in one request (it was refused with "retry")', async () => {
    const samples = Array.from({ length: 100_000 }, (_, i) => protoGood(`s${i}`, { group: `g${i >> 4}` }));
    const { err, res } = await score(samples);
    expect(err).toBeNull();
    expect(res!.results).toHaveLength(100_000);
    expect(res!.results.every((r) => r.status === 'RESULT_STATUS_OK')).toBe(true);
    expect(gateway.inFlight).toBe(0);
    // (100,001 samples: INVALID_ARGUMENT naming the limit, in src/gateway.test.ts.)
  }, 120_000);
});
