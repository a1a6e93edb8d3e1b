// Test helpers of @verimesh/ocr-table (the `testing` subpath, never the main export): the textbook edit-distance dynamic programme, an independent check on the fast Levenshtein paths.

/** Unit-cost edit distance between two sequences (strings or arrays), by the full O(n·m) table. */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}
