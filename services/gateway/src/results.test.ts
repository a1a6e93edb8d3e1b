// The result shape of SPEC section 3: weight and contribution per component (JSON and proto), every component key on
// invalid samples, and results in request order. Expected values are arithmetic on scores the test itself chose.
import type { ResultJson, Sample } from '@verimesh/proto';
import { describe, expect, it } from 'vitest';
import { testService } from '../test/fixtures.js';
import { inProcessBackend } from './backends.js';
import { Gateway } from './gateway.js';
import { invalidResultJson, resultFromProto, toResultJson, toResultProto } from './results.js';
import { startGateway } from './server.js';
import { rewardSpecToProto } from './wire.js';

// The test service scores vision.box_iou = reference.score and vision.point = reference.point.
const gateway = (profiles?: Record<string, any>) => new Gateway({ backends: { 'vision-iou': inProcessBackend(testService().service) }, profiles });
const comps = [
  { name: 'a', verifier: 'vision.box_iou', weight: 2 },
  { name: 'b', verifier: 'vision.point', weight: -0.5 },
];
const ref = { score: 0.75, point: 0.2 };
const contributions = (r: ResultJson) => Object.fromEntries(Object.entries(r.components).map(([k, c]) => [k, c.contribution]));

describe('weight and contribution', () => {
  it.each([
    ['sum', 2 * 0.75 - 0.5 * 0.2, { a: 2 * 0.75, b: -0.5 * 0.2 }],
    ['mean', (2 * 0.75 - 0.5 * 0.2) / 2.5, { a: (2 * 0.75) / 2.5, b: (-0.5 * 0.2) / 2.5 }], // Σ|wᵢ| = 2.5
    ['min', 0.2, { a: null, b: null }],
    ['product', 0.75 * 0.2, { a: null, b: null }],
    [{ formula: 'a - b' }, 0.75 - 0.2, { a: null, b: null }],
  ])('%j: the shares, and Σ contributions = reward for sum and mean', async (combine, reward, shares) => {
    const { results } = await gateway().score([{ id: 's', response: 'x', reference: ref, reward: { components: comps, combine } }]);
    const r = results[0]!;
    expect(r.reward).toBeCloseTo(reward, 12);
    expect(r.components.a!.weight).toBe(2);
    expect(r.components.b!.weight).toBe(-0.5);
    const got = contributions(r);
    for (const [k, v] of Object.entries(shares)) {
      if (v === null) expect(got[k]).toBeNull();
      else expect(got[k]).toBeCloseTo(v, 12);
    }
    if (combine === 'sum' || combine === 'mean') expect(got.a! + got.b!).toBeCloseTo(r.reward, 12);
  });

  it('a fired gate: every contribution is 0 and the gate value is the reward', async () => {
    const reward = {
      components: [
        { name: 'format', verifier: 'text.format', weight: 0.5, gate: { min: 1, value: -1 } },
        { name: 'a', verifier: 'vision.box_iou' },
      ],
    };
    const { results } = await gateway().score([{ id: 'g', response: 'no tags', reference: ref, reward }]);
    expect(results[0]).toMatchObject({ reward: -1, components: { format: { score: 0, weight: 0.5, contribution: 0 }, a: { status: 'skipped', weight: 1, contribution: 0 } } });
  });

  it('travels in proto: contribution unset for min, product and formulas; resultFromProto gives the same JSON', async () => {
    const gw = gateway();
    const samples: Sample[] = ['sum', 'min'].map((combine) => ({ id: combine, response: 'x', reference_json: JSON.stringify(ref), reward: rewardSpecToProto({ components: comps, combine }) }));
    const internal = await gw.scoreOutcomes({ kind: 'proto', samples: samples as never });
    const [sum, min] = internal.map(toResultProto);
    expect(sum!.components!.map((c) => [c.weight, c.contribution])).toEqual([[2, 1.5], [-0.5, -0.1]]);
    expect(min!.components!.map((c) => [c.weight, c.contribution])).toEqual([[2, undefined], [-0.5, undefined]]);
    // What a remote client reads back is what the embedded gateway writes (latency aside).
    const noLatency = (r: ResultJson) => ({ ...r, components: Object.fromEntries(Object.entries(r.components).map(([k, c]) => [k, { ...c, latency_ms: 0 }])) });
    for (const r of internal) expect(noLatency(resultFromProto(toResultProto(r) as never))).toEqual(noLatency(toResultJson(r)));
  });
});

