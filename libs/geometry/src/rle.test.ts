// RLE codec, IoU on runs, merge and bbox checked against pycocotools' published values and pixel counting.
import { describe, expect, it } from 'vitest';
import {
  rleEncode,
  rleDecode,
  rleArea,
  rleIou,
  rleDice,
  rleStats,
  rleMerge,
  rleToString,
  rleFromString,
  rleToBbox,
  rleContains,
  parseRle,
  rleValidate,
  bboxToRle,
  GeometryError,
} from './index.js';
import type { Rle } from './index.js';
import { seededRandom as rng } from '@verimesh/kit/testing';

function randomBitmap(r: () => number, h: number, w: number, density: number, blobby: boolean): Uint8Array {
  const m = new Uint8Array(h * w);
  let v = 0;
  for (let i = 0; i < m.length; i++) {
    if (blobby) { if (r() < 0.1) v = r() < density ? 1 : 0; m[i] = v; } else m[i] = r() < density ? 1 : 0;
  }
  return m;
}

describe('rleEncode / rleToString', () => {
  it('encodes a 4x4 mask with the top-left 2x2 set as counts [0,2,2,2,10] and string "02208" (issue, pycocotools)', () => {
    const bm = new Uint8Array(16);
    for (const [y, x] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) bm[y * 4 + x] = 1;
    const r = rleEncode(bm, 4, 4);
    expect(r).toEqual({ size: [4, 4], counts: [0, 2, 2, 2, 10] });
    expect(rleToString(r)).toBe('02208');
    expect(rleFromString('02208', 4, 4).counts).toEqual([0, 2, 2, 2, 10]);
  });
  it('is column-major: the top row of a 2x3 mask gives runs across columns', () => {
    // Row-major [1,1,1; 0,0,0] → columns (1,0),(1,0),(1,0) → 0 zeros, 1, 1, 1, 1, 1, 1.
    expect(rleEncode(Uint8Array.from([1, 1, 1, 0, 0, 0]), 2, 3).counts).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(rleEncode(Uint8Array.from([1, 0, 1, 0, 1, 0]), 2, 3, 'column').counts).toEqual([0, 1, 1, 1, 1, 1, 1]);
  });
  it('matches hand-worked codec values (5-bit groups, 0x20 continuation, +48, deltas from the 4th count)', () => {
    // 100 = 0b11_00100: low group 4 (+0x20 since more follows) → 'T', then 3 → '3'.
    expect(rleToString({ size: [1, 100], counts: [100] })).toBe('T3');
    // 16 has bit 0x10 set, so a second group (0) is needed to keep it positive: '`' then '0'.
    expect(rleToString({ size: [1, 16], counts: [16] })).toBe('`0');
    // [1,3,2,1]: the 4th is written as 1 − 3 = −2 → 30 (0b11110) → 'N'.
    expect(rleToString({ size: [1, 7], counts: [1, 3, 2, 1] })).toBe('132N');
    expect(rleFromString('132N', 1, 7).counts).toEqual([1, 3, 2, 1]);
    expect(rleFromString('T3', 1, 100).counts).toEqual([100]);
  });
  it('matches pycocotools strings recorded in pytorchcocotools\' test-suite', () => {
    const square = (x0: number, y0: number, x1: number, y1: number): Rle => {
      const bm = new Uint8Array(625);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) bm[y * 25 + x] = 1;
      return rleEncode(bm, 25, 25);
    };
    expect(rleToString(square(0, 0, 5, 5))).toBe('05d00000000d?');
    expect(rleToString(square(5, 5, 15, 15))).toBe('R4:?00000000000000000e7');
    expect(rleToString(square(20, 20, 25, 25))).toBe('X`05d00000000');
    expect(rleToString(square(0, 0, 25, 25))).toBe('0ac0');
    // A real 427×640 COCO mask string: decodes to counts summing to h·w and re-encodes to the same string.
    const s = '\\`_3;j<6B@nCc0Q<@kCc0S<;01N10001O001O00001O001O0000O1L4K6K4L4B]COh<O<O001O0O2Omk^4';
    const r = rleFromString(s, 427, 640);
    expect(rleValidate(r)).toBeUndefined();
    expect(rleToString(r)).toBe(s);
  });
  it('round-trips random masks through encode → string → decode', () => {
    const r = rng(7);
    for (let t = 0; t < 60; t++) {
      const h = 1 + Math.floor(r() * 40);
      const w = 1 + Math.floor(r() * 40);
      const bm = randomBitmap(r, h, w, r(), t % 2 === 0);
      const rle = rleEncode(bm, h, w);
      expect(rleValidate(rle)).toBeUndefined();
      expect(rleArea(rle)).toBe(bm.reduce((s, v) => s + v, 0));
      const back = rleFromString(rleToString(rle), h, w);
      expect(back.counts).toEqual(rle.counts);
      expect(rleDecode(back)).toEqual(bm);
      expect(rleDecode(rle, 'column')).toEqual(Uint8Array.from({ length: h * w }, (_, k) => bm[(k % h) * w + Math.floor(k / h)] as number));
    }
  });
});

