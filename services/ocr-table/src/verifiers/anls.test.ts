// doc.anls numeric "relaxed": ChartQA relaxed accuracy with text.numeric's number reading; values computed by hand.
import { noopLogger, type VerifyContext } from '@verimesh/kit';
import { describe, expect, it } from 'vitest';
import { anlsVerifier } from './anls.js';

const ctx: VerifyContext = { signal: new AbortController().signal, deadline: Infinity, log: noopLogger };
const relaxed = async (response: string, answers: string[]) =>
  anlsVerifier.verify({ key: 'k', verifier: 'doc.anls', prompt: '', response, reference: { answers }, params: { numeric: 'relaxed' }, media: [], metadata: undefined }, ctx);

describe('doc.anls numeric "relaxed"', () => {
  it('scores numbers by |p - t| <= 0.05·|t| with no partial credit', async () => {
    expect((await relaxed('<answer>12.4</answer>', ['12', 'twelve'])).score).toBe(1); // 0.4 / 12 = 0.033
    expect((await relaxed('<answer>14</answer>', ['12'])).score).toBe(0); // 2 / 12 = 0.167
    expect((await relaxed('<answer>1,150</answer>', ['$1,200'])).score).toBe(1); // 50 / 1200 = 0.042
    expect((await relaxed('<answer>0.45</answer>', ['45%'])).score).toBe(1); // 45% read as 0.45
  });
  it('reads fractions and exponents as text.numeric does', async () => {
    expect((await relaxed('<answer>3/4</answer>', ['0.75'])).score).toBe(1);
    expect((await relaxed('<answer>\\frac{1}{2}</answer>', ['0.5'])).score).toBe(1);
    expect((await relaxed('<answer>1.2e3</answer>', ['1200'])).score).toBe(1);
    expect((await relaxed('<answer>5</answer>', ['1/2'])).score).toBe(0); // "1/2" is the number 0.5, not text
  });
  it('falls back to ANLS for text answers and says when there is no number', async () => {
    const typo = await relaxed('<answer>twelv</answer>', ['12', 'twelve']);
    expect(typo.score).toBeCloseTo(5 / 6, 9); // one edit in six
    const none = await relaxed('<answer>many</answer>', ['42']);
    expect(none).toMatchObject({ score: 0, detail: 'relaxed accuracy 0: no number in the answer' });
  });
});
