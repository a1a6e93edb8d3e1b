import { describe, expect, it } from 'vitest';
import { evenlySpacedTimes } from './times.js';

describe('evenlySpacedTimes', () => {
  it('takes the middles of equal slices (values by hand: 2 s in 4 slices of 0.5 s → 0.25, 0.75, 1.25, 1.75)', () => {
    expect(evenlySpacedTimes(2, 4)).toEqual([0.25, 0.75, 1.25, 1.75]);
    expect(evenlySpacedTimes(3, 1)).toEqual([1.5]);
    expect(evenlySpacedTimes(10, 0)).toEqual([]);
  });

  it('refuses a negative or NaN duration and a fractional count', () => {
    expect(() => evenlySpacedTimes(-1, 2)).toThrow(/not a length/);
    expect(() => evenlySpacedTimes(Number.NaN, 2)).toThrow(/not a length/);
    expect(() => evenlySpacedTimes(2, 1.5)).toThrow(/not a non-negative integer/);
  });
});
