// The gateway's own faces on loopback: HTTP with real fetch, gRPC Score / ScoreStream / ListVerifiers with a real client.
import * as grpc from '@grpc/grpc-js';
import { errorDetails, noopLogger } from '@verimesh/kit';
import { loadPackage, type RewardGatewayServiceClient, type ScoreResponse__Output, type ScoreStreamResponse__Output } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, inProcessBackend, startGateway, type RunningGateway } from '../src/index.js';
import { testService } from './fixtures.js';

const reward = { components: [{ name: 'exact', verifier: 'text.exact' }, { name: 'fmt', verifier: 'text.format', weight: 0.5 }] };
const good = (id: string, group = 'g') => ({ id, group, response: '<think>t</think><answer>B</answer>', reference: { answer: 'B' }, reward, metadata: { step: 3 } });

let gateway: Gateway;
let running: RunningGateway;
let base: string;
let client: RewardGatewayServiceClient;
beforeAll(async () => {
  gateway = new Gateway({ backends: { 'vision-iou': inProcessBackend(testService().service) }, maxInFlight: 50, profiles: { mcq: { components: [{ verifier: 'text.exact' }] } } });
  running = await startGateway(gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log: noopLogger });
  base = `http://127.0.0.1:${running.httpPort}`;
  const Ctor = loadPackage().verimesh.v1.RewardGatewayService;
  client = new Ctor(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await running.shutdown();
  await gateway.close();
});

