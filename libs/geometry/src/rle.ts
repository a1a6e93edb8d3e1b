// COCO run-length masks: encode/decode, pycocotools' string codec, area, IoU and merge computed on the runs.
import type { BoxXywh } from './box.js';
import { GeometryError } from './errors.js';

/**
 * A binary mask as COCO run-length counts: runs alternate 0s and 1s starting with 0s, over the
 * pixels in column-major order (down each column, then the next column), exactly as pycocotools.
 */
export interface Rle {
  size: [number, number]; // [height, width]
  counts: number[];
}

/** Pixel layout of a bitmap handed to or returned by this module. */
export type BitmapLayout = 'row' | 'column';

/** Largest mask `rleDecode` will allocate (pixels); bigger masks must be handled on their runs. */
export const MAX_DECODE_PIXELS = 1 << 28;

/**
 * Encode a bitmap (any nonzero byte is foreground) of `h` rows and `w` columns. The bitmap is
 * row-major (`y * w + x`, the layout sharp and canvases use) unless `layout` is `'column'`
 * (`x * h + y`, numpy Fortran order as pycocotools takes it). The runs are always column-major.
 */
export function rleEncode(bitmap: ArrayLike<number>, h: number, w: number, layout: BitmapLayout = 'row'): Rle {
  checkSize(h, w);
  if (bitmap.length < h * w) throw new GeometryError(`bitmap has ${bitmap.length} pixels, expected ${h}x${w}=${h * w}`);
  const counts: number[] = [];
  let p = 0;
  let c = 0;
  if (layout === 'column') {
    const n = h * w;
    for (let j = 0; j < n; j++) {
      const v = bitmap[j] ? 1 : 0;
      if (v !== p) { counts.push(c); c = 0; p = v; }
      c++;
    }
  } else {
    for (let x = 0; x < w; x++) {
      for (let y = 0, i = x; y < h; y++, i += w) {
        const v = bitmap[i] ? 1 : 0;
        if (v !== p) { counts.push(c); c = 0; p = v; }
        c++;
      }
    }
  }
  counts.push(c);
  return { size: [h, w], counts };
}

/** Decode to a 0/1 bitmap, row-major unless `layout` is `'column'`. Throws above `MAX_DECODE_PIXELS`. */
export function rleDecode(rle: Rle, layout: BitmapLayout = 'row'): Uint8Array {
  const [h, w] = rle.size;
  checkSize(h, w);
  if (h * w > MAX_DECODE_PIXELS) throw new GeometryError(`mask ${h}x${w} is too large to decode`);
  const out = new Uint8Array(h * w);
  let pos = 0;
  const counts = rle.counts;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    const end = Math.min(pos + c, h * w);
    if (i % 2 === 1) {
      if (layout === 'column') out.fill(1, pos, end);
      else for (let k = pos; k < end; k++) out[(k % h) * w + Math.floor(k / h)] = 1;
    }
    pos = end;
  }
  return out;
}

/** Foreground pixel count (sum of the odd runs). */
export function rleArea(rle: Rle): number {
  let a = 0;
  const counts = rle.counts;
  for (let i = 1; i < counts.length; i += 2) a += counts[i] ?? 0;
  return a;
}

/** Intersection, union and both areas of two masks of the same size, in one pass over the runs. */
export interface RleStats {
  intersection: number;
  union: number;
  areaA: number;
  areaB: number;
}

