// The Gateway end to end in process: combine, gates and stages, profiles, group stats, on_error, malformed input, streaming.
import { InvalidArgumentError, ResourceExhaustedError } from '@verimesh/kit';
import { CATALOGUE, type ResultJson, type VerifyItem } from '@verimesh/proto';
import { describe, expect, it } from 'vitest';
import { backendOf } from '../testing/index.js';
import { counting, testService } from '../test/fixtures.js';
import { inProcessBackend, type VerifierBackend } from './backends.js';
import { Gateway } from './gateway.js';

// The test service (test/fixtures.ts) scores vision.box_iou = reference.score and vision.point = reference.point,
// so every expected reward below is arithmetic on numbers the test itself chose.
function setup(opts: { profiles?: Record<string, any>; maxInFlight?: number; defaultTimeoutMs?: number } = {}) {
  const { service, seen } = testService();
  const vision = counting(inProcessBackend(service));
  const gateway = new Gateway({ backends: { 'vision-iou': vision }, ...opts });
  return { gateway, vision, seen };
}
const byId = (rs: ResultJson[]) => Object.fromEntries(rs.map((r) => [r.id, r]));
const THINK = '<think>ok</think><answer>B</answer>';

describe('combine modes end to end', () => {
  const comps = [
    { name: 'a', verifier: 'vision.box_iou', weight: 2 },
    { name: 'b', verifier: 'vision.point', weight: 0.5 },
  ];
  const ref = { score: 0.75, point: 0.2 };
  it.each([
    ['sum', 2 * 0.75 + 0.5 * 0.2],
    ['mean', (2 * 0.75 + 0.5 * 0.2) / 2.5],
    ['min', 0.2],
    ['product', 0.75 * 0.2],
    [{ formula: 'if(a > 0.5, a - b, 0) * 2' }, (0.75 - 0.2) * 2],
  ])('%j', async (combine, expected) => {
    const { gateway } = setup();
    const { results } = await gateway.score([{ id: 's', response: 'x', reference: ref, reward: { components: comps, combine } }]);
    expect(results[0]!.status).toBe('ok');
    expect(results[0]!.reward).toBeCloseTo(expected as number, 12);
    expect(results[0]!.components.a!.score).toBe(0.75);
    expect(results[0]!.components.b!.score).toBe(0.2);
  });
});

