// Polygon rasterization checked against pycocotools' published result and pixel-exact rectangles.
import { describe, expect, it } from 'vitest';
import { polygonToRle, bboxToRle, normalizePolygons, rleArea, rleDecode, rleIou, rleToString, GeometryError } from './index.js';

describe('polygonToRle (pycocotools frPoly)', () => {
  it('rasterizes [0,0,2,0,2,2,0,2] on 4x4 to counts [0,2,2,2,10] (issue, pycocotools)', () => {
    expect(polygonToRle([0, 0, 2, 0, 2, 2, 0, 2], 4, 4).counts).toEqual([0, 2, 2, 2, 10]);
    expect(polygonToRle([[0, 0, 2, 0, 2, 2, 0, 2]], 4, 4).counts).toEqual([0, 2, 2, 2, 10]);
  });
  it('matches pycocotools outputs recorded in pytorchcocotools\' test-suite (25×25 canvas)', () => {
    // frBbox / frPyObjects results that suite checks against pycocotools itself.
    expect(rleToString(bboxToRle([10, 10, 10, 10], 25, 25))).toBe('T8:?00000000000000000c3');
    expect(rleToString(bboxToRle([5, 5, 10, 10], 25, 25))).toBe('R4:?00000000000000000e7');
    expect(rleToString(bboxToRle([15, 15, 5, 5], 25, 25))).toBe('V<5d00000000^3');
    expect(rleToString(bboxToRle([0, 0, 25, 25], 25, 25))).toBe('0ac0');
    // A pentagon with a diagonal edge: the rasterization itself, not only rectangles.
    expect(rleToString(polygonToRle([[10, 10, 20, 10, 20, 20, 21, 21, 10, 20]], 25, 25))).toBe('T8:?00000000001O00000:F`2');
  });
  it('covers exactly the pixels [x0, x1) × [y0, y1) of an integer rectangle', () => {
    const h = 12;
    const w = 9;
    const rle = polygonToRle([2, 3, 7, 3, 7, 10, 2, 10], h, w);
    const bm = rleDecode(rle);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(bm[y * w + x]).toBe(x >= 2 && x < 7 && y >= 3 && y < 10 ? 1 : 0);
    expect(bboxToRle([2, 3, 5, 7], h, w).counts).toEqual(rle.counts);
  });
  it('clips to the canvas and unions several polygons', () => {
    const a = polygonToRle([-5, -5, 3, -5, 3, 3, -5, 3], 6, 6);
    expect(rleArea(a)).toBe(9);
    const two = polygonToRle([[0, 0, 2, 0, 2, 2, 0, 2], [1, 1, 3, 1, 3, 3, 1, 3]], 4, 4);
    expect(rleArea(two)).toBe(7);
    expect(rleIou(two, polygonToRle([0, 0, 2, 0, 2, 2, 0, 2], 4, 4))).toBeCloseTo(4 / 7, 15);
  });
  it('rasterizes a large polygon on a 1000x1000 canvas in the expected area', () => {
    const rle = polygonToRle([100, 100, 900, 100, 900, 900, 100, 900], 1000, 1000);
    expect(rleArea(rle)).toBe(640_000);
  });
  it('refuses coordinates so far out that the boundary would not fit in memory', () => {
    expect(() => polygonToRle([0, 0, 1e9, 0, 1e9, 1e9], 10, 10)).toThrow(GeometryError);
  });
});

describe('normalizePolygons', () => {
  it('reads flat, COCO list-of-lists and point-pair forms', () => {
    expect(normalizePolygons([0, 0, 2, 0, 2, 2])).toEqual([[0, 0, 2, 0, 2, 2]]);
    expect(normalizePolygons([[0, 0, 2, 0, 2, 2], [5, 5, 6, 5, 6, 6]])).toEqual([[0, 0, 2, 0, 2, 2], [5, 5, 6, 5, 6, 6]]);
    expect(normalizePolygons([[0, 0], [2, 0], [2, 2]])).toEqual([[0, 0, 2, 0, 2, 2]]);
  });
  it('rejects bad shapes', () => {
    expect(() => normalizePolygons([0, 0, 1])).toThrow(/at least 3 points/);
    expect(() => normalizePolygons([0, 0, 1, 1, 2, Number.NaN])).toThrow(/finite/);
    expect(() => normalizePolygons('x')).toThrow(GeometryError);
    expect(() => normalizePolygons([[0, 0, 1, 2, 3, 4], ['a']])).toThrow(GeometryError);
  });
});
