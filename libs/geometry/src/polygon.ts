// Polygons and boxes rasterized to COCO RLE exactly as pycocotools' rleFrPoly / rleFrBbox do.
import type { BoxXywh } from './box.js';
import { GeometryError } from './errors.js';
import { MAX_MASK_PIXELS } from './rle.js';
import { rleFromRuns, rleMerge } from './rle.js';
import type { Rle } from './rle.js';

/** Upper bound on upsampled boundary points per polygon (keeps absurd coordinates from eating memory). */
export const MAX_POLYGON_BOUNDARY = 4_000_000;

/**
 * Rasterize polygons (each a flat `[x1, y1, x2, y2, …]` list in pixel coordinates, pixel centres at
 * integer + 0.5 as in COCO) onto an `h`×`w` canvas and union them, as COCO's `annToRLE` does with
 * `frPyObjects` + `merge`. A single flat list is one polygon. Pixel-identical to pycocotools.
 */
export function polygonToRle(polys: readonly (readonly number[])[] | readonly number[], h: number, w: number): Rle {
  const list: readonly (readonly number[])[] =
    polys.length > 0 && typeof polys[0] === 'number' ? [polys as readonly number[]] : (polys as readonly (readonly number[])[]);
  if (list.length === 0) return { size: [h, w], counts: [h * w] };
  const rles = list.map((p) => rleFromRuns(h, w, frPoly(p, h, w)));
  return rles.length === 1 ? (rles[0] as Rle) : rleMerge(rles);
}

/** A COCO `bbox` `[x, y, w, h]` as a mask, as pycocotools' `frBbox` (a 4-corner polygon). */
export function bboxToRle(b: BoxXywh, h: number, w: number): Rle {
  const xs = b[0];
  const ys = b[1];
  const xe = xs + b[2];
  const ye = ys + b[3];
  return rleFromRuns(h, w, frPoly([xs, ys, xs, ye, xe, ye, xe, ys], h, w));
}

/**
 * Accept the polygon shapes people write: one flat list `[x1, y1, …]`, a list of flat lists
 * `[[x1, y1, …], …]` (COCO), or one polygon as point pairs `[[x, y], …]`. Returns flat lists.
 */
export function normalizePolygons(value: unknown): number[][] {
  if (!Array.isArray(value) || value.length === 0) throw new GeometryError('polygon must be a non-empty list');
  if (value.every((v) => typeof v === 'number')) return [checkFlat(value as number[])];
  if (!value.every((v) => Array.isArray(v) && v.every((n) => typeof n === 'number'))) {
    throw new GeometryError('polygon must be a list of numbers, a list of such lists, or a list of [x, y] pairs');
  }
  const lists = value as number[][];
  if (lists.every((p) => p.length === 2)) return [checkFlat(lists.flat())];
  return lists.map(checkFlat);
}

function checkFlat(p: number[]): number[] {
  if (p.length < 6) throw new GeometryError(`a polygon needs at least 3 points, got ${p.length} numbers`);
  if (p.length % 2 !== 0) throw new GeometryError(`a polygon needs an even number of coordinates, got ${p.length}`);
  for (const n of p) if (!Number.isFinite(n)) throw new GeometryError('polygon coordinates must be finite numbers');
  return p;
}