describe('gates', () => {
  const reward = {
    components: [
      { name: 'format', verifier: 'text.format', params: { pattern: 'think_answer' }, gate: { min: 1, value: -1 } },
      { name: 'iou', verifier: 'vision.box_iou', gate: { min: 0.5 } },
      { name: 'point', verifier: 'vision.point', weight: 2 },
    ],
  };
  it('apply in order, and nothing behind a failed gate reaches its service', async () => {
    const { gateway, vision, seen } = setup();
    const { results } = await gateway.score([
      { id: 'bad-format', response: 'no tags', reference: { score: 0.9, point: 1 }, reward },
      { id: 'low-iou', response: THINK, reference: { score: 0.3, point: 1 }, reward },
      { id: 'all-pass', response: THINK, reference: { score: 0.9, point: 0.25 }, reward },
    ]);
    const r = byId(results);
    expect(r['bad-format']).toMatchObject({ reward: -1, status: 'ok' });
    expect(r['bad-format']!.components.iou!.status).toBe('skipped');
    expect(r['bad-format']!.components.point!.status).toBe('skipped');
    expect(r['low-iou']).toMatchObject({ reward: 0, status: 'ok' }); // gate value defaults to 0
    expect(r['low-iou']!.components.iou).toMatchObject({ score: 0.3, status: 'ok' });
    expect(r['low-iou']!.components.point!.status).toBe('skipped');
    expect(r['all-pass']!.reward).toBeCloseTo(1 + 0.9 + 2 * 0.25, 12);
    // Stage 1 (iou) saw only the two samples whose format passed; stage 2 (point) only the one whose iou passed.
    expect(seen.filter((s) => s.verifier === 'vision.box_iou').length).toBe(2);
    expect(seen.filter((s) => s.verifier === 'vision.point').length).toBe(1);
    expect(seen.some((s) => s.response === 'no tags')).toBe(false);
    // One VerifyBatch per service per stage, never one per sample.
    expect(vision.calls.map((c) => c.length)).toEqual([2, 1]);
  });
  it('an errored gated component uses its on_error score for the gate', async () => {
    const { gateway, seen } = setup();
    const { results } = await gateway.score([
      {
        id: 'e',
        response: 'x',
        reward: {
          components: [
            { name: 'g', verifier: 'vision.box_iou', params: { mode: 'throw' }, gate: { min: 0.5, value: 0.1 }, on_error: { score: 0.2 } },
            { name: 'p', verifier: 'vision.point' },
          ],
        },
      },
    ]);
    expect(results[0]).toMatchObject({ reward: 0.1, status: 'partial' });
    expect(results[0]!.components.g).toMatchObject({ status: 'error', score: 0.2 });
    expect(results[0]!.components.p!.status).toBe('skipped');
    expect(seen.filter((s) => s.verifier === 'vision.point')).toHaveLength(0);
  });
  it('groups all components of a batch into one call per service per stage', async () => {
    const { gateway, vision } = setup();
    const samples = Array.from({ length: 50 }, (_, i) => ({
      id: `s${i}`,
      response: THINK,
      reference: { answer: 'B', score: 1 },
      reward: { components: [{ verifier: 'text.exact' }, { verifier: 'vision.box_iou' }, { verifier: 'vision.point' }] },
    }));
    const { results } = await gateway.score(samples);
    expect(results.every((r) => r.status === 'ok' && r.reward === 2.5)).toBe(true);
    expect(vision.calls).toHaveLength(1);
    expect(vision.calls[0]).toHaveLength(100);
  });
});

describe('profiles and reference merge', () => {
  const profiles = {
    refcoco: {
      components: [
        { name: 'iou', verifier: 'vision.box_iou', reference: { score: 0.4, extra: 'component' }, params: { echo: true } },
        { name: 'fmt', verifier: 'vision.point', weight: 0 },
      ],
      combine: 'sum' as const,
    },
  };
  it('resolves a profile and merges the sample reference under the component reference (component keys win, shallow)', async () => {
    const { gateway, seen } = setup({ profiles });
    const { results } = await gateway.score([{ id: 'p', response: 'x', profile: 'refcoco', reference: { score: 0.9, box: [1, 2, 3, 4], extra: 'sample' } }]);
    expect(results[0]!.status).toBe('ok');
    expect(results[0]!.reward).toBe(0.4); // the component's score wins over the sample's; fmt has weight 0
    const iouRef = seen.find((s) => s.verifier === 'vision.box_iou')!.reference;
    expect(iouRef).toEqual({ score: 0.4, box: [1, 2, 3, 4], extra: 'component' });
    expect(results[0]!.components.iou!.metrics).toEqual({ reference: { score: 0.4, box: [1, 2, 3, 4], extra: 'component' } });
    // A component without its own reference gets the sample's unchanged.
    expect(seen.find((s) => s.verifier === 'vision.point')!.reference).toEqual({ score: 0.9, box: [1, 2, 3, 4], extra: 'sample' });
  });
  it('an unknown profile, or reward together with profile, makes that sample invalid', async () => {
    const { gateway } = setup({ profiles });
    const { results } = await gateway.score([
      { id: 'u', response: 'x', profile: 'nope' },
      { id: 'both', response: 'x', profile: 'refcoco', reward: profiles.refcoco },
      { id: 'none', response: 'x' },
      { id: 'ok', response: 'x', profile: 'refcoco' },
    ]);
    const r = byId(results);
    expect(r.u).toMatchObject({ status: 'invalid', reward: 0 });
    expect(r.u!.error).toMatch(/profile: unknown profile "nope" \(known: refcoco\)/);
    expect(r.both!.error).toMatch(/reward and profile/);
    expect(r.none!.error).toMatch(/reward is required/);
    expect(r.ok!.status).toBe('ok');
  });
  it('refuses a bad profile at construction, naming it', () => {
    expect(() => new Gateway({ backends: {}, profiles: { broken: { components: [{ verifier: 'text.exact', weight: Number.NaN }] } } })).toThrow(
      /profiles\.broken\.components\[0\]\.weight must be a finite number/,
    );
  });
});

