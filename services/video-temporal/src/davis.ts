// DAVIS boundary measure F on binary bitmaps (J, the region IoU, is @verimesh/geometry's rleIou), as the DAVIS benchmark defines it.

/** A binary mask: `data[y * width + x]` non-zero = foreground. */
export interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The one-pixel boundary map of a mask (DAVIS `seg2bmap`): a pixel is boundary where it differs from its east,
 * south or south-east neighbour (outside the image counts as background); on the last row only east counts, on the
 * last column only south, and the bottom-right pixel is never boundary.
 */
export function boundaryMap(seg: Bitmap): Uint8Array {
  const { width: w, height: h, data } = seg;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const lastRow = y === h - 1;
    for (let x = 0; x < w; x++) {
      const v = data[row + x] !== 0;
      const lastCol = x === w - 1;
      const e = !lastCol && data[row + x + 1] !== 0;
      const s = !lastRow && data[row + w + x] !== 0;
      const se = !lastCol && !lastRow && data[row + w + x + 1] !== 0;
      let b: boolean;
      if (lastRow && lastCol) b = false;
      else if (lastRow) b = v !== e;
      else if (lastCol) b = v !== s;
      else b = v !== e || v !== s || v !== se;
      if (b) out[row + x] = 1;
    }
  }
  return out;
}

/** Half-widths of a digital disk of radius r per row offset: (dx, dy) is inside iff dx² + dy² ≤ r² (skimage `disk`). */
function diskRows(r: number): Int32Array {
  const rows = new Int32Array(2 * r + 1);
  for (let dy = -r; dy <= r; dy++) rows[dy + r] = Math.floor(Math.sqrt(r * r - dy * dy) + 1e-9);
  return rows;
}

/** Dilation of a boundary map by a disk of radius r: each boundary pixel stamps the disk's row spans. */
function dilate(map: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return map.slice();
  const out = new Uint8Array(map.length);
  const rows = diskRows(r);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (map[y * width + x] === 0) continue;
      for (let dy = -r; dy <= r; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        const half = rows[dy + r]!;
        const from = yy * width + Math.max(0, x - half);
        const to = yy * width + Math.min(width - 1, x + half);
        out.fill(1, from, to + 1);
      }
    }
  }
  return out;
}

/** The boundary tolerance in pixels: `boundTh` itself when ≥ 1, else ceil(boundTh · image diagonal). */
export function boundTolerance(width: number, height: number, boundTh = 0.008): number {
  return boundTh >= 1 ? Math.round(boundTh) : Math.ceil(boundTh * Math.hypot(width, height));
}

export interface BoundaryScore {
  f: number;
  precision: number;
  recall: number;
}

/**
 * F: boundary precision/recall within the tolerance and their harmonic mean (DAVIS `f_measure`). Empty boundaries:
 * prediction empty and truth not → P 1, R 0; truth empty and prediction not → P 0, R 1; both empty → P = R = 1.
 */
export function boundaryF(pred: Bitmap, gt: Bitmap, boundTh = 0.008): BoundaryScore {
  sameSize(pred, gt);
  const { width: w, height: h } = gt;
  const r = boundTolerance(w, h, boundTh);
  const fb = boundaryMap(pred);
  const gb = boundaryMap(gt);
  let nFg = 0;
  let nGt = 0;
  for (let i = 0; i < fb.length; i++) {
    nFg += fb[i]!;
    nGt += gb[i]!;
  }
  let precision: number;
  let recall: number;
  if (nFg === 0 && nGt > 0) [precision, recall] = [1, 0];
  else if (nFg > 0 && nGt === 0) [precision, recall] = [0, 1];
  else if (nFg === 0 && nGt === 0) [precision, recall] = [1, 1];
  else {
    const fd = dilate(fb, w, h, r);
    const gd = dilate(gb, w, h, r);
    let fgMatch = 0;
    let gtMatch = 0;
    for (let i = 0; i < fb.length; i++) {
      if (fb[i] && gd[i]) fgMatch++;
      if (gb[i] && fd[i]) gtMatch++;
    }
    precision = fgMatch / nFg;
    recall = gtMatch / nGt;
  }
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { f, precision, recall };
}

function sameSize(a: Bitmap, b: Bitmap): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`mask sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  if (a.data.length !== a.width * a.height || b.data.length !== b.width * b.height) throw new RangeError('mask data length does not match its size');
}
