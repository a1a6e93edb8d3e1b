// Axis-aligned boxes: COCO-style continuous IoU (no +1 pixel), GIoU, and model coordinates turned into pixels.
import { GeometryError } from './errors.js';

/** A box as `[x1, y1, x2, y2]` (corners, absolute or any consistent unit). */
export type Box = readonly [number, number, number, number];
/** A box as `[x, y, width, height]` (COCO annotation `bbox`). */
export type BoxXywh = readonly [number, number, number, number];
/** How a model writes a 4-number box: corners (default) or COCO's corner + size. */
export type BoxFormat = 'xyxy' | 'xywh';
/** How a model writes coordinates: pixels, fractions of the image, or thousandths of it (Qwen2-VL, InternVL). */
export type Coords = 'absolute' | 'normalized' | 'norm1000';

/** Pixels per written unit along x and y; `size` is needed for anything but absolute coordinates. */
export function coordScale(coords: Coords, size?: { width: number; height: number }): [number, number] {
  if (coords === 'absolute') return [1, 1];
  if (!size) throw new GeometryError(`"${coords}" coordinates need the image size`);
  const k = coords === 'normalized' ? 1 : 1 / 1000;
  return [k * size.width, k * size.height];
}

/** Four numbers as written (`format`, scaled by `scale` from `coordScale`) → an xyxy box in pixels. */
export function pixelBox(b: readonly number[], format: BoxFormat, scale: readonly [number, number]): Box {
  const [x, y, c, d] = b as [number, number, number, number];
  const [sx, sy] = scale;
  return format === 'xywh' ? [x * sx, y * sy, (x + c) * sx, (y + d) * sy] : [x * sx, y * sy, c * sx, d * sy];
}

/** `[x1, y1, x2, y2]` → `[x, y, w, h]`. */
export function xyxyToXywh(b: Box): BoxXywh {
  return [b[0], b[1], b[2] - b[0], b[3] - b[1]];
}

/** True when the box has no area or is not finite (x2 ≤ x1, y2 ≤ y1, NaN, ±∞). */
export function isDegenerate(b: Box): boolean {
  return !(b[2] > b[0] && b[3] > b[1]) || !Number.isFinite(b[0] + b[1] + b[2] + b[3]);
}

/** Area of an xyxy box; 0 when degenerate. */
export function boxArea(b: Box): number {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection area of two xyxy boxes (0 when they do not overlap). */
export function boxIntersection(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Continuous IoU of two xyxy boxes as COCO computes it (width = x2 − x1, no +1), so a one-pixel
 * overlap of pixel boxes counts. 0 when either box is degenerate or the union is empty.
 */
export function boxIou(a: Box, b: Box): number {
  const inter = boxIntersection(a, b);
  if (inter <= 0) return 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Generalized IoU (Rezatofighi et al. 2019): IoU − |C \ (A ∪ B)| / |C| with C the smallest enclosing box.
 * In [−1, 1]; −1 when the enclosing box itself has no area (both boxes degenerate, nothing to compare).
 */
export function giou(a: Box, b: Box): number {
  const inter = boxIntersection(a, b);
  const union = boxArea(a) + boxArea(b) - inter;
  const cw = Math.max(a[2], b[2]) - Math.min(a[0], b[0]);
  const ch = Math.max(a[3], b[3]) - Math.min(a[1], b[1]);
  const c = cw > 0 && ch > 0 ? cw * ch : 0;
  if (!(c > 0)) return -1;
  const iou = union > 0 ? inter / union : 0;
  return iou - (c - union) / c;
}