/** Port of pycocotools maskApi.c rleFrPoly: upsample ×5, walk the edges, keep x-crossings, sort into runs. */
function frPoly(xy: ArrayLike<number>, h: number, w: number): Int32Array {
  const k = Math.floor(xy.length / 2);
  if (h * w > MAX_MASK_PIXELS) throw new GeometryError(`mask ${h}x${w} is above the ${MAX_MASK_PIXELS}-pixel limit of run operations`);
  if (k === 0 || h * w === 0) return Int32Array.of(h * w);
  const scale = 5;
  const x = new Array<number>(k + 1);
  const y = new Array<number>(k + 1);
  for (let j = 0; j < k; j++) {
    const px = xy[j * 2] as number;
    const py = xy[j * 2 + 1] as number;
    if (!Number.isFinite(px) || !Number.isFinite(py)) throw new GeometryError('polygon coordinates must be finite numbers');
    x[j] = Math.trunc(scale * px + 0.5);
    y[j] = Math.trunc(scale * py + 0.5);
  }
  x[k] = x[0] as number;
  y[k] = y[0] as number;
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs((x[j] as number) - (x[j + 1] as number)), Math.abs((y[j] as number) - (y[j + 1] as number))) + 1;
  if (m > MAX_POLYGON_BOUNDARY) throw new GeometryError(`polygon is too large (${m} boundary points at 5x; coordinates far outside the image?)`);
  if (uScratch.length < m) {
    uScratch = new Float64Array(m);
    vScratch = new Float64Array(m);
    cxScratch = new Int32Array(m);
    cyScratch = new Int32Array(m);
  }
  const u = uScratch;
  const v = vScratch;
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j] as number;
    let xe = x[j + 1] as number;
    let ys = y[j] as number;
    let ye = y[j + 1] as number;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs; xs = xe; xe = t;
      t = ys; ys = ye; ye = t;
    }
    // dx = dy = 0 (a repeated point) gives 0/0 = NaN in C as here; its v is never read (its neighbours share its u).
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = Math.trunc(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // Points where the boundary crosses a pixel-centre column, downsampled back to pixels (at most one per point).
  const n = m;
  const cx = cxScratch; // crossing column and row
  const cy = cyScratch;
  let na = 0;
  for (let j = 1; j < n; j++) {
    const uj = u[j] as number;
    const up = u[j - 1] as number;
    if (uj === up) continue;
    let xd = uj < up ? uj : uj - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    const vj = v[j] as number;
    const vp = v[j - 1] as number;
    let yd = vj < vp ? vj : vp;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    cx[na] = xd;
    cy[na++] = Math.ceil(yd);
  }
  // pycocotools sorts the positions x·h + y; here a counting sort by column, then the few rows of each column
  // by insertion (the same order, in O(crossings + w) instead of a comparison sort).
  const start = new Int32Array(w + 1);
  for (let j = 0; j < na; j++) start[cx[j]! + 1]!++;
  for (let x = 0; x < w; x++) start[x + 1]! += start[x]!;
  const sorted = new Float64Array(na + 1);
  const fill = start.slice(0, w);
  for (let j = 0; j < na; j++) {
    const x = cx[j]!;
    sorted[fill[x]!++] = x * h + cy[j]!;
  }
  for (let x = 0; x < w; x++) {
    for (let i = start[x]! + 1; i < start[x + 1]!; i++) {
      const t = sorted[i]!;
      let k = i - 1;
      for (; k >= start[x]! && sorted[k]! > t; k--) sorted[k + 1] = sorted[k]!;
      sorted[k + 1] = t;
    }
  }
  sorted[na++] = h * w;
  // Differences between sorted crossing positions are the runs; zero-length runs merge their neighbours.
  let p = 0;
  for (let j = 0; j < na; j++) {
    const t = sorted[j] as number;
    sorted[j] = t - p;
    p = t;
  }
  const b = new Int32Array(na);
  let nb = 1;
  b[0] = sorted[0] as number;
  let j = 1;
  while (j < na) {
    if ((sorted[j] as number) > 0) b[nb++] = sorted[j++] as number;
    else {
      j++;
      if (j < na) b[nb - 1] = (b[nb - 1] as number) + (sorted[j++] as number);
    }
  }
  if (uScratch.length > 1 << 20) {
    uScratch = new Float64Array(4096);
    vScratch = new Float64Array(4096);
    cxScratch = new Int32Array(4096);
    cyScratch = new Int32Array(4096);
  }
  return b.slice(0, nb);
}

// Boundary points and crossings of the last polygon, reused (rasterizing is synchronous); a polygon that needed more
// than 2^20 points does not keep its buffers.
let uScratch = new Float64Array(4096);
let vScratch = new Float64Array(4096);
let cxScratch = new Int32Array(4096);
let cyScratch = new Int32Array(4096);
