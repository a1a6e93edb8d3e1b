// Box IoU / GIoU checked against values computed by hand from the definitions.
import { describe, expect, it } from 'vitest';
import { boxIou, coordScale, giou, isDegenerate, pixelBox, xyxyToXywh } from './index.js';

describe('boxIou', () => {
  it('is 1/7 for [0,0,10,10] vs [5,5,15,15] (25 / (100 + 100 − 25))', () => {
    expect(boxIou([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(1 / 7, 15);
  });
  it('counts a one-pixel overlap (continuous coordinates, no +1)', () => {
    // [0,0,10,10] ∩ [9,9,20,20] = 1×1; union = 100 + 121 − 1 = 220.
    expect(boxIou([0, 0, 10, 10], [9, 9, 20, 20])).toBeCloseTo(1 / 220, 15);
  });
  it('is 0 for touching or disjoint boxes and 1 for identical ones', () => {
    expect(boxIou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(boxIou([0, 0, 10, 10], [30, 30, 40, 40])).toBe(0);
    expect(boxIou([1.5, 2.5, 7.25, 9], [1.5, 2.5, 7.25, 9])).toBe(1);
  });
  it('is 0 with a degenerate box', () => {
    expect(boxIou([5, 5, 5, 10], [0, 0, 10, 10])).toBe(0);
    expect(boxIou([10, 10, 0, 0], [0, 0, 10, 10])).toBe(0);
    expect(isDegenerate([10, 10, 0, 0])).toBe(true);
    expect(isDegenerate([0, 0, Number.NaN, 1])).toBe(true);
    expect(isDegenerate([0, 0, 1, 1])).toBe(false);
  });
  it('converts xywh ↔ xyxy', () => {
    expect(pixelBox([5, 6, 10, 20], 'xywh', [1, 1])).toEqual([5, 6, 15, 26]);
    expect(xyxyToXywh([5, 6, 15, 26])).toEqual([5, 6, 10, 20]);
  });
  it('turns written coordinates into pixels (values by hand: 500/1000 · 200 = 100, 0.25 · 100 = 25)', () => {
    const size = { width: 200, height: 100 };
    expect(pixelBox([0, 0, 500, 500], 'xyxy', coordScale('norm1000', size))).toEqual([0, 0, 100, 50]);
    expect(pixelBox([0.5, 0.25, 0.25, 0.5], 'xywh', coordScale('normalized', size))).toEqual([100, 25, 150, 75]);
    expect(pixelBox([5, 6, 10, 20], 'xywh', coordScale('absolute'))).toEqual([5, 6, 15, 26]);
    expect(() => coordScale('normalized')).toThrow(/image size/);
  });
});

describe('giou', () => {
  it('equals IoU − |C∖U|/|C| (hand computed)', () => {
    // Enclosing [0,0,15,15] = 225, union 175 → 1/7 − 50/225.
    expect(giou([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(1 / 7 - 50 / 225, 15);
    // Disjoint: IoU 0, C = [0,0,30,10] = 300, U = 200 → −100/300.
    expect(giou([0, 0, 10, 10], [20, 0, 30, 10])).toBeCloseTo(-1 / 3, 15);
    expect(giou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });
});