/** Intersection and union of two same-size masks, walking both run lists once (no pixels decoded). */
export function rleStats(a: Rle, b: Rle): RleStats {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new GeometryError(`mask sizes differ: ${a.size[0]}x${a.size[1]} vs ${b.size[0]}x${b.size[1]}`);
  }
  const A = a.counts;
  const B = b.counts;
  const na = A.length;
  const nb = B.length;
  let inter = 0;
  let union = 0;
  let areaA = 0;
  let areaB = 0;
  if (na > 0 && nb > 0) {
    let ia = 0;
    let ib = 0;
    let ca = A[0] as number;
    let cb = B[0] as number;
    let va = false;
    let vb = false;
    for (;;) {
      while (ca === 0 && ia + 1 < na) { ca = A[++ia] as number; va = !va; if (va) areaA += ca; }
      while (cb === 0 && ib + 1 < nb) { cb = B[++ib] as number; vb = !vb; if (vb) areaB += cb; }
      if (ca === 0 || cb === 0) break; // one list is exhausted; valid lists end together
      const c = ca < cb ? ca : cb;
      if (va) { if (vb) { inter += c; union += c; } else union += c; } else if (vb) union += c;
      ca -= c;
      cb -= c;
    }
    // Runs left in the longer list (only when the sums differ) still count towards its area.
    for (ia++; ia < na; ia++) if (ia % 2 === 1) areaA += A[ia] as number;
    for (ib++; ib < nb; ib++) if (ib % 2 === 1) areaB += B[ib] as number;
  } else {
    areaA = rleArea(a);
    areaB = rleArea(b);
  }
  return { intersection: inter, union, areaA, areaB };
}

/**
 * IoU of two same-size masks on their runs. Both masks empty → 1 (SPEC 4.2, as DAVIS's J);
 * pycocotools returns 0 there, otherwise the values are identical. Throws when the sizes differ.
 */
export function rleIou(a: Rle, b: Rle): number {
  const s = rleStats(a, b);
  return s.union === 0 ? 1 : s.intersection / s.union;
}

/** Dice coefficient 2|A∩B| / (|A| + |B|); both empty → 1. */
export function rleDice(a: Rle, b: Rle): number {
  const s = rleStats(a, b);
  const d = s.areaA + s.areaB;
  return d === 0 ? 1 : (2 * s.intersection) / d;
}

/** Union (default) or intersection of same-size masks, as pycocotools' `merge`; the result has no empty inner runs. */
export function rleMerge(rles: readonly Rle[], intersect = false): Rle {
  const first = rles[0];
  if (first === undefined) return { size: [0, 0], counts: [] };
  let acc: Rle = { size: [first.size[0], first.size[1]], counts: first.counts.slice() };
  for (let i = 1; i < rles.length; i++) acc = combine(acc, rles[i] as Rle, intersect);
  return acc;
}

function combine(a: Rle, b: Rle, intersect: boolean): Rle {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new GeometryError(`mask sizes differ: ${a.size[0]}x${a.size[1]} vs ${b.size[0]}x${b.size[1]}`);
  }
  const A = a.counts;
  const B = b.counts;
  const out: number[] = [];
  let cur = false;
  let run = 0;
  let ia = 0;
  let ib = 0;
  let ca = A[0] ?? 0;
  let cb = B[0] ?? 0;
  let va = false;
  let vb = false;
  for (;;) {
    while (ca === 0 && ia + 1 < A.length) { ca = A[++ia] as number; va = !va; }
    while (cb === 0 && ib + 1 < B.length) { cb = B[++ib] as number; vb = !vb; }
    if (ca === 0 || cb === 0) break;
    const c = ca < cb ? ca : cb;
    const v = intersect ? va && vb : va || vb;
    if (v === cur) run += c;
    else { out.push(run); run = c; cur = v; }
    ca -= c;
    cb -= c;
  }
  out.push(run);
  return { size: [a.size[0], a.size[1]], counts: out };
}

/** True when pixel (x, y) (column x, row y, integers) is foreground. Out of the canvas → false. */
export function rleContains(rle: Rle, x: number, y: number): boolean {
  const [h, w] = rle.size;
  if (!(x >= 0 && y >= 0 && x < w && y < h)) return false;
  const target = Math.floor(x) * h + Math.floor(y);
  let pos = 0;
  const counts = rle.counts;
  for (let i = 0; i < counts.length; i++) {
    pos += counts[i] as number;
    if (target < pos) return i % 2 === 1;
  }
  return false;
}

