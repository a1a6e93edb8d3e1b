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

/** Largest mask the run operations take (pixels): positions and counts are 32-bit integers (pycocotools: `uint`). */
export const MAX_MASK_PIXELS = 0x7fffffff;

// ---------- the runs behind an Rle ----------
//
// The masks this module makes (encode, string decode, parse, polygons, merge) keep their counts in an Int32Array
// behind the object and give `counts` as a plain array only when it is read: the run operations never need one,
// and a plain array of tens of thousands of numbers costs more to allocate and collect than all of them. Reading or
// assigning `counts` turns the object into a plain Rle; a hand-made `{ size, counts }` works everywhere as well.

const RUNS = Symbol('runs');
type Packed = Rle & { [RUNS]?: Int32Array };

function packed(h: number, w: number, runs: Int32Array): Rle {
  const rle = { size: [h, w] } as unknown as Packed;
  Object.defineProperty(rle, 'counts', { enumerable: true, configurable: true, get: materialize, set: assign });
  Object.defineProperty(rle, RUNS, { value: runs, writable: true, configurable: true });
  return rle;
}

function materialize(this: Packed): number[] {
  const runs = this[RUNS] ?? new Int32Array(0);
  const counts = new Array<number>(runs.length);
  for (let i = 0; i < runs.length; i++) counts[i] = runs[i]!;
  assign.call(this, counts);
  return counts;
}

function assign(this: Packed, counts: number[]): void {
  Object.defineProperty(this, 'counts', { value: counts, writable: true, enumerable: true, configurable: true });
  this[RUNS] = undefined;
}

/** The counts of any Rle as 32-bit integers: the packed runs as they are, a plain list copied. */
function runsOf(rle: Rle): Int32Array {
  const r = (rle as Packed)[RUNS];
  if (r !== undefined) return r;
  const [h, w] = rle.size;
  if (h * w > MAX_MASK_PIXELS) throw new GeometryError(`mask ${h}x${w} is above the ${MAX_MASK_PIXELS}-pixel limit of run operations`);
  return Int32Array.from(rle.counts);
}

// ---------- encode / decode ----------

/**
 * Encode a bitmap (any nonzero byte is foreground) of `h` rows and `w` columns. The bitmap is
 * row-major (`y * w + x`, the layout sharp and canvases use) unless `layout` is `'column'`
 * (`x * h + y`, numpy Fortran order as pycocotools takes it). The runs are always column-major.
 */
export function rleEncode(bitmap: ArrayLike<number>, h: number, w: number, layout: BitmapLayout = 'row'): Rle {
  checkSize(h, w);
  const n = h * w;
  if (bitmap.length < n) throw new GeometryError(`bitmap has ${bitmap.length} pixels, expected ${h}x${w}=${h * w}`);
  if (n > MAX_MASK_PIXELS) throw new GeometryError(`mask ${h}x${w} is above the ${MAX_MASK_PIXELS}-pixel limit of run operations`);
  const runs = scratchRuns(n + 1);
  let m: number;
  if (layout === 'column' && bitmap instanceof Uint8Array && LITTLE_ENDIAN) m = encodeBytes(bitmap, n, runs);
  else {
    // Generic pixel walk (row-major bitmaps are read down each column; any array-like works).
    m = 0;
    let p = 0;
    let c = 0;
    const col = layout === 'column';
    for (let x = 0; x < w; x++) {
      for (let y = 0, i = col ? x * h : x; y < h; y++, i += col ? 1 : w) {
        const v = bitmap[i] ? 1 : 0;
        if (v !== p) { runs[m++] = c; c = 0; p = v; }
        c++;
      }
    }
    runs[m++] = c;
  }
  return packed(h, w, runs.slice(0, m));
}

/**
 * Runs of a column-major byte bitmap, a 32-bit word (four pixels) at a time: words of the current value (0 for
 * background, no zero byte for foreground) are skipped in a tight loop; in a word with a change, the changes are
 * found with bit masks (a byte's high bit says whether it is nonzero; the lowest marked byte is the next change)
 * rather than byte by byte. Little-endian words (byte 0 in the low bits), as every platform Node runs on.
 * Returns the number of runs written.
 */
