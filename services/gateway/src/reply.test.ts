// reply.ts against the generic path: the bytes it writes decode (with proto-loader's decoder) to exactly what the
// generic encoder's bytes of toResultProto decode to, for every field of the schema and awkward values.
import { loadDefinition, type GroupStats } from '@verimesh/proto';
import { describe, expect, it } from 'vitest';
import type { ComponentOutcome, SampleOutcome } from './scoring.js';
import { ENCODED_FIELDS, encodeScoreResponse, encodeStreamResult } from './reply.js';
import { toResultProto } from './results.js';
import { maskOf } from './sentinels.js';

type Codec = { serialize(v: unknown): Buffer; deserialize(b: Buffer): unknown };
const codec = (name: string) => loadDefinition()[name] as unknown as Codec;

const comp = (o: Partial<ComponentOutcome>): ComponentOutcome => ({
  name: 'c',
  verifier: 'text.exact',
  score: 1,
  status: 'ok',
  detail: '',
  metricsJson: '',
  latencyMs: 0.25,
  weight: 1,
  contribution: null,
  flags: 0,
  ...o,
});
const result = (o: Partial<SampleOutcome>): SampleOutcome => ({
  index: 0,
  id: 'a',
  group: undefined,
  reward: 1,
  status: 'ok',
  error: null,
  components: [comp({})],
  flags: 0,
  metadata: undefined,
  metadataJson: '',
  ...o,
});

const long = (n: number) => 'é'.repeat(n);
const RESULTS: SampleOutcome[] = [
  result({}),
  result({ id: '', reward: 0, status: 'invalid', error: 'samples[3].response: must be a string', components: [] }),
  result({ reward: -0.5, status: 'partial', error: 'iou: unavailable: overloaded', metadataJson: '{"step":7,"unicode":"日本語"}' }),
  result({
    flags: maskOf(['tamper', 'degenerate']),
    components: [
      comp({ name: 'tests', score: 0, status: 'error', detail: long(70), metricsJson: long(6000), latencyMs: 0, weight: 0, contribution: 0, flags: maskOf(['tamper']) }),
      comp({ name: 'format', score: 0.2, status: 'skipped', detail: 'not evaluated: gate', weight: 0.2, contribution: 0.2 }),
      comp({ name: 'x'.repeat(200), score: Number.MAX_VALUE, status: 'timeout', detail: long(20_000), contribution: -1e-300 }),
      comp({ status: 'unavailable' }),
      comp({ status: 'invalid', score: Number.MIN_VALUE }),
    ],
  }),
  result({ id: 'ü'.repeat(100), group: 'g', components: Array.from({ length: 32 }, (_, k) => comp({ name: `c${k}`, score: k / 7 })) }),
];
const GROUPS: GroupStats[] = [
  { group: 'g', count: 2, mean: 0.5, std: 0.5, min: 0, max: 1, all_equal: false, flags: { tamper: 1 } },
  { group: 'h', count: 1, mean: 1, std: 0, min: 1, max: 1, all_equal: true, flags: {} },
];

describe('reply encoder', () => {
  it('encodes exactly the schema fields (a field added to the proto fails here until reply.ts writes it)', () => {
    for (const [message, fields] of Object.entries(ENCODED_FIELDS)) {
      const schema = (loadDefinition()[message] as unknown as { type: { field: Array<{ name: string; number: number }> } }).type.field;
      expect(Object.fromEntries(schema.map((f) => [f.name, f.number])), message).toEqual(fields);
    }
  });

  it('ScoreResponse: decodes to what the generic encoder of toResultProto decodes to', () => {
    const sr = codec('verimesh.v1.ScoreResponse');
    const mine = sr.deserialize(encodeScoreResponse(RESULTS, GROUPS));
    const generic = sr.deserialize(sr.serialize({ results: RESULTS.map(toResultProto), groups: GROUPS }));
    expect(mine).toEqual(generic);
    // Spot checks against the values themselves, not only against the other encoder.
    const got = mine as { results: Array<{ id: string; reward: number; components: Array<{ contribution?: number; detail: string; flags: string[] }>; flags: string[] }> };
    expect(got.results.map((r) => r.reward)).toEqual([1, 0, -0.5, 1, 1]);
    expect(got.results[3]!.components[0]!).toMatchObject({ contribution: 0, flags: ['tamper'] });
    expect(got.results[3]!.components[2]!.detail).toBe(long(20_000));
    expect('contribution' in got.results[0]!.components[0]!).toBe(false);
    expect(got.results[3]!.flags.sort()).toEqual(['degenerate', 'tamper']);
    expect(got.results[4]!.id).toBe('ü'.repeat(100));
    expect(encodeScoreResponse([], []).length).toBe(0);
  });

  it('ScoreStreamResponse: one result', () => {
    const ssr = codec('verimesh.v1.ScoreStreamResponse');
    for (const r of RESULTS) expect(ssr.deserialize(encodeStreamResult(r))).toEqual(ssr.deserialize(ssr.serialize({ result: toResultProto(r) })));
  });

  it('a reply larger than the first buffer grows it (100,000 results)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => result({ id: `s${i}`, reward: i }));
    const decoded = codec('verimesh.v1.ScoreResponse').deserialize(encodeScoreResponse(many, [])) as { results: Array<{ id: string; reward: number }> };
    expect(decoded.results).toHaveLength(100_000);
    expect(decoded.results[99_999]).toMatchObject({ id: 's99999', reward: 99_999 });
  });
});
