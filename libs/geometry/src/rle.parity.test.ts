// The fast RLE paths (word-skipping encode, integer string codec, interval-walk IoU, packed runs) against a second,
// deliberately simple implementation written here: pixel-by-pixel encode, decode-then-count, the float codec.
import { describe, expect, it } from 'vitest';
import { parseRle, polygonToRle, rleArea, rleDecode, rleEncode, rleFromString, rleMerge, rleStats, rleToString, rleValidate, type Rle } from './index.js';
import { seededRandom as rng } from '@verimesh/kit/testing';


/** Column-major bitmap: runs of random lengths (short or long), foreground bytes of random nonzero values. */
function bitmap(r: () => number, n: number): Uint8Array {
  const bm = new Uint8Array(n);
  let i = 0;
  let fg = r() < 0.5;
  const long = r() < 0.5;
  while (i < n) {
    const len = 1 + Math.floor(r() * (long ? 200 : 9));
    for (let k = 0; k < len && i < n; k++, i++) bm[i] = fg ? 1 + Math.floor(r() * 255) : 0;
    fg = !fg;
  }
  return bm;
}

const simpleEncode = (bm: ArrayLike<number>, n: number): number[] => {
  const counts: number[] = [];
  let p = 0;
  let c = 0;
  for (let j = 0; j < n; j++) {
    const v = bm[j] ? 1 : 0;
    if (v !== p) { counts.push(c); c = 0; p = v; }
    c++;
  }
  counts.push(c);
  return counts;
};

/** pycocotools' codec written plainly, in floating point. */
const simpleToString = (counts: readonly number[]): string => {
  let s = '';
  counts.forEach((c, i) => {
    let x = i > 2 ? c - counts[i - 2]! : c;
    for (let more = true; more; ) {
      let ch = x - Math.floor(x / 32) * 32;
      x = Math.floor(x / 32);
      more = ch & 0x10 ? x !== -1 : x !== 0;
      if (more) ch |= 0x20;
      s += String.fromCharCode(ch + 48);
    }
  });
  return s;
};

const pixels = (rle: Rle): Uint8Array => rleDecode(rle, 'column');

function countIou(a: Uint8Array, b: Uint8Array): { inter: number; union: number; areaA: number; areaB: number } {
  let inter = 0, union = 0, areaA = 0, areaB = 0;
  for (let k = 0; k < a.length; k++) { inter += a[k]! & b[k]!; union += a[k]! | b[k]!; areaA += a[k]!; areaB += b[k]!; }
  return { inter, union, areaA, areaB };
}

describe('fast RLE paths against simple implementations (randomized)', () => {
  it('encode (aligned and unaligned byte views, row layout) equals a pixel-by-pixel encoder', () => {
    const r = rng(2024);
    for (let t = 0; t < 120; t++) {
      const h = 1 + Math.floor(r() * (t % 4 === 0 ? 300 : 40));
      const w = 1 + Math.floor(r() * 40);
      const n = h * w;
      const offset = t % 4; // views starting off a 4-byte boundary
      const buf = new Uint8Array(n + offset);
      buf.set(bitmap(r, n), offset);
      const bm = buf.subarray(offset);
      const expected = simpleEncode(bm, n);
      expect(rleEncode(bm, h, w, 'column').counts).toEqual(expected);
      expect(rleEncode(Array.from(bm), h, w, 'column').counts).toEqual(expected);
      const rowMajor = new Uint8Array(n);
      for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) rowMajor[y * w + x] = bm[x * h + y]!;
      expect(rleEncode(rowMajor, h, w).counts).toEqual(expected);
    }
  });
  it('string codec equals the plain float codec, and parseRle validates in the same pass', () => {
    const r = rng(99);
    for (let t = 0; t < 200; t++) {
      const h = 1 + Math.floor(r() * 200);
      const w = 1 + Math.floor(r() * 200);
      const counts = simpleEncode(bitmap(r, h * w), h * w);
      const s = simpleToString(counts);
      const rle: Rle = { size: [h, w], counts };
      expect(rleToString(rle)).toBe(s);
      expect(rleToString(parseRle({ size: [h, w], counts }))).toBe(s);
      expect(rleFromString(s, h, w).counts).toEqual(counts);
      expect(parseRle({ size: [h, w], counts: s }).counts).toEqual(counts);
    }
    // Values past six 5-bit groups and past 32 bits go through the floating-point path with the same result.
    const big = [0, 2 ** 31 + 5, 3, 2 ** 34];
    expect(rleFromString(simpleToString(big), 1, 1).counts).toEqual(big);
    const huge = { size: [100_000, 100_000] as [number, number], counts: [5e9, 5e9] };
    expect(parseRle({ size: huge.size, counts: simpleToString(huge.counts) }).counts).toEqual(huge.counts);
    // Negative and missing counts are reported as rleValidate words them.
    const bad = simpleToString([3, 5, 2, 1]).slice(0, 3) + simpleToString([0, 0, 0, -9]).slice(3);
    expect(() => parseRle({ size: [2, 5], counts: bad })).toThrow(/count 3 is not a non-negative integer: -/);
    expect(() => parseRle({ size: [2, 5], counts: simpleToString([3, 5]) })).toThrow('RLE counts sum to 8, expected h*w = 2*5 = 10');
    expect(rleValidate(rleFromString(simpleToString([3, 5]), 2, 5))).toMatch(/sum to 8/);
  });
  it('rleStats equals decode-then-count on random masks of many shapes, merge likewise', () => {
    const r = rng(7);
    for (let t = 0; t < 300; t++) {
      const h = 1 + Math.floor(r() * 60);
      const w = 1 + Math.floor(r() * 60);
      const a = rleEncode(bitmap(r, h * w), h, w, 'column');
      const b: Rle = t % 3 === 0 ? { size: [h, w], counts: simpleEncode(bitmap(r, h * w), h * w) } : rleEncode(bitmap(r, h * w), h, w, 'column');
      const pa = pixels(a);
      const pb = pixels(b);
      const c = countIou(pa, pb);
      expect(rleStats(a, b)).toEqual({ intersection: c.inter, union: c.union, areaA: c.areaA, areaB: c.areaB });
      expect(rleArea(rleMerge([a, b]))).toBe(c.union);
      expect(rleArea(rleMerge([a, b], true))).toBe(c.inter);
    }
    // Zero-length inner runs (hand-made lists) and polygons (packed runs) walk the same way.
    const z: Rle = { size: [4, 4], counts: [2, 0, 0, 3, 0, 4, 7] };
    const p = polygonToRle([0.5, 0.5, 3.5, 0.5, 3.5, 3.5], 4, 4);
    const c = countIou(pixels(z), pixels(p));
    expect(rleStats(z, p)).toEqual({ intersection: c.inter, union: c.union, areaA: c.areaA, areaB: c.areaB });
  });
  it('a mask whose counts are read and changed is measured as changed', () => {
    const m = parseRle({ size: [2, 2], counts: simpleToString([0, 3, 1]) });
    expect(rleArea(m)).toBe(3);
    m.counts[1] = 1;
    m.counts[2] = 3;
    expect(rleArea(m)).toBe(1);
    m.counts = [4];
    expect(rleArea(m)).toBe(0);
    expect(JSON.parse(JSON.stringify(parseRle({ size: [4, 4], counts: '02208' })))).toEqual({ size: [4, 4], counts: [0, 2, 2, 2, 10] });
  });
});
