import { describe, expect, it } from 'vitest';
import { noopLogger } from '@verimesh/kit';
import { createService } from './service.js';
import { loadServiceConfig } from './config.js';
import { mergeSpans, temporalIou, timeR1Factor } from './temporal.js';

const s = (start: number, end: number) => ({ start, end });

// Values worked out by hand from the definition tIoU = |P ∩ R| / |P ∪ R|.
describe('temporalIou', () => {
  it('[12.5, 17.3] vs [10, 15]: 2.5 / 7.3 = 0.342466', () => {
    expect(temporalIou([s(12.5, 17.3)], [s(10, 15)]).tiou).toBeCloseTo(0.342466, 6);
  });

  it('multi-span [(0,5),(4,10)] vs [(2,6),(8,12)]: union (0,10) ∩ = 4 + 2, ∪ = 12 → 0.5', () => {
    const t = temporalIou([s(0, 5), s(4, 10)], [s(2, 6), s(8, 12)]);
    expect(t.tiou).toBeCloseTo(0.5, 12);
    expect(t.intersection).toBeCloseTo(6, 12);
    expect(t.union).toBeCloseTo(12, 12);
  });

  it('identical zero-length spans score 1, different ones 0, and no division by zero', () => {
    expect(temporalIou([s(5, 5)], [s(5, 5)]).tiou).toBe(1);
    expect(temporalIou([s(4, 4)], [s(5, 5)]).tiou).toBe(0);
    expect(temporalIou([s(4, 6)], [s(5, 5)]).tiou).toBe(0);
  });

  it('a zero-length prediction adds nothing against a real span', () => {
    expect(temporalIou([s(3, 3)], [s(0, 10)]).tiou).toBe(0);
    expect(temporalIou([s(3, 3), s(0, 5)], [s(0, 10)]).tiou).toBeCloseTo(0.5, 12);
  });

  it('disjoint spans score 0; touching spans merge', () => {
    expect(temporalIou([s(0, 1)], [s(2, 3)]).tiou).toBe(0);
    expect(mergeSpans([s(0, 1), s(1, 2), s(5, 6)])).toEqual([s(0, 2), s(5, 6)]);
  });
});

describe('timeR1Factor', () => {
  it('30 s video: (1 − 2.5/30)(1 − 2.3/30) · 0.342466 = 0.289859', () => {
    const f = timeR1Factor([s(12.5, 17.3)], [s(10, 15)], 30);
    expect(f).toBeCloseTo((1 - 2.5 / 30) * (1 - 2.3 / 30), 12);
    expect(f * (2.5 / 7.3)).toBeCloseTo(0.289859, 6);
  });
});

describe('video.temporal_iou without media', () => {
  it('answers synchronously (no promise per item) with the issue value 0.342466', () => {
    const v = createService(loadServiceConfig({ env: {} })).verifiers.find((d) => d.name === 'video.temporal_iou')!;
    const input = { key: 'k', verifier: v.name, prompt: '', response: '<answer>12.5 to 17.3</answer>', reference: { span: [10, 15] }, params: {}, media: [], metadata: null };
    const out = v.verify(input, { signal: new AbortController().signal, deadline: Infinity, log: noopLogger });
    expect(out).not.toBeInstanceOf(Promise);
    expect((out as { score: number }).score).toBeCloseTo(0.342466, 6);
  });
});
