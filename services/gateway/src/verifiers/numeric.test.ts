// text.numeric: number reading and ChartQA relaxed accuracy; expected values computed by hand from |p - t| <= 0.05·|t|.
import { describe, expect, it } from 'vitest';
import { findNumbers, lastNumber, numericVerifier, parseReferenceNumber, withinTolerance } from './numeric.js';
import { ctx, input } from './testing.js';

const score = async (response: string, answer: unknown, params: Record<string, unknown> = {}): Promise<number> =>
  (await numericVerifier.verify(input(response, { answer }, params), ctx)).score;

describe('reading numbers', () => {
  it.each([
    ['The total is 1,234,567 units.', 1234567],
    ['It fell to -3.5 degrees', -3.5],
    ['It fell to −3.5 degrees', -3.5], // U+2212 minus
    ['about 1.5e3 or 1.5E-3', 0.0015],
    ['From 2019-2021 it grew', 2021],
    ['share: 45%', 45],
    ['half is 1/2', 0.5],
    ['\\frac{3}{4}', 0.75],
    ['roughly .25', 0.25],
    ['counts 1,2,3', 3],
    ['$1,299.99 total.', 1299.99],
    ['1\u202f000\u202f000 people', 1000000], // narrow no-break spaces group thousands (SI style)
  ])('last number in %j is %d', (text, value) => {
    expect(lastNumber(text)?.value).toBeCloseTo(value, 12);
  });
  it('marks percentages and finds none in plain words', () => {
    expect(lastNumber('45 %')?.percent).toBe(true);
    expect(lastNumber('no digits here')).toBeUndefined();
    expect(findNumbers('H2O and x3').length).toBe(0); // digits glued to letters are names, not numbers
  });
  it('parses a reference only when it is exactly one number', () => {
    expect(parseReferenceNumber('1,234', 'r').value).toBe(1234);
    expect(parseReferenceNumber(' $12.5 ', 'r').value).toBe(12.5);
    expect(parseReferenceNumber('45%', 'r')).toMatchObject({ value: 45, percent: true });
    expect(() => parseReferenceNumber('about 12', 'reference.answer')).toThrow(/reference.answer/);
    expect(() => parseReferenceNumber('twelve', 'reference.answer')).toThrow(/numeric string/);
    expect(() => parseReferenceNumber(Number.NaN, 'reference.answer')).toThrow(/finite/);
  });
});

describe('tolerance', () => {
  it('applies |p - t| <= rel_tol·|t| or abs_tol', () => {
    expect(withinTolerance(10.5, 10, 0.05, 0)).toBe(true); // 0.5 <= 0.5, the boundary counts
    expect(withinTolerance(0.315, 0.3, 0.05, 0)).toBe(true); // 0.015 <= 0.015 despite binary rounding
    expect(withinTolerance(10.6, 10, 0.05, 0)).toBe(false);
    expect(withinTolerance(0.4, 0, 0.05, 0.5)).toBe(true);
    expect(withinTolerance(0, 0, 0.05, 0)).toBe(true);
    expect(withinTolerance(0.001, 0, 0.05, 0)).toBe(false);
  });
});

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
