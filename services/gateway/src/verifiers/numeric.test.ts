// text.numeric: ChartQA relaxed accuracy (number reading is tested in @verimesh/extract); expected values computed by hand from |p - t| <= 0.05·|t|.
import { describe, expect, it } from 'vitest';
import { numericVerifier } from './numeric.js';
import { ctx, input } from '../../testing/index.js';

const score = async (response: string, answer: unknown, params: Record<string, unknown> = {}): Promise<number> =>
  (await numericVerifier.verify(input(response, { answer }, params), ctx)).score;

describe('text.numeric (ChartQA relaxed accuracy, rel_tol 0.05)', () => {
  it('scores ChartQA-style answers', async () => {
    // target 2.5: |2.6 - 2.5| / 2.5 = 0.04 <= 0.05 -> correct; 2.7: 0.08 -> wrong.
    expect(await score('2.6', 2.5)).toBe(1);
    expect(await score('2.7', 2.5)).toBe(0);
    // target 100: 104 (0.04) correct, 106 (0.06) wrong.
    expect(await score('The value is 104.', '100')).toBe(1);
    expect(await score('The value is 106.', '100')).toBe(0);
    // target 1,250 given as a string with a thousands separator; 1,200 is 0.04 off.
    expect(await score('About 1,200 people', '1,250')).toBe(1);
    expect(await score('<answer>-17</answer>', -17.5)).toBe(1); // 0.5/17.5 = 0.0286
    expect(await score('<answer>17</answer>', -17)).toBe(0); // the sign matters
  });
  it('reads a percentage as p or p/100', async () => {
    expect(await score('45%', 45)).toBe(1);
    expect(await score('45%', 0.45)).toBe(1);
    expect(await score('45', '45%')).toBe(1);
    expect(await score('0.45', '45%')).toBe(1);
    expect(await score('60%', 0.45)).toBe(0);
  });
  it('honours rel_tol and abs_tol (either suffices)', async () => {
    expect(await score('101', 100, { rel_tol: 0 })).toBe(0);
    expect(await score('100', 100, { rel_tol: 0 })).toBe(1);
    expect(await score('101', 100, { rel_tol: 0, abs_tol: 1 })).toBe(1);
    expect(await score('0.4', 0, { abs_tol: 0.5 })).toBe(1);
    expect(await score('106', 100, { rel_tol: 0.01, abs_tol: 10 })).toBe(1);
  });
  it('scores a response without a number 0 with status ok, and accepts a list of references', async () => {
    const out = await numericVerifier.verify(input('I do not know', { answer: 5 }), ctx);
    expect(out).toMatchObject({ score: 0, detail: 'no number in the answer' });
    expect(await score('7', [5, 7])).toBe(1);
  });
  it('rejects a non-numeric reference and bad tolerances as invalid', async () => {
    await expect(async () => numericVerifier.verify(input('5', { answer: 'five' }), ctx)).rejects.toThrow(/reference.answer/);
    await expect(async () => numericVerifier.verify(input('5', {}), ctx)).rejects.toThrow(/reference.answer/);
    await expect(async () => numericVerifier.verify(input('5', { answer: 5 }, { rel_tol: -1 }), ctx)).rejects.toThrow(/params.rel_tol/);
    await expect(async () => numericVerifier.verify(input('5', { answer: 5 }, { abs_tol: '1' }), ctx)).rejects.toThrow(/params.abs_tol/);
  });
});