describe('rleIou on runs', () => {
  it('equals IoU counted on pixels for random masks (independent second method)', () => {
    const r = rng(11);
    for (let t = 0; t < 80; t++) {
      const h = 1 + Math.floor(r() * 30);
      const w = 1 + Math.floor(r() * 30);
      const a = randomBitmap(r, h, w, r(), t % 3 !== 0);
      const b = randomBitmap(r, h, w, r(), t % 3 !== 1);
      let inter = 0;
      let union = 0;
      for (let i = 0; i < a.length; i++) { if (a[i] && b[i]) inter++; if (a[i] || b[i]) union++; }
      const ra = rleEncode(a, h, w);
      const rb = rleEncode(b, h, w);
      const s = rleStats(ra, rb);
      expect(s.intersection).toBe(inter);
      expect(s.union).toBe(union);
      expect(rleIou(ra, rb)).toBe(union === 0 ? 1 : inter / union);
      const both = rleMerge([ra, rb], true);
      const either = rleMerge([ra, rb]);
      expect(rleArea(both)).toBe(inter);
      expect(rleArea(either)).toBe(union);
      expect(rleDecode(either)).toEqual(a.map((v, i) => (v || b[i] ? 1 : 0)));
    }
  });
  it('handles 1000x1000 rectangles: IoU and dice equal the analytic values', () => {
    const a = bboxToRle([100, 100, 600, 600], 1000, 1000); // pixels [100,700)²
    const b = bboxToRle([200, 300, 600, 600], 1000, 1000); // [200,800)×[300,900)
    expect(a.counts.length).toBe(1201); // 600 columns → 1 + 2·600 runs
    expect(rleArea(a)).toBe(360_000);
    const inter = 500 * 400;
    expect(rleIou(a, b)).toBeCloseTo(inter / (720_000 - inter), 15);
    expect(rleDice(a, b)).toBeCloseTo((2 * inter) / 720_000, 15);
    // Decoding and counting pixels gives the same answer.
    const da = rleDecode(a);
    const db = rleDecode(b);
    let i = 0;
    for (let k = 0; k < da.length; k++) if (da[k] && db[k]) i++;
    expect(i).toBe(inter);
  });
  it('scores both-empty 1 and one-empty 0, and refuses masks of different sizes', () => {
    const e: Rle = { size: [3, 3], counts: [9] };
    const full: Rle = { size: [3, 3], counts: [0, 9] };
    expect(rleIou(e, e)).toBe(1);
    expect(rleIou(e, full)).toBe(0);
    expect(() => rleIou(e, { size: [3, 4], counts: [12] })).toThrow(GeometryError);
  });
  it('tolerates zero-length inner runs', () => {
    const a: Rle = { size: [1, 6], counts: [1, 0, 0, 2, 3] }; // 1 zero, 0 ones, 0 zeros, 2 ones, 3 zeros = pixels 1..2
    const b: Rle = { size: [1, 6], counts: [1, 2, 3] };
    expect(rleStats(a, b)).toEqual({ intersection: 2, union: 2, areaA: 2, areaB: 2 });
  });
});

describe('rleToBbox / rleContains', () => {
  it('gives the tight box of random masks (checked by scanning pixels)', () => {
    const r = rng(3);
    for (let t = 0; t < 40; t++) {
      const h = 1 + Math.floor(r() * 20);
      const w = 1 + Math.floor(r() * 20);
      const bm = randomBitmap(r, h, w, r() * 0.3, true);
      let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (bm[y * w + x]) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      const rle = rleEncode(bm, h, w);
      const expected = x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
      // pycocotools widens to all rows when a run crosses a column end; pixel scan only where no run does.
      const box = rleToBbox(rle);
      expect(box[0]).toBe(expected[0]);
      expect(box[2]).toBe(expected[2]);
      if (x1 < 0 || x0 === x1) expect(box).toEqual(expected);
      for (let k = 0; k < 10; k++) {
        const x = Math.floor(r() * w);
        const y = Math.floor(r() * h);
        expect(rleContains(rle, x + 0.5, y + 0.5)).toBe(bm[y * w + x] === 1);
      }
      expect(rleContains(rle, -1, 0)).toBe(false);
      expect(rleContains(rle, w, 0)).toBe(false);
    }
  });
});

describe('parseRle rejects bad input with a reason', () => {
  it.each([
    [{ size: [2, 2], counts: [1, 2] }, /sum to 3, expected h\*w = 2\*2 = 4/],
    [{ size: [2, 2], counts: [1, -1, 4] }, /not a non-negative integer/],
    [{ size: [2, 2], counts: [1.5, 2.5] }, /not a non-negative integer/],
    [{ size: [2, 2], counts: ['1', 3] }, /not a non-negative integer/],
    [{ size: [2], counts: [4] }, /size/],
    [{ size: [2, 2], counts: 'zz' }, /invalid character/],
    [{ size: [2, 2], counts: 'T' }, /ends inside a value/],
    [{ size: [2, 2] }, /counts/],
    ['02208', /object/],
  ])('%j', (v, re) => {
    expect(() => parseRle(v)).toThrow(re);
  });
  it('accepts both the compressed string and the counts list', () => {
    expect(parseRle({ size: [4, 4], counts: '02208' })).toEqual({ size: [4, 4], counts: [0, 2, 2, 2, 10] });
    expect(parseRle({ size: [4, 4], counts: [0, 2, 2, 2, 10] })).toEqual({ size: [4, 4], counts: [0, 2, 2, 2, 10] });
  });
});
