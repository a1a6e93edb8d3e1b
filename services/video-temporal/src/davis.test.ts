import { describe, expect, it } from 'vitest';
import { rleEncode, rleIou } from '@verimesh/geometry';
import { boundaryF, boundaryMap, boundTolerance, type Bitmap } from './davis.js';

/** DAVIS J is mask IoU (both empty → 1): the verifier takes it from the geometry library's run-length IoU. */
const jaccard = (a: Bitmap, b: Bitmap): number => rleIou(rleEncode(a.data, a.height, a.width), rleEncode(b.data, b.height, b.width));

/** A w×h mask with the rectangle [x0, x1) × [y0, y1) set. */
function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Bitmap {
  const data = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
  return { width: w, height: h, data };
}

/**
 * Independent brute force: boundary pixels straight from the DAVIS rule written per pixel with a neighbour lookup
 * (outside = 0), then every boundary pixel compared with every other-side boundary pixel by Euclidean distance ≤ r.
 */
function bruteF(pred: Bitmap, gt: Bitmap, r: number): { f: number; precision: number; recall: number } {
  const at = (m: Bitmap, x: number, y: number) => (x < m.width && y < m.height && m.data[y * m.width + x] ? 1 : 0);
  const pts = (m: Bitmap) => {
    const out: [number, number][] = [];
    for (let y = 0; y < m.height; y++) {
      for (let x = 0; x < m.width; x++) {
        const v = at(m, x, y);
        const lastRow = y === m.height - 1;
        const lastCol = x === m.width - 1;
        let b;
        if (lastRow && lastCol) b = false;
        else if (lastRow) b = v !== at(m, x + 1, y);
        else if (lastCol) b = v !== at(m, x, y + 1);
        else b = v !== at(m, x + 1, y) || v !== at(m, x, y + 1) || v !== at(m, x + 1, y + 1);
        if (b) out.push([x, y]);
      }
    }
    return out;
  };
  const a = pts(pred);
  const b = pts(gt);
  const near = (p: [number, number], set: [number, number][]) => set.some((q) => Math.hypot(p[0] - q[0], p[1] - q[1]) <= r);
  if (a.length === 0 && b.length === 0) return { f: 1, precision: 1, recall: 1 };
  if (a.length === 0) return { f: 0, precision: 1, recall: 0 };
  if (b.length === 0) return { f: 0, precision: 0, recall: 1 };
  const precision = a.filter((p) => near(p, b)).length / a.length;
  const recall = b.filter((p) => near(p, a)).length / b.length;
  return { f: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, precision, recall };
}

describe('DAVIS J and F on a 40×40 square in 100×100, shifted right', () => {
  const gt = rect(100, 100, 30, 30, 70, 70);
  // J by hand: overlap 40·(40 − d), union 40·(40 + d).
  it.each([
    [1, 0.95122],
    [2, 0.904762],
    [5, 0.777778],
  ])('shift %i px: J = %f', (d, want) => {
    expect(jaccard(rect(100, 100, 30 + d, 30, 70 + d, 70), gt)).toBeCloseTo(want, 6);
  });

  it('the tolerance is ceil(0.008 · diagonal): 2 px at 100×100, 8 px at 480×854', () => {
    expect(boundTolerance(100, 100)).toBe(2);
    expect(boundTolerance(854, 480)).toBe(8);
    expect(boundTolerance(100, 100, 3)).toBe(3);
  });

  it('the boundary of a square is the 41×41 outline one pixel up-left (160 pixels)', () => {
    const b = boundaryMap(gt);
    expect(b.reduce((a, v) => a + v, 0)).toBe(160);
    expect(b[29 * 100 + 29]).toBe(1);
    expect(b[69 * 100 + 69]).toBe(1);
    expect(b[30 * 100 + 30]).toBe(0);
  });

  // By hand (outline pixels within 2 px of the other outline): shifts ≤ 2 match everywhere; a 3 px shift matches
  // 40 + 40 + 4 of 160 (0.525), a 5 px shift 38 + 38 + 4 of 160 (0.5), both ways by symmetry.
  it.each([
    [1, 1],
    [2, 1],
    [3, 0.525],
    [5, 0.5],
  ])('shift %i px: F = %f, equal to the brute-force distance computation', (d, want) => {
    const pred = rect(100, 100, 30 + d, 30, 70 + d, 70);
    const got = boundaryF(pred, gt);
    expect(got.f).toBeCloseTo(want, 9);
    const brute = bruteF(pred, gt, 2);
    expect(got.precision).toBeCloseTo(brute.precision, 12);
    expect(got.recall).toBeCloseTo(brute.recall, 12);
  });

  it('agrees with brute force on irregular shapes, non-square images and edge-touching masks', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 6; k++) {
      const w = 37 + k * 5;
      const h = 23 + k * 3;
      const blob = (): Bitmap => {
        const m = rect(w, h, 0, 0, 0, 0);
        for (let n = 0; n < 4; n++) {
          const x0 = Math.floor(rnd() * w);
          const y0 = Math.floor(rnd() * h);
          const x1 = Math.min(w, x0 + 1 + Math.floor(rnd() * w));
          const y1 = Math.min(h, y0 + 1 + Math.floor(rnd() * h));
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * w + x] = 1;
        }
        return m;
      };
      const a = blob();
      const b = blob();
      const r = boundTolerance(w, h);
      const got = boundaryF(a, b);
      const brute = bruteF(a, b, r);
      expect(got.precision).toBeCloseTo(brute.precision, 12);
      expect(got.recall).toBeCloseTo(brute.recall, 12);
      expect(got.f).toBeCloseTo(brute.f, 12);
    }
  });

  it('empty boundaries follow DAVIS: both empty → 1, one side empty → F 0', () => {
    const empty = rect(100, 100, 0, 0, 0, 0);
    expect(jaccard(empty, empty)).toBe(1);
    expect(boundaryF(empty, empty)).toEqual({ f: 1, precision: 1, recall: 1 });
    expect(boundaryF(empty, gt)).toEqual({ f: 0, precision: 1, recall: 0 });
    expect(boundaryF(gt, empty)).toEqual({ f: 0, precision: 0, recall: 1 });
    expect(jaccard(empty, gt)).toBe(0);
  });

  it('refuses masks of different sizes', () => {
    expect(() => jaccard(rect(10, 10, 0, 0, 1, 1), rect(10, 11, 0, 0, 1, 1))).toThrow(/sizes differ/);
    expect(() => boundaryF(rect(10, 10, 0, 0, 1, 1), rect(10, 11, 0, 0, 1, 1))).toThrow(/sizes differ/);
  });
});
