// Levenshtein distance over strings and integer sequences, with the fast paths that make TEDS cheap.

let row = new Int32Array(256);
// Match masks of the pattern's symbols for the bit-parallel path, indexed by symbol (small interned ids).
let peq = new Int32Array(1024);

function scratch(n: number): Int32Array {
  if (row.length < n) row = new Int32Array(Math.max(n, row.length * 2));
  return row;
}

/**
 * Edit distance between a[aStart, aEnd) and b[bStart, bEnd) (unit costs). Equal sequences, empty sides and a
 * shared prefix/suffix are handled without the DP; the DP uses one reused typed row, so it allocates nothing.
 */
export function levenshteinRange(a: ArrayLike<number>, aStart: number, aEnd: number, b: ArrayLike<number>, bStart: number, bEnd: number): number {
  while (aStart < aEnd && bStart < bEnd && a[aStart] === b[bStart]) {
    aStart++;
    bStart++;
  }
  while (aEnd > aStart && bEnd > bStart && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }
  let n = aEnd - aStart;
  let m = bEnd - bStart;
  if (n === 0) return m;
  if (m === 0) return n;
  // The shorter side indexes the row.
  if (m > n) {
    const ta = a, ts = aStart, tn = n;
    a = b;
    aStart = bStart;
    n = m;
    b = ta;
    bStart = ts;
    m = tn;
  }
  // Bit-parallel (Myers 1999, Hyyrö's edit-distance form) when the shorter side fits a 32-bit word and the
  // symbols are small non-negative ids (TEDS tokens are interned): O(n) word operations instead of O(n·m).
  if (m <= 32) {
    let small = true;
    for (let j = 0; j < m; j++) {
      const v = b[bStart + j]!;
      if (v < 0 || v > 1 << 20) {
        small = false;
        break;
      }
    }
    if (small) return myers(a, aStart, n, b, bStart, m);
  }
  const r = scratch(m + 1);
  for (let j = 0; j <= m; j++) r[j] = j;
  for (let i = 1; i <= n; i++) {
    const ai = a[aStart + i - 1];
    let diag = r[0]!;
    r[0] = i;
    for (let j = 1; j <= m; j++) {
      const up = r[j]!;
      const sub = diag + (ai === b[bStart + j - 1] ? 0 : 1);
      const del = up + 1;
      const ins = r[j - 1]! + 1;
      r[j] = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
      diag = up;
    }
  }
  return r[m]!;
}

function myers(a: ArrayLike<number>, aStart: number, n: number, b: ArrayLike<number>, bStart: number, m: number): number {
  let maxId = 0;
  for (let j = 0; j < m; j++) if (b[bStart + j]! > maxId) maxId = b[bStart + j]!;
  if (peq.length <= maxId) peq = new Int32Array(Math.max(maxId + 1, peq.length * 2));
  for (let j = 0; j < m; j++) peq[b[bStart + j]!]! |= 1 << j;
  const top = 1 << (m - 1);
  let pv = -1;
  let mv = 0;
  let score = m;
  for (let i = 0; i < n; i++) {
    const c = a[aStart + i]!;
    const eq = c >= 0 && c < peq.length ? peq[c]! : 0;
    const xv = eq | mv;
    const xh = ((((eq & pv) + pv) | 0) ^ pv) | eq;
    let ph = mv | ~(xh | pv);
    let mh = pv & xh;
    if (ph & top) score++;
    else if (mh & top) score--;
    ph = (ph << 1) | 1;
    mh = mh << 1;
    pv = mh | ~(xv | ph);
    mv = ph & xv;
  }
  for (let j = 0; j < m; j++) peq[b[bStart + j]!] = 0;
  return score;
}

/** Edit distance between two integer sequences. */
export function levenshteinSeq(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return levenshteinRange(a, 0, a.length, b, 0, b.length);
}

/** Code points of a string (so that astral characters count once, as Python's len does). */
export function codePoints(s: string): Int32Array {
  const out = new Int32Array(s.length);
  let n = 0;
  for (const ch of s) out[n++] = ch.codePointAt(0)!;
  return out.subarray(0, n);
}

/** Character edit distance between two strings, counted in code points. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  return levenshteinSeq(codePoints(a), codePoints(b));
}

/** Edit distance between token lists (words), interning tokens to integers. */
export function levenshteinTokens(a: readonly string[], b: readonly string[]): number {
  const ids = new Map<string, number>();
  const toIds = (xs: readonly string[]): Int32Array => {
    const out = new Int32Array(xs.length);
    xs.forEach((x, i) => {
      let id = ids.get(x);
      if (id === undefined) ids.set(x, (id = ids.size));
      out[i] = id;
    });
    return out;
  };
  return levenshteinSeq(toIds(a), toIds(b));
}

/** 1 − distance / max length, over code points; two empty strings are identical (1). */
export function normalizedSimilarity(a: string, b: string): number {
  const ca = codePoints(a);
  const cb = codePoints(b);
  const max = Math.max(ca.length, cb.length);
  return max === 0 ? 1 : 1 - levenshteinSeq(ca, cb) / max;
}
