// Masks from the reference (COCO RLE, polygons, PNG/JPEG) and from the answer (RLE, polygon, box or an output image).
import { InvalidArgumentError, type VerifyContext, type VerifyInput } from '@verimesh/kit';
import { ImageError, findMedia } from '@verimesh/media';
import { GeometryError, bboxToRle, coordScale, isDegenerate, normalizePolygons, parseRle, polygonToRle, xyxyToXywh, type BoxFormat, type Coords, type Rle } from '@verimesh/geometry';
import type { Config } from './config.js';
import { absBox, referenceSize, type ImageSize } from './common.js';
import { maskFromImage, type MaskSource } from './image.js';
import type { Shape } from './parse.js';

const isImageRef = (v: Record<string, unknown>): boolean => typeof v.data_b64 === 'string' || typeof v.uri === 'string';

/**
 * reference.mask as RLE: `{size, counts}` (compressed string or counts list), polygon(s) (rasterized on
 * reference.width/height or the input image's size), or an image `{data_b64 | uri}`. Any problem is the
 * caller's: InvalidArgumentError naming the field.
 */
export async function referenceMask(input: VerifyInput, cfg: Config, ctx: VerifyContext, threshold?: number): Promise<Rle> {
  const v = input.reference.mask;
  const field = 'reference.mask';
  if (v === undefined) throw new InvalidArgumentError(field, `${field} is required (COCO RLE, polygon(s) or {"data_b64"|"uri"} PNG)`);
  try {
    if (Array.isArray(v)) {
      const polys = normalizePolygons(v);
      const size = await referenceSize(input, cfg, ctx);
      if (!size) throw new InvalidArgumentError(field, `${field} is a polygon, which needs reference.width/height or an input image for the canvas size`);
      return polygonToRle(polys, canvas(size.height), canvas(size.width));
    }
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (isImageRef(o)) return await maskFromImage(o as MaskSource, field, cfg, threshold, ctx.signal);
      return parseRle(o);
    }
  } catch (e) {
    if (e instanceof GeometryError || e instanceof ImageError) throw new InvalidArgumentError(field, `${field}: ${e.message}`);
    throw e;
  }
  throw new InvalidArgumentError(field, `${field} must be a COCO RLE object, a polygon list or {"data_b64"|"uri"} image`);
}

function canvas(n: number): number {
  if (!Number.isInteger(n)) throw new InvalidArgumentError('reference.width', `a polygon canvas needs integer width/height, got ${n}`);
  return n;
}

/** A predicted mask, or why there is none (the policy's problem). */
export type Predicted = { ok: true; rle: Rle; from: string } | { ok: false; detail: string };

/**
 * The first mask-like shape of the answer on the reference's canvas: a COCO RLE object as is, a polygon
 * (coords scaled, rasterized as pycocotools) or a box (as a rectangle, pycocotools frBbox).
 */
export function predictedMaskFromShapes(shapes: readonly Shape[], ref: Rle, coords: Coords, format: BoxFormat, size: ImageSize | undefined): Predicted | undefined {
  const [h, w] = ref.size;
  const scale = coordScale(coords, size);
  for (const s of shapes) {
    try {
      if (s.kind === 'rle') return { ok: true, rle: parseRle(s.value), from: 'RLE' };
      if (s.kind === 'polygon') {
        const polys = s.polys.map((p) => p.map((x, i) => x * scale[i % 2]!));
        if (polys.some((p) => p.some((x) => !Number.isFinite(x)))) return { ok: false, detail: 'the polygon has non-finite coordinates' };
        return { ok: true, rle: polygonToRle(normalizePolygons(polys), h, w), from: 'polygon' };
      }
      if (s.kind === 'box') {
        const b = absBox(s, format, scale);
        if (!b.every(Number.isFinite)) return { ok: false, detail: 'the box has non-finite coordinates' };
        if (isDegenerate(b)) return { ok: false, detail: `degenerate box ${JSON.stringify(b)} (needs x2 > x1 and y2 > y1)` };
        return { ok: true, rle: bboxToRle(xyxyToXywh(b), h, w), from: 'box' };
      }
    } catch (e) {
      if (e instanceof GeometryError) return { ok: false, detail: `the answer's mask is malformed: ${e.message}` };
      throw e;
    }
  }
  return undefined;
}

/** The first output image of the sample (a mask the policy produced), decoded; problems are the policy's. */
export async function predictedMaskFromMedia(input: VerifyInput, cfg: Config, ctx: VerifyContext, threshold?: number): Promise<Predicted | undefined> {
  const out = findMedia(input.media, 'image', 'output');
  if (!out) return undefined;
  try {
    return { ok: true, rle: await maskFromImage(out.media, out.field, cfg, threshold, ctx.signal), from: `${out.field} image` };
  } catch (e) {
    if (e instanceof ImageError || e instanceof InvalidArgumentError) return { ok: false, detail: `the output mask image cannot be used: ${out.field}: ${e.message}` };
    throw e;
  }
}
