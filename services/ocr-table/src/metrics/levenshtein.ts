// Levenshtein distance over strings and integer sequences, with the fast paths that make TEDS cheap.

let row = new Int32Array(256);

function scratch(n: number): Int32Array {
  if (row.length < n) row = new Int32Array(Math.max(n, row.length * 2));
  return row;
}

// The bit-parallel pattern: match masks of one sequence of ≤ 32 small non-negative ids, indexed by id. They are
// kept while the same pattern asks again: TEDS's Zhang–Shasha compares one cell against many cells in a row.
let peq = new Int32Array(1024);
let patArr: ArrayLike<number> | undefined;
let patStart = 0;
let patLen = 0;

/** Forgets the cached pattern (clears its masks and drops the reference to its array). */
export function releasePattern(): void {
  if (patArr) for (let k = 0; k < patLen; k++) peq[patArr[patStart + k]!] = 0;
  patArr = undefined;
  patLen = 0;
}

/**
 * Edit distance between the pattern p[pStart, pStart + m) (1 ≤ m ≤ 32, ids in [0, 2^20]) and t[tStart, tEnd), by
 * Myers' bit-parallel algorithm (1999, Hyyrö's edit-distance form): O(text length) word operations. The pattern's
 * masks are reused while the same (array, start, length) is the pattern, so the array must not change meanwhile.
 */
export function myersDistance(p: ArrayLike<number>, pStart: number, m: number, t: ArrayLike<number>, tStart: number, tEnd: number): number {
  if (patArr !== p || patStart !== pStart || patLen !== m) {
    releasePattern();
    let maxId = 0;
    for (let k = 0; k < m; k++) if (p[pStart + k]! > maxId) maxId = p[pStart + k]!;
    if (peq.length <= maxId) peq = new Int32Array(Math.max(maxId + 1, peq.length * 2));
    for (let k = 0; k < m; k++) peq[p[pStart + k]!]! |= 1 << k;
    patArr = p;
    patStart = pStart;
    patLen = m;
  }
  const masks = peq;
  const top = 1 << (m - 1);
  let pv = -1;
  let mv = 0;
  let score = m;
  for (let i = tStart; i < tEnd; i++) {
    const c = t[i]!;
    const eq = c >= 0 && c < masks.length ? masks[c]! : 0;
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
  return score;
}

/**
 * Edit distance between a[aStart, aEnd) and b[bStart, bEnd) (unit costs). Equal sequences, empty sides and a
 * shared prefix/suffix are handled without the DP; a shorter side of ≤ 32 small ids goes bit-parallel; else the DP
 * uses one reused typed row, so it allocates nothing.
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
  // The shorter side is the pattern (bit-parallel) or indexes the row (DP).
  if (m > n) {
    const ta = a, ts = aStart, tn = n;
    a = b;
    aStart = bStart;
    n = m;
    b = ta;
    bStart = ts;
    m = tn;
  }
  if (m <= 32) {
    let small = true;
    for (let j = 0; j < m && small; j++) {
      const v = b[bStart + j]!;
      small = v >= 0 && v <= 1 << 20;
    }
    if (small) {
      // One-off patterns are not kept: the caller's arrays may be reused or large.
      const d = myersDistance(b, bStart, m, a, aStart, aStart + n);
      releasePattern();
      return d;
    }
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