/** Tight bounding box `[x, y, w, h]` of the foreground, as pycocotools' `toBbox`; `[0, 0, 0, 0]` when empty. */
export function rleToBbox(rle: Rle): BoxXywh {
  const h = rle.size[0];
  let xs = Infinity;
  let ys = Infinity;
  let xe = -Infinity;
  let ye = -Infinity;
  let pos = 0;
  const counts = rle.counts;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (i % 2 === 1 && c > 0) {
      const first = pos;
      const last = pos + c - 1;
      const x0 = Math.floor(first / h);
      const x1 = Math.floor(last / h);
      xs = Math.min(xs, x0);
      xe = Math.max(xe, x1);
      if (x1 > x0) { ys = 0; ye = h - 1; } // the run crosses a column end: every row is touched
      else { ys = Math.min(ys, first % h); ye = Math.max(ye, last % h); }
    }
    pos += c;
  }
  if (xs === Infinity) return [0, 0, 0, 0];
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * Compress counts with pycocotools' codec (`rleToString`): each count (from the fourth on, as the
 * difference to the count two before) in 5-bit groups, low first, 0x20 as the continuation bit,
 * offset by 48 into ASCII '0'..'o'.
 */
export function rleToString(rle: Rle): string {
  const counts = rle.counts;
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] as number;
    if (i > 2) x -= counts[i - 2] as number;
    let more = true;
    while (more) {
      let c = x - Math.floor(x / 32) * 32; // x & 0x1f without 32-bit truncation
      x = Math.floor(x / 32); // arithmetic shift
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars.push(c + 48);
    }
  }
  // Chunked so that long strings stay within the argument limit of fromCharCode.
  let s = '';
  for (let i = 0; i < chars.length; i += 8192) s += String.fromCharCode(...chars.slice(i, i + 8192));
  return s;
}

/** Decode pycocotools' compressed counts string; throws `GeometryError` on characters outside the codec or a cut-off value. */
export function rleFromString(s: string, h: number, w: number): Rle {
  checkSize(h, w);
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new GeometryError('RLE string ends inside a value');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new GeometryError(`RLE string has an invalid character ${JSON.stringify(s[p])} at ${p}`);
      if (k >= 8) throw new GeometryError(`RLE string value at ${p} is too long`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    const m = counts.length;
    if (m > 2) x += counts[m - 2] as number;
    counts.push(x);
  }
  return { size: [h, w], counts };
}

/** Why a mask is malformed (negative or fractional counts, counts not summing to h·w), or undefined when it is sound. */
export function rleValidate(rle: Rle): string | undefined {
  const [h, w] = rle.size;
  if (!isDim(h) || !isDim(w)) return `RLE size must be two non-negative integers [h, w], got ${JSON.stringify(rle.size)}`;
  let sum = 0;
  const counts = rle.counts;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) return `RLE count ${i} is not a non-negative integer: ${JSON.stringify(c)}`;
    sum += c;
  }
  if (sum !== h * w) return `RLE counts sum to ${sum}, expected h*w = ${h}*${w} = ${h * w}`;
  return undefined;
}

/**
 * Read a COCO RLE object from untrusted JSON: `{ size: [h, w], counts: string | number[] }`
 * (compressed string or uncompressed counts list). Throws `GeometryError` saying what is wrong.
 */
export function parseRle(value: unknown): Rle {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new GeometryError('RLE must be an object {size: [h, w], counts}');
  const o = value as { size?: unknown; counts?: unknown };
  const size = o.size;
  if (!Array.isArray(size) || size.length !== 2 || !isDim(size[0]) || !isDim(size[1])) {
    throw new GeometryError(`RLE size must be [height, width] (non-negative integers), got ${short(size)}`);
  }
  const h = size[0] as number;
  const w = size[1] as number;
  let rle: Rle;
  if (typeof o.counts === 'string') rle = rleFromString(o.counts, h, w);
  else if (Array.isArray(o.counts)) rle = { size: [h, w], counts: o.counts as number[] };
  else throw new GeometryError('RLE counts must be a compressed string or a list of integers');
  const why = rleValidate(rle);
  if (why !== undefined) throw new GeometryError(why);
  return { size: [h, w], counts: rle.counts.slice() };
}

function isDim(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1e9;
}

function checkSize(h: number, w: number): void {
  if (!isDim(h) || !isDim(w)) throw new GeometryError(`mask size must be non-negative integers, got ${h}x${w}`);
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