describe('group statistics', () => {
  it('count, mean, population std, min, max, all_equal per group', async () => {
    const { gateway } = setup();
    const reward = { components: [{ verifier: 'vision.box_iou' }] };
    const sample = (id: string, group: string | undefined, score: number) => ({ id, group, response: `x ${id}`, reference: { score }, reward });
    const { groups } = await gateway.score([
      sample('a1', 'A', 1),
      sample('a2', 'A', 0),
      sample('a3', 'A', 0.5),
      sample('a4', 'A', 0.5),
      sample('b1', 'B', 0.25),
      sample('b2', 'B', 0.25),
      sample('n', undefined, 7),
    ]);
    // A = {1, 0, .5, .5}: mean .5, deviations ±.5, 0, 0 -> variance (.25+.25)/4 = .125, std = sqrt(.125)
    expect(groups.A).toEqual({ count: 4, mean: 0.5, std: Math.sqrt(0.125), min: 0, max: 1, all_equal: false, flags: {} });
    expect(groups.B).toEqual({ count: 2, mean: 0.25, std: 0, min: 0.25, max: 0.25, all_equal: true, flags: {} });
    expect(Object.keys(groups).sort()).toEqual(['A', 'B']);
  });
});

describe('on_error fallbacks and statuses', () => {
  it('stand in for error, unavailable, timeout and invalid; the result is partial or invalid with a message', async () => {
    const { gateway } = setup();
    const one = (id: string, mode: string, extra: Record<string, unknown> = {}) => ({
      id,
      response: 'x',
      reference: { point: 1 },
      reward: { components: [{ name: 'v', verifier: 'vision.box_iou', params: { mode }, on_error: { score: 0.25 }, ...extra }, { name: 'p', verifier: 'vision.point' }] },
    });
    const { results } = await gateway.score([
      one('err', 'throw'),
      one('unav', 'unavailable'),
      one('slow', 'hang', { timeout_ms: 50 }),
      one('inv', 'invalid'),
      { id: 'default', response: 'x', reward: { components: [{ verifier: 'vision.box_iou', params: { mode: 'throw' } }] } },
      { id: 'nosvc', response: 'x', reward: { components: [{ verifier: 'code.tests', on_error: { score: -0.5 } }] } },
    ]);
    const r = byId(results);
    expect(r.err).toMatchObject({ status: 'partial', reward: 1.25 });
    expect(r.err!.components.v).toMatchObject({ status: 'error', score: 0.25 });
    expect(r.err!.error).toMatch(/^v: error: boom: verifier crashed/);
    expect(r.unav).toMatchObject({ status: 'partial', reward: 1.25 });
    expect(r.unav!.error).toMatch(/TEST_URL/);
    expect(r.slow).toMatchObject({ status: 'partial', reward: 1.25 });
    expect(r.slow!.components.v!.status).toBe('timeout');
    expect(r.inv).toMatchObject({ status: 'invalid', reward: 1.25 });
    expect(r.inv!.error).toMatch(/reference\.box/);
    expect(r.default).toMatchObject({ status: 'partial', reward: 0 }); // on_error defaults to 0
    expect(r.nosvc).toMatchObject({ status: 'partial', reward: -0.5 });
    expect(r.nosvc!.components['code.tests']!.status).toBe('unavailable');
  });

  const rogue = (fn: (items: VerifyItem[]) => Promise<unknown>): VerifierBackend => backendOf('vision-iou', fn);
  const reward = { components: [{ name: 'v', verifier: 'vision.box_iou', on_error: { score: 0.5 } }] };
  const samples = [
    { id: 'a', response: 'x', reward },
    { id: 'b', response: 'x', reward },
    { id: 'c', response: 'x', reward },
  ];
  const ok = (key: string, score: unknown = 1, status = 'COMPONENT_STATUS_OK') => ({ key, result: { score, status, detail: '', metrics_json: '', latency_ms: 1 } });
  it('a backend returning fewer results, unknown keys, bad statuses or non-finite scores: each sample still gets one result', async () => {
    const g = new Gateway({
      backends: {
        'vision-iou': rogue(async (items) => [ok('garbage'), ok(items[2]!.key!, Number.NaN), ok(items[0]!.key!, 0.75), ok(items[1]!.key!, 1, 'COMPONENT_STATUS_BOGUS')]),
      },
    });
    const { results } = await g.score(samples);
    expect(results.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(results[0]).toMatchObject({ status: 'ok', reward: 0.75 });
    expect(results[1]).toMatchObject({ status: 'partial', reward: 0.5 });
    expect(results[2]).toMatchObject({ status: 'partial', reward: 0.5 });
    expect(results[2]!.components.v!.detail).toMatch(/non-finite/);
    const g2 = new Gateway({ backends: { 'vision-iou': rogue(async (items) => [ok(items[1]!.key!, 0.9)]) } });
    const r2 = (await g2.score(samples)).results;
    expect(r2.map((r) => r.status)).toEqual(['partial', 'ok', 'partial']);
    expect(r2[0]!.components.v!.detail).toMatch(/no result/);
  });
  it('a backend that throws or never answers', async () => {
    const g = new Gateway({ backends: { 'vision-iou': rogue(async () => { throw new Error('socket hang up'); }) } });
    const r = (await g.score(samples)).results;
    expect(r.every((x) => x.status === 'partial' && x.reward === 0.5 && x.components.v!.status === 'error')).toBe(true);
    const g2 = new Gateway({ backends: { 'vision-iou': rogue(() => new Promise(() => undefined)) }, defaultTimeoutMs: 100 });
    const r2 = (await g2.score(samples)).results;
    expect(r2.every((x) => x.components.v!.status === 'timeout' && x.reward === 0.5)).toBe(true);
  });
  it('the call deadline bounds every component', async () => {
    const { gateway } = setup();
    const { results } = await gateway.score([{ id: 'd', response: 'x', reward: { components: [{ verifier: 'vision.box_iou', params: { mode: 'hang' } }] } }], { deadline: Date.now() + 80 });
    expect(results[0]!.components['vision.box_iou']!.status).toBe('timeout');
  });
});

describe('malformed input', () => {
  const reward = { components: [{ verifier: 'text.exact' }] };
  it('request-level problems throw InvalidArgumentError naming the field', async () => {
    const { gateway } = setup();
    await expect(gateway.score('x' as unknown as unknown[])).rejects.toThrow(/samples must be an array/);
    await expect(gateway.score([])).rejects.toThrow(/samples must not be empty/);
    const e = await gateway.score([{ id: 'a', response: '', reward }, { response: '', reward }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).field).toBe('samples[1].id');
    // An integer id is not a missing one: the message says what is wrong with it.
    await expect(gateway.score([{ id: 5, response: '', reward }])).rejects.toThrow(/^samples\[0\]\.id must be a string, got the number 5$/);
    await expect(gateway.score([{ response: '', reward }])).rejects.toThrow(/^samples\[0\]\.id is required \(a non-empty string\)$/);
    await expect(gateway.score([7])).rejects.toThrow(/samples\[0\]\.id.*not an object/);
  });
  it('per-sample problems make only that sample invalid; the rest is scored', async () => {
    const { gateway } = setup();
    const { results } = await gateway.score([
      { id: 'good', response: 'B', reference: { answer: 'B' }, reward },
      { id: 'good', response: 'B', reference: { answer: 'B' }, reward },
      { id: 'unknown', response: 'B', reward: { components: [{ verifier: 'text.magic' }] } },
      { id: 'nan', response: 'B', reward: { components: [{ verifier: 'text.exact', weight: Number.NaN }] } },
      { id: 'huge', response: 'x'.repeat(10 * 1024 * 1024 + 1), reward },
      { id: 'noresp', reward },
      { id: 'badref', response: 'B', reference: [1], reward },
      { id: 'badmedia', response: 'B', media: [{ kind: 'audio' }], reward },
    ]);
    expect(results).toHaveLength(8);
    expect(results[0]).toMatchObject({ id: 'good', status: 'ok', reward: 1 });
    expect(results[1]!.status).toBe('invalid');
    expect(results[1]!.error).toMatch(/id: "good" duplicates samples\[0\]\.id/);
    expect(results[2]!.error).toMatch(/reward\.components\[0\]\.verifier names an unknown verifier "text\.magic"/);
    expect(results[3]!.error).toMatch(/reward\.components\[0\]\.weight must be a finite number, got NaN/);
    expect(results[4]!.error).toMatch(/^response is larger than 10485760 bytes/);
    expect(results[5]!.error).toMatch(/^response is required/);
    expect(results[6]!.error).toMatch(/^reference must be an object/);
    expect(results[7]!.error).toMatch(/media\[0\]\.kind/);
    for (const r of results.slice(1)) expect(r).toMatchObject({ status: 'invalid', reward: 0, components: {} });
  });
  it('admission: a busy gateway refuses with RESOURCE_EXHAUSTED; a request it could never admit is INVALID_ARGUMENT (PLAN D4)', async () => {
    const { gateway } = setup({ maxInFlight: 2 });
    const s = (id: string, ms = 0) => ({ id, response: 'B', reference: { answer: 'B' }, reward: { components: [{ verifier: 'vision.box_iou', params: ms ? { mode: 'slow', ms } : {} }] } });
    const tooBig = await gateway.score([s('a'), s('b'), s('c')]).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(InvalidArgumentError);
    expect((tooBig as InvalidArgumentError).message).toBe("samples holds 3 samples; at most 2 per request (this gateway's --max-in-flight): split it");
    const busy = gateway.score([s('x', 200), s('y', 200)]);
    const refused = await gateway.score([s('z')]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect((refused as Error).message).toMatch(/overloaded/);
    expect((await busy).results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect((await gateway.score([s('a'), s('b')])).results).toHaveLength(2);
    expect(gateway.inFlight).toBe(0);
  });
  it('by default one sample more than the documented maximum is INVALID_ARGUMENT naming the limit, never "retry"', async () => {
    const { gateway } = setup();
    const e = await gateway.score(Array.from({ length: 100_001 }, (_, i) => ({ id: `s${i}` }))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe('samples holds 100001 samples; at most 100000 per request (the documented maximum): split it');
    expect(gateway.inFlight).toBe(0);
    // (An idle gateway admitting 100,000: test/hostile.int.test.ts, over gRPC.)
  });
});

describe('scoreStream', () => {
  it('yields a result before later input exists (an asynchronous trainer never waits for a batch)', async () => {
    const { gateway } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* input() {
      yield { id: 'first', response: 'B', reference: { answer: 'B' }, reward: { components: [{ verifier: 'text.exact' }] } };
      await gate; // the second sample is only produced after the first result was received
      yield { response: 'no id here', reward: { components: [{ verifier: 'text.exact' }] } };
      yield { id: 'third', response: 'x', reference: { score: 0.5 }, reward: { components: [{ verifier: 'vision.box_iou' }] } };
    }
    const seen: ResultJson[] = [];
    for await (const r of gateway.scoreStream(input())) {
      seen.push(r);
      if (r.id === 'first') release();
    }
    expect(seen.map((r) => [r.id, r.status, r.reward])).toEqual([
      ['first', 'ok', 1],
      ['', 'invalid', 0],
      ['third', 'ok', 0.5],
    ]);
    expect(seen[1]!.error).toMatch(/^id is required/);
    expect(gateway.inFlight).toBe(0);
  });
  it('micro-batches what has arrived: one VerifyBatch per service per micro-batch', async () => {
    const { gateway, vision } = setup();
    const samples = Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, response: 'x', reference: { score: i / 300 }, reward: { components: [{ verifier: 'vision.box_iou' }] } }));
    async function* input() {
      yield* samples;
    }
    const out: ResultJson[] = [];
    for await (const r of gateway.scoreStream(input())) out.push(r);
    expect(out).toHaveLength(300);
    expect(new Set(out.map((r) => r.id)).size).toBe(300);
    expect(out.find((r) => r.id === 's150')!.reward).toBe(0.5);
    expect(vision.calls.length).toBeLessThan(10);
    expect(vision.calls.reduce((n, c) => n + c.length, 0)).toBe(300);
  });
  it('waits (backpressure) rather than failing when the gateway is full', async () => {
    const { gateway } = setup({ maxInFlight: 3 });
    async function* input() {
      for (let i = 0; i < 20; i++) yield { id: `s${i}`, response: 'x', reward: { components: [{ verifier: 'vision.box_iou' }] } };
    }
    let n = 0;
    for await (const r of gateway.scoreStream(input())) {
      expect(r.status).toBe('ok');
      expect(gateway.inFlight).toBeLessThanOrEqual(3);
      n++;
    }
    expect(n).toBe(20);
  });
});

describe('listVerifiers and metrics', () => {
  it('marks verifiers of missing services unavailable', async () => {
    const { gateway } = setup();
    const list = await gateway.listVerifiers();
    const by = Object.fromEntries(list.map((v) => [v.name, v]));
    expect(by['text.exact']).toMatchObject({ service: 'gateway', available: true });
    expect(by['vision.box_iou']).toMatchObject({ service: 'vision-iou', available: true, description: 'test double: score from reference.score' });
    expect(by['code.tests']).toMatchObject({ service: 'code-exec', available: false });
    expect(list).toHaveLength(Object.keys(CATALOGUE).length);
  });
  it('counts samples, components by status and cache hits', async () => {
    const { gateway } = setup();
    await gateway.score([
      { id: 'a', response: 'x', reward: { components: [{ verifier: 'vision.box_iou', params: { cache: true } }] } },
      { id: 'b', response: 'x', reward: { components: [{ verifier: 'vision.box_iou', params: { cache: true } }] } },
      { id: 'c', response: 'x', reward: { components: [{ verifier: 'vision.box_iou', params: { mode: 'throw' } }] } },
      { id: 'd', response: 'x', reward: { components: [{ verifier: 'nope' }] } },
    ]);
    const text = gateway.metricsText();
    expect(text).toContain('verimesh_cache_hits_total{verifier="vision.box_iou"} 2');
    expect(text).toContain('verimesh_gateway_components_total{verifier="vision.box_iou",status="ok"} 2');
    expect(text).toContain('verimesh_gateway_components_total{verifier="vision.box_iou",status="error"} 1');
    expect(text).toContain('verimesh_gateway_samples_total{status="ok"} 2');
    expect(text).toContain('verimesh_gateway_samples_total{status="partial"} 1');
    expect(text).toContain('verimesh_gateway_samples_total{status="invalid"} 1');
    // Rewards 1, 1, 0, 0: two fall in le="0", all four in le="1".
    expect(text).toContain('verimesh_gateway_reward_bucket{le="0"} 2');
    expect(text).toContain('verimesh_gateway_reward_bucket{le="1"} 4');
    expect(text).toContain('verimesh_gateway_reward_count 4');
  });
});
