// Optimal one-to-one assignment (Hungarian / Kuhn–Munkres) used to match predicted and reference objects.

/**
 * Pairs `[row, col]` that maximize the total weight over a rectangular weight matrix
 * (`weights[row][col]`, e.g. IoU). Every row is paired when rows ≤ columns (else every column);
 * callers drop pairs whose weight is too small to count. O(n²·m) for n = min(rows, cols).
 */
export function hungarian(weights: readonly (readonly number[])[]): Array<[number, number]> {
  const rows = weights.length;
  const cols = rows === 0 ? 0 : (weights[0] as readonly number[]).length;
  if (rows === 0 || cols === 0) return [];
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  // Minimize cost = −weight on an n×m matrix with n ≤ m (1-based potentials, e-maxx formulation).
  const cost = new Float64Array((n + 1) * (m + 1));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const wv = transpose ? weights[j - 1]?.[i - 1] : weights[i - 1]?.[j - 1];
      cost[i * (m + 1) + j] = -(Number.isFinite(wv) ? (wv as number) : 0);
    }
  }
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      const base = i0 * (m + 1);
      const ui0 = u[i0] as number;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = (cost[base + j] as number) - ui0 - (v[j] as number);
        if (cur < (minv[j] as number)) { minv[j] = cur; way[j] = j0; }
        if ((minv[j] as number) < delta) { delta = minv[j] as number; j1 = j; }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) { u[p[j] as number] = (u[p[j] as number] as number) + delta; v[j] = (v[j] as number) - delta; }
        else minv[j] = (minv[j] as number) - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const pairs: Array<[number, number]> = [];
  for (let j = 1; j <= m; j++) {
    const i = p[j] as number;
    if (i === 0) continue;
    pairs.push(transpose ? [j - 1, i - 1] : [i - 1, j - 1]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return pairs;
}