function encodeBytes(bm: Uint8Array, n: number, runs: Int32Array): number {
  const head = Math.min(n, (4 - (bm.byteOffset & 3)) & 3); // pixels before the first aligned word
  const nw = (n - head) >>> 2;
  const words = new Int32Array(bm.buffer, bm.byteOffset + head, nw);
  let m = 0;
  let start = 0; // first pixel of the current run
  let p = 0; // value of the current run
  for (let i = 0; i < head; i++) {
    const v = bm[i] !== 0 ? 1 : 0;
    if (v !== p) { runs[m++] = i - start; start = i; p = v; }
  }
  for (let k = 0; k < nw; k++) {
    if (p === 0) while (k < nw && words[k] === 0) k++;
    else {
      for (; k < nw; k++) {
        const v = words[k]!;
        if (((v - 0x01010101) & ~v & 0x80808080) !== 0) break; // some byte is 0
      }
    }
    if (k >= nw) break;
    const v = words[k]!;
    const nonzero = ((((v & 0x7f7f7f7f) + 0x7f7f7f7f) | 0) | v) & HIGH_BITS; // high bit of each nonzero byte
    let keep = -1; // bytes of the word not yet passed
    for (;;) {
      const other = (p === 0 ? nonzero : ~nonzero & HIGH_BITS) & keep; // bytes of the other value
      if (other === 0) break;
      const off = (31 - Math.clz32(other & -other)) >> 3;
      const i = head + k * 4 + off;
      runs[m++] = i - start;
      start = i;
      p ^= 1;
      if (off === 3) break;
      keep = -1 << (8 * (off + 1));
    }
  }
  for (let i = head + nw * 4; i < n; i++) {
    const v = bm[i] !== 0 ? 1 : 0;
    if (v !== p) { runs[m++] = i - start; start = i; p = v; }
  }
  runs[m++] = n - start;
  return m;
}

const HIGH_BITS = 0x80808080 | 0;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Decode to a 0/1 bitmap, row-major unless `layout` is `'column'`. Throws above `MAX_DECODE_PIXELS`. */
export function rleDecode(rle: Rle, layout: BitmapLayout = 'row'): Uint8Array {
  const [h, w] = rle.size;
  checkSize(h, w);
  if (h * w > MAX_DECODE_PIXELS) throw new GeometryError(`mask ${h}x${w} is too large to decode`);
  const out = new Uint8Array(h * w);
  let pos = 0;
  const counts = runsOf(rle);
  for (let i = 0; i < counts.length; i++) {
    const end = Math.min(pos + counts[i]!, h * w);
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
  const counts = runsOf(rle);
  for (let i = 1; i < counts.length; i += 2) a += counts[i]!;
  return a;
}

// ---------- IoU and merge on the runs ----------

/** Intersection, union and both areas of two masks of the same size, in one pass over the runs. */
export interface RleStats {
  intersection: number;
  union: number;
  areaA: number;
  areaB: number;
}

/**
 * Intersection and union of two same-size masks, walking both run lists once (no pixels decoded). The walk steps
 * from foreground interval to foreground interval (half the steps of a run-by-run merge) and adds the overlap of
 * the two current intervals; the areas are summed on the way and union = areaA + areaB − intersection.
 */
export function rleStats(a: Rle, b: Rle): RleStats {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new GeometryError(`mask sizes differ: ${a.size[0]}x${a.size[1]} vs ${b.size[0]}x${b.size[1]}`);
  }
  return intervalStats(runsOf(a), runsOf(b));
}

function intervalStats(A: Int32Array, B: Int32Array): RleStats {
  const na = A.length;
  const nb = B.length;
  let inter = 0;
  let areaA = 0;
  let areaB = 0;
  let ia = 1; // odd indices are foreground runs
  let ib = 1;
  if (na > 1 && nb > 1) {
    // Current foreground intervals [sa, ea) and [sb, eb) in column-major pixel positions.
    let sa = A[0]!;
    let ea = sa + A[1]!;
    let sb = B[0]!;
    let eb = sb + B[1]!;
    areaA = ea - sa;
    areaB = eb - sb;
    for (;;) {
      const lo = sa > sb ? sa : sb;
      const hi = ea < eb ? ea : eb;
      if (hi > lo) inter += hi - lo;
      if (ea <= eb) {
        ia += 2;
        if (ia >= na) break;
        sa = ea + A[ia - 1]!;
        ea = sa + A[ia]!;
        areaA += ea - sa;
      } else {
        ib += 2;
        if (ib >= nb) break;
        sb = eb + B[ib - 1]!;
        eb = sb + B[ib]!;
        areaB += eb - sb;
      }
    }
    ia += 2;
    ib += 2;
  }
  // Foreground runs after the walk (or all of them when a list has none) still count towards their area.
  for (; ia < na; ia += 2) areaA += A[ia]!;
  for (; ib < nb; ib += 2) areaB += B[ib]!;
  return { intersection: inter, union: areaA + areaB - inter, areaA, areaB };
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
  const [h, w] = first.size;
  let acc: Int32Array = runsOf(first).slice();
  for (let i = 1; i < rles.length; i++) {
    const r = rles[i] as Rle;
    if (r.size[0] !== h || r.size[1] !== w) throw new GeometryError(`mask sizes differ: ${h}x${w} vs ${r.size[0]}x${r.size[1]}`);
    acc = combine(acc, runsOf(r), intersect);
  }
  return packed(h, w, acc);
}