describe('an invalid sample whose spec compiled keeps every component key', () => {
  const reward = { components: comps, combine: 'sum' };
  it('JSON: a bad reference, bad media, a duplicate id, a profile sample; an uncompilable spec gives {}', async () => {
    const gw = gateway({ p: { components: [{ name: 'only', verifier: 'vision.point' }], combine: 'min' } });
    const { results } = await gw.score([
      { id: 'ok', response: 'x', reference: ref, reward },
      { id: 'bad-ref', response: 'x', reference: [1, 2], reward },
      { id: 'bad-media', response: 'x', media: [{ kind: 'audio' }], reward },
      { id: 'ok', response: 'x', reward },
      { id: 'profile', response: 7, profile: 'p' },
      { id: 'bad-spec', response: 'x', reward: { components: [{ verifier: 'no.such' }] } },
    ]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
    for (const r of results.slice(1, 4)) {
      expect(r.reward).toBe(0);
      expect(Object.keys(r.components)).toEqual(['a', 'b']);
      expect(r.components.a).toMatchObject({ score: 0, status: 'skipped', weight: 2, contribution: 0, detail: 'not evaluated: the sample is invalid' });
    }
    expect(results[4]!.components).toEqual({ only: { score: 0, status: 'skipped', weight: 1, contribution: null, detail: 'not evaluated: the sample is invalid', latency_ms: 0 } });
    expect(results[5]!.components).toEqual({});
  });
  it('proto: reference_json that is not JSON', async () => {
    const sample: Sample = { id: 'p', response: 'x', reference_json: '{oops', reward: rewardSpecToProto(reward) };
    const [r] = await gateway().scoreOutcomes({ kind: 'proto', samples: [sample as never] });
    const proto = toResultProto(r!);
    expect(proto.status).toBe('RESULT_STATUS_INVALID');
    expect(proto.components!.map((c) => [c.name, c.status, c.weight, c.contribution])).toEqual([
      ['a', 'COMPONENT_STATUS_SKIPPED', 2, 0],
      ['b', 'COMPONENT_STATUS_SKIPPED', -0.5, 0],
    ]);
  });
  it('a line the CLI rejects itself (invalidResultJson) lists its inline spec\'s keys', () => {
    expect(Object.keys(invalidResultJson('d', 'line 3: id "d" duplicates line 1', reward).components)).toEqual(['a', 'b']);
    expect(invalidResultJson('x', 'not JSON').components).toEqual({});
  });
});

describe('verimesh_gateway_groups_total', () => {
  it('counts each group of a reply by all_equal', async () => {
    const gw = gateway();
    const s = (id: string, group: string, score: number) => ({ id, group, response: id, reference: { score }, reward: { components: [{ verifier: 'vision.box_iou' }] } });
    // informative: {1, 0}; no signal: {0.5, 0.5} and {1}
    await gw.score([s('a1', 'a', 1), s('a2', 'a', 0), s('b1', 'b', 0.5), s('b2', 'b', 0.5), s('c1', 'c', 1)]);
    const text = gw.metricsText();
    expect(text).toMatch(/^verimesh_gateway_groups_total\{all_equal="false"\} 1$/m);
    expect(text).toMatch(/^verimesh_gateway_groups_total\{all_equal="true"\} 2$/m);
  });
});

describe('results come back in request order', () => {
  // "slow" waits 80 ms in the verifier; "fast" fails its gate in the first stage and is final long before.
  const slow = { id: 'slow', response: 'x', reward: { components: [{ verifier: 'vision.box_iou', params: { mode: 'slow', ms: 80 } }] } };
  const fast = { id: 'fast', response: 'no tags', reward: { components: [{ verifier: 'text.format', gate: { min: 1 } }, { verifier: 'vision.box_iou' }] } };
  const samples = [slow, fast, { ...slow, id: 'slow2' }, { ...fast, id: 'fast2' }];
  it('from the library and from gRPC Score\'s results array', async () => {
    const gw = gateway();
    expect((await gw.score(samples)).results.map((r) => r.id)).toEqual(['slow', 'fast', 'slow2', 'fast2']);
    const protos = samples.map((s) => ({ id: s.id, response: s.response, reward: rewardSpecToProto(s.reward) }));
    expect((await gw.scoreOutcomes({ kind: 'proto', samples: protos as never })).map((r) => r.id)).toEqual(['slow', 'fast', 'slow2', 'fast2']);
    // The premise: the engine finishes the gated samples first (a stream returns them in that order).
    const streamed: string[] = [];
    for await (const r of gw.scoreStream((async function* () { yield* samples; })())) streamed.push(r.id);
    expect(streamed).toEqual(['fast', 'fast2', 'slow', 'slow2']);
  });
  it('from POST /v1/score', async () => {
    const running = await startGateway(gateway(), { host: '127.0.0.1', port: 0, httpPort: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${running.httpPort}/v1/score`, { method: 'POST', body: JSON.stringify({ samples }) });
      const body = (await res.json()) as { results: ResultJson[] };
      expect(body.results.map((r) => r.id)).toEqual(['slow', 'fast', 'slow2', 'fast2']);
    } finally {
      await running.shutdown();
    }
  });
});