const post = (body: string) => fetch(`${base}/v1/score`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('HTTP', () => {
  it('POST /v1/score returns results and groups', async () => {
    const res = await post(JSON.stringify({ samples: [good('a'), good('b'), { id: 'c', response: 'C', profile: 'mcq', reference: { answer: 'B' }, group: 'g' }] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.results.map((r: any) => [r.id, r.status, r.reward])).toEqual([
      ['a', 'ok', 1.5],
      ['b', 'ok', 1.5],
      ['c', 'ok', 0],
    ]);
    expect(body.results[0].metadata).toEqual({ step: 3 });
    // g = {1.5, 1.5, 0}: mean 1, population variance (.25 + .25 + 1) / 3 = .5; b repeats a's response (a sentinel)
    expect(body.groups.g).toEqual({ count: 3, mean: 1, std: Math.sqrt(0.5), min: 0, max: 1.5, all_equal: false, flags: { duplicate_in_group: 1 } });
  });
  it('400 for bad JSON, no samples, empty samples, a sample without id; per-sample invalid otherwise', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"samples": [', /body is not valid JSON/],
      ['{"items": []}', /samples/],
      ['[]', /samples/],
      ['{"samples": []}', /samples must not be empty/],
      [JSON.stringify({ samples: [good('a'), { response: 'x', reward }] }), /samples\[1\]\.id is required/],
      ['{"samples": [{"id": "a", "response": "x", "reward": {"components": [{"verifier": "text.exact", "weight": NaN}]}}]}', /not valid JSON/],
    ];
    for (const [body, re] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const j = (await res.json()) as any;
      expect(j.error.code).toBe('INVALID_ARGUMENT');
      expect(j.error.message).toMatch(re);
      expect(j.error.reason).toBe('INVALID_FIELD');
    }
    const noId = (await (await post(JSON.stringify({ samples: [good('a'), { response: 'x', reward }] }))).json()) as any;
    expect(noId.error).toEqual({ code: 'INVALID_ARGUMENT', reason: 'INVALID_FIELD', field: 'samples[1].id', message: expect.stringMatching(/^samples\[1\]\.id/) });
    const res = await post(JSON.stringify({ samples: [good('a'), good('a'), { id: 'w', response: 'x', reward: { components: [{ verifier: 'text.exact', weight: 'NaN' }] } }] }));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as any;
    expect(results.map((r: any) => r.status)).toEqual(['ok', 'invalid', 'invalid']);
    expect(results[2].error).toMatch(/reward\.components\[0\]\.weight must be a finite number/);
  });
  it('429 while the in-flight limit is taken; 400 for a request the gateway could never admit (PLAN D4)', async () => {
    const slow = (id: string) => ({ id, response: 'x', reference: { score: 1 }, reward: { components: [{ verifier: 'vision.box_iou', params: { mode: 'slow', ms: 300 } }] } });
    const held = post(JSON.stringify({ samples: Array.from({ length: 40 }, (_, i) => slow(`h${i}`)) }));
    await new Promise((r) => setTimeout(r, 50));
    const res = await post(JSON.stringify({ samples: Array.from({ length: 20 }, (_, i) => good(`s${i}`)) }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as any).error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', reason: 'OVERLOADED', message: expect.stringMatching(/overloaded/) });
    expect((await held).status).toBe(200);
    const tooBig = await post(JSON.stringify({ samples: Array.from({ length: 51 }, (_, i) => good(`s${i}`)) }));
    expect(tooBig.status).toBe(400);
    expect(((await tooBig.json()) as any).error).toMatchObject({ code: 'INVALID_ARGUMENT', reason: 'TOO_MANY_SAMPLES', field: 'samples', message: expect.stringMatching(/at most 50 per request/) });
  });
  it('GET /healthz and /metrics; unknown routes 404', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const m = await fetch(`${base}/metrics`);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await m.text();
    expect(text).toMatch(/verimesh_gateway_requests_total\{transport="http",code="OK"\} \d+/);
    expect(text).toContain('verimesh_gateway_requests_total{transport="http",code="INVALID_ARGUMENT"} 8');
    expect(text).toMatch(/verimesh_gateway_verifier_latency_seconds_count\{verifier="text.exact"\} \d+/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/v1/score`)).status).toBe(405);
    const get = await fetch(`${base}/get_reward?profile=x`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(((await get.json()) as { error: { message: string } }).error.message).toBe('use POST /get_reward');
  });
});

describe('gRPC', () => {
  const score = (samples: unknown[]) =>
    new Promise<{ err: grpc.ServiceError | null; res?: ScoreResponse__Output }>((resolve) =>
      client.Score({ samples: samples as never }, { deadline: Date.now() + 10_000 }, (err, res) => resolve({ err, res })),
    );
  const protoSample = (id: string, weight?: number) => ({
    id,
    group: 'p',
    response: 'B',
    reference_json: '{"answer":"B","score":0.5}',
    metadata_json: '{"k":1}',
    reward: { components: [{ name: 'exact', verifier: 'text.exact', ...(weight === undefined ? {} : { weight }) }, { name: 'iou', verifier: 'vision.box_iou', params_json: '{"echo":true}' }], combine: 'sum' },
  });
  it('Score: proto in, proto out, enums and *_json fields', async () => {
    const { err, res } = await score([protoSample('a'), protoSample('nan', Number.NaN), { ...protoSample('badref'), reference_json: '{oops' }]);
    expect(err).toBeNull();
    const [a, nan, badref] = res!.results;
    expect(a).toMatchObject({ id: 'a', reward: 1.5, status: 'RESULT_STATUS_OK', metadata_json: '{"k":1}' });
    expect(a!.components.map((c) => [c.name, c.status, c.score])).toEqual([
      ['exact', 'COMPONENT_STATUS_OK', 1],
      ['iou', 'COMPONENT_STATUS_OK', 0.5],
    ]);
    expect(JSON.parse(a!.components[1]!.metrics_json)).toEqual({ reference: { answer: 'B', score: 0.5 } });
    expect(nan).toMatchObject({ status: 'RESULT_STATUS_INVALID', reward: 0 });
    expect(nan!.error).toMatch(/reward\.components\[0\]\.weight must be a finite number, got NaN/);
    expect(badref!.error).toMatch(/reference_json is not valid JSON/);
    expect(res!.groups).toEqual([{ group: 'p', count: 3, mean: 0.5, std: Math.sqrt((1 + 0.25 + 0.25) / 3), min: 0, max: 1.5, all_equal: false, flags: {} }]);
  });
  it('Score: a component slower than the caller\'s deadline comes back as timeout before that deadline', async () => {
    const hang = { ...protoSample('h'), reward: { components: [{ name: 'v', verifier: 'vision.box_iou', params_json: '{"mode":"hang"}', on_error: { score: 0.25 } }] } };
    const { err, res } = await new Promise<{ err: grpc.ServiceError | null; res?: ScoreResponse__Output }>((resolve) =>
      client.Score({ samples: [hang, protoSample('quick')] }, { deadline: Date.now() + 1_000 }, (e, r) => resolve({ err: e, res: r })),
    );
    expect(err).toBeNull();
    expect(res!.results[0]).toMatchObject({ status: 'RESULT_STATUS_PARTIAL', reward: 0.25 });
    expect(res!.results[0]!.components[0]!.status).toBe('COMPONENT_STATUS_TIMEOUT');
    expect(res!.results[1]!.status).toBe('RESULT_STATUS_OK');
  });
  it('Score: a response over 10 MiB makes only that sample invalid', async () => {
    const { err, res } = await score([{ ...protoSample('big'), response: 'x'.repeat(10 * 1024 * 1024 + 1) }, protoSample('small')]);
    expect(err).toBeNull();
    expect(res!.results.map((r) => r.status)).toEqual(['RESULT_STATUS_INVALID', 'RESULT_STATUS_OK']);
    expect(res!.results[0]!.error).toMatch(/^response is larger than 10485760 bytes/);
  });
  it('Score: INVALID_ARGUMENT naming the field for an empty request or a sample without id', async () => {
    const empty = await score([]);
    expect(empty.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const noId = await score([protoSample('a'), { ...protoSample(''), id: '' }]);
    expect(noId.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorDetails(noId.err!).field).toBe('samples[1].id');
  });
  it('ScoreStream: each result streams back, then the group stats of each request message', async () => {
    const call = client.ScoreStream({ deadline: Date.now() + 10_000 });
    const got: ScoreStreamResponse__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: ScoreStreamResponse__Output) => got.push(m));
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ samples: [protoSample('s1'), protoSample('s2')] });
    call.write({ samples: [{ ...protoSample('s3'), group: 'q' }] });
    call.end();
    await done;
    const results = got.filter((m) => m.result).map((m) => m.result!.id);
    expect(results.sort()).toEqual(['s1', 's2', 's3']);
    const groups = got.filter((m) => m.groups.length).map((m) => m.groups);
    // s2 repeats s1's response in group p: duplicate_in_group
    expect(groups).toContainEqual([{ group: 'p', count: 2, mean: 1.5, std: 0, min: 1.5, max: 1.5, all_equal: true, flags: { duplicate_in_group: 1 } }]);
    expect(groups).toContainEqual([{ group: 'q', count: 1, mean: 1.5, std: 0, min: 1.5, max: 1.5, all_equal: true, flags: {} }]);
  });
  it('ScoreStream: a result comes back before the client sends more (no waiting for the whole stream)', async () => {
    const call = client.ScoreStream({ deadline: Date.now() + 10_000 });
    const next = () => new Promise<ScoreStreamResponse__Output>((resolve) => call.once('data', resolve));
    call.write({ samples: [{ ...protoSample('first'), group: '' }] });
    expect((await next()).result!.id).toBe('first'); // the stream is still open on our side
    call.write({ samples: [{ ...protoSample('second'), group: '' }] });
    expect((await next()).result!.id).toBe('second');
    const ended = new Promise<void>((resolve) => call.on('end', resolve));
    call.on('data', () => undefined);
    call.end();
    await ended;
  });
  it('ListVerifiers: the whole catalogue with availability', async () => {
    const res = await new Promise<any>((resolve, reject) => client.ListVerifiers({}, (e, r) => (e ? reject(e) : resolve(r))));
    const by = Object.fromEntries(res.verifiers.map((v: any) => [v.name, v]));
    expect(by['text.numeric'].available).toBe(true);
    expect(by['vision.box_iou'].available).toBe(true);
    expect(by['judge.rubric']).toMatchObject({ service: 'llm-judge', available: false });
  });
  it('health reports SERVING for the gateway service', async () => {
    // grpc.health.v1 via a generic client: the kit registers it; a raw check keeps this test free of extra packages.
    const health = new grpc.Client(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
    const ser = (v: { service: string }) => {
      const s = Buffer.from(v.service);
      return Buffer.concat([Buffer.from([0x0a, s.length]), s]);
    };
    const status = await new Promise<number>((resolve, reject) =>
      health.makeUnaryRequest('/grpc.health.v1.Health/Check', ser, (b: Buffer) => b, { service: 'verimesh.v1.RewardGatewayService' }, (e, r) => (e ? reject(e) : resolve(r![1]!))),
    );
    health.close();
    expect(status).toBe(1); // SERVING
  });
});