function combine(A: Int32Array, B: Int32Array, intersect: boolean): Int32Array {
  const out = scratchRuns(A.length + B.length + 1);
  let m = 0;
  let cur = false;
  let run = 0;
  let ia = 0;
  let ib = 0;
  let ca = A[0] ?? 0;
  let cb = B[0] ?? 0;
  let va = false;
  let vb = false;
  for (;;) {
    while (ca === 0 && ia + 1 < A.length) { ca = A[++ia]!; va = !va; }
    while (cb === 0 && ib + 1 < B.length) { cb = B[++ib]!; vb = !vb; }
    if (ca === 0 || cb === 0) break;
    const c = ca < cb ? ca : cb;
    const v = intersect ? va && vb : va || vb;
    if (v === cur) run += c;
    else { out[m++] = run; run = c; cur = v; }
    ca -= c;
    cb -= c;
  }
  out[m++] = run;
  return out.slice(0, m);
}

/** True when pixel (x, y) (column x, row y, integers) is foreground. Out of the canvas → false. */
export function rleContains(rle: Rle, x: number, y: number): boolean {
  const [h, w] = rle.size;
  if (!(x >= 0 && y >= 0 && x < w && y < h)) return false;
  const target = Math.floor(x) * h + Math.floor(y);
  let pos = 0;
  const counts = runsOf(rle);
  for (let i = 0; i < counts.length; i++) {
    pos += counts[i]!;
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
  const counts = runsOf(rle);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
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

// ---------- pycocotools' compressed strings ----------

/**
 * Compress counts with pycocotools' codec (`rleToString`): each count (from the fourth on, as the
 * difference to the count two before) in 5-bit groups, low first, 0x20 as the continuation bit,
 * offset by 48 into ASCII '0'..'o'.
 */
export function rleToString(rle: Rle): string {
  const counts = runsOf(rle);
  const n = counts.length;
  const out = scratchChars(n * 7 + 1); // a 32-bit difference needs at most 7 groups (+1: the second write)
  let k = 0;
  for (let i = 0; i < n; i++) {
    // The difference of two int32 counts fits in 33 bits; `>> 5` on a double above 31 bits is not exact, so
    // the rare large difference takes floating point.
    let x = i > 2 ? counts[i]! - counts[i - 2]! : counts[i]!;
    if (x >= -0x40000000 && x < 0x40000000) {
      // Groups needed: the fewest 5-bit groups holding x as a signed number. The first two characters are
      // written without branches (most values need one or two), further ones in a loop.
      const ng = GROUPS[32 - Math.clz32(x ^ (x >> 31))]!;
      out[k] = ((x & 0x1f) | (((1 - ng) >> 31) & 0x20)) + 48;
      out[k + 1] = (((x >> 5) & 0x1f) | (((2 - ng) >> 31) & 0x20)) + 48;
      for (let g = 2; g < ng; g++) out[k + g] = (((x >> (5 * g)) & 0x1f) | (g < ng - 1 ? 0x20 : 0)) + 48;
      k += ng;
    } else {
      let more = true;
      while (more) {
        let c = x - Math.floor(x / 32) * 32; // x & 0x1f without 32-bit truncation
        x = Math.floor(x / 32);
        more = c & 0x10 ? x !== -1 : x !== 0;
        if (more) c |= 0x20;
        out[k++] = c + 48;
      }
    }
  }
  return ascii.decode(out.subarray(0, k));
}

/** Decode pycocotools' compressed counts string; throws `GeometryError` on characters outside the codec or a cut-off value. */
export function rleFromString(s: string, h: number, w: number): Rle {
  checkSize(h, w);
  return fromString(s, h, w, false);
}

/**
 * The runs of a compressed string in one pass over its bytes with integer arithmetic, into a preallocated Int32Array
 * (one value at most per character), copied out at its length. With `validate`, the checks of
 * `rleValidate` are made in the same pass, with its messages. Anything the fast path cannot hold (characters
 * outside the codec, values beyond 32 bits, masks above MAX_MASK_PIXELS) goes to `fromStringSlow`, which says what
 * is wrong exactly as before.
 */
function fromString(s: string, h: number, w: number, validate: boolean): Rle {
  const len = s.length;
  if (h * w > MAX_MASK_PIXELS) return fromStringSlow(s, h, w, validate);
  const b = scratchChars(len * 3);
  const n = utf8.encodeInto(s, b).written;
  if (n !== len) return fromStringSlow(s, h, w, validate); // not ASCII: an invalid character somewhere
  const runs = scratchRuns(n); // at most one value per character; copied out at its length at the end
  let j = 0;
  let x = 0;
  let shift = 0;
  let sum = 0;
  let neg = 0;
  let p = 0;
  // The first three values are written as they are; every later one as the difference to the value two before.
  for (; p < n && j < 3; p++) {
    const c = b[p]! - 48;
    if (c < 0 || c > 63 || shift > 25) return fromStringSlow(s, h, w, validate);
    x |= (c & 0x1f) << shift;
    shift += 5;
    if (c & 0x20) continue;
    if (c & 0x10) x |= -1 << shift; // sign-extend
    runs[j++] = x;
    sum += x;
    neg |= x;
    x = 0;
    shift = 0;
  }
  // Then without a branch on where values end (which is as unpredictable as the data): each character updates the
  // value being read and rewrites its slot; `end` (1 at a value's last character) moves on to the next slot.
  for (; p < n; p++) {
    const c = b[p]! - 48;
    if (c < 0 || c > 63 || shift > 25) return fromStringSlow(s, h, w, validate);
    x |= (c & 0x1f) << shift;
    const end = ((c >> 5) & 1) ^ 1;
    const v = (x | ((-1 << (shift + 5)) & -(end & (c >> 4)))) + runs[j - 2]!;
    if (v > 0x7fffffff || v < -0x80000000) return fromStringSlow(s, h, w, validate);
    runs[j] = v;
    sum += v * end;
    neg |= v & -end;
    j += end;
    shift = (shift + 5) & (end - 1);
    x &= end - 1;
  }
  if (shift !== 0) throw new GeometryError('RLE string ends inside a value');
  if (validate) {
    if (neg < 0) {
      const i = runs.subarray(0, j).findIndex((v) => v < 0);
      throw new GeometryError(`RLE count ${i} is not a non-negative integer: ${runs[i]}`);
    }
    if (sum !== h * w) throw new GeometryError(`RLE counts sum to ${sum}, expected h*w = ${h}*${w} = ${h * w}`);
  }
  return packed(h, w, runs.slice(0, j));
}

/** pycocotools' decoder in floating point (exact up to 2^53), for what the integer path does not take. */
function fromStringSlow(s: string, h: number, w: number, validate: boolean): Rle {
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
  const rle: Rle = { size: [h, w], counts };
  if (validate) {
    const why = rleValidate(rle);
    if (why !== undefined) throw new GeometryError(why);
  }
  return rle;
}

// ---------- validation and parsing ----------

/** Why a mask is malformed (negative or fractional counts, counts not summing to h·w), or undefined when it is sound. */
export function rleValidate(rle: Rle): string | undefined {
  const [h, w] = rle.size;
  if (!isDim(h) || !isDim(w)) return `RLE size must be two non-negative integers [h, w], got ${JSON.stringify(rle.size)}`;
  const counts: ArrayLike<unknown> = (rle as Packed)[RUNS] ?? rle.counts;
  let sum = 0;
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
  if (typeof o.counts === 'string') return fromString(o.counts, h, w, true);
  if (!Array.isArray(o.counts)) throw new GeometryError('RLE counts must be a compressed string or a list of integers');
  const why = rleValidate({ size: [h, w], counts: o.counts as number[] });
  if (why !== undefined) throw new GeometryError(why);
  // A copy (the caller's list stays theirs), packed when it fits the run operations.
  return h * w > MAX_MASK_PIXELS ? { size: [h, w], counts: (o.counts as number[]).slice() } : packed(h, w, Int32Array.from(o.counts as number[]));
}

/** Runs from the polygon rasterizer (which writes them into an Int32Array) as an Rle. */
export function rleFromRuns(h: number, w: number, runs: Int32Array): Rle {
  return packed(h, w, runs);
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

// ---------- scratch buffers ----------

/** 5-bit groups for a signed value of b significant bits (b + 1 bits with the sign): ⌈(b + 1) / 5⌉, at least 1. */
const GROUPS = Uint8Array.from({ length: 33 }, (_, b) => Math.max(1, Math.ceil((b + 1) / 5)));

/** ASCII bytes to a string and back (the codec's characters are '0'..'o'). */
const ascii = new TextDecoder('latin1');
const utf8 = new TextEncoder();

// Reused across calls (everything here is synchronous), grown when a larger mask comes; one that needed more than
// KEEP_ENTRIES is not kept.
const KEEP_ENTRIES = 1 << 22;
let runsScratch = new Int32Array(1024);
let charsScratch = new Uint8Array(4096);

function scratchRuns(n: number): Int32Array {
  if (runsScratch.length < n) runsScratch = new Int32Array(Math.max(n, runsScratch.length * 2));
  const r = runsScratch;
  if (r.length > KEEP_ENTRIES) runsScratch = new Int32Array(1024);
  return r;
}

function scratchChars(n: number): Uint8Array {
  if (charsScratch.length < n) charsScratch = new Uint8Array(Math.max(n, charsScratch.length * 2));
  const r = charsScratch;
  if (r.length > KEEP_ENTRIES) charsScratch = new Uint8Array(4096);
  return r;
}
