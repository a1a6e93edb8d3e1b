// Number reading and tolerance: expected values written by hand from the text (and |p - t| <= rel_tol·|t| computed by hand).
import { describe, expect, it } from 'vitest';
import { findNumbers, lastNumber, numberReadings, numbersMatch, parseExactNumber, parseReferenceNumber, withinTolerance } from './numbers.js';

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

describe('exact numbers and matching', () => {
  it('reads a text as a number only when it is exactly one', () => {
    expect(parseExactNumber(' €3.5 ')?.value).toBe(3.5);
    expect(parseExactNumber('1,200')?.value).toBe(1200);
    expect(parseExactNumber('3/4')?.value).toBe(0.75);
    expect(parseExactNumber('2.5e-1')?.value).toBe(0.25);
    expect(parseExactNumber('12 apples')).toBeUndefined();
    expect(parseExactNumber('1 200')).toBeUndefined(); // a plain space is not a thousands separator: two numbers
    expect(parseExactNumber('twelve')).toBeUndefined();
  });
  it('reads a percentage as p or p/100 on either side', () => {
    expect(numberReadings({ value: 45, percent: true, text: '45%' })).toEqual([45, 0.45]);
    const pct = parseExactNumber('45%')!;
    const plain = (v: number) => ({ value: v, percent: false, text: String(v) });
    expect(numbersMatch(plain(0.45), pct, 0, 0)).toEqual({ predicted: 0.45, target: 0.45 });
    expect(numbersMatch(pct, plain(45), 0, 0)).toEqual({ predicted: 45, target: 45 });
    // 41.5 against 42: 0.5 / 42 = 0.0119 <= 0.05; 150 against 250: 0.4 > 0.05.
    expect(numbersMatch(plain(41.5), plain(42), 0.05, 0)).toBeDefined();
    expect(numbersMatch(plain(150), plain(250), 0.05, 0)).toBeUndefined();
    // A zero target: only exactly 0 without abs_tol.
    expect(numbersMatch(plain(1e-12), plain(0), 0.05, 0)).toBeUndefined();
    expect(numbersMatch(plain(0), plain(0), 0.05, 0)).toBeDefined();
  });
});
