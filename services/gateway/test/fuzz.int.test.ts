// Seeded fuzz over HTTP, gRPC Score and ScoreStream (issue 10): a few thousand malformed and random samples, each with
// exactly one result, no 5xx / INTERNAL, in-flight back to 0. The nightly run is `npm run fuzz` (test/fuzz.ts).
import { describe, expect, it } from 'vitest';
import { fuzzRound, jsonSampleText, rng } from './fuzz.js';

describe('fuzz', () => {
  it('the generator is seeded: the same seed gives the same samples', () => {
    const a = rng(7);
    const b = rng(7);
    expect(Array.from({ length: 20 }, (_, i) => jsonSampleText(a, `x${i}`))).toEqual(Array.from({ length: 20 }, (_, i) => jsonSampleText(b, `x${i}`)));
  });

  it('1,500 samples per door (seed 20261202): one result each, no 5xx / INTERNAL, in-flight back to 0', async () => {
    const rep = await fuzzRound(20261202, 1500);
    expect(rep.failures).toEqual([]);
    // The mix really is malformed and random: every result status occurs, invalid ones most.
    expect(Object.keys(rep.statuses).sort()).toEqual(['invalid', 'ok', 'partial']);
    expect(rep.statuses.invalid! + rep.statuses.ok! + rep.statuses.partial!).toBe(rep.samples);
    expect(rep.statuses.ok).toBeGreaterThan(rep.samples * 0.05);
  }, 90_000);
});
