// video.mask_jf: DAVIS J&F of predicted per-frame masks against reference masks: (mean J + mean F) / 2.
import { InvalidArgumentError, messageOf, readNumber } from '@verimesh/kit';
import type { VerifierDef } from '@verimesh/kit';
import { normalizePolygons, parseRle, polygonToRle, rleDecode, rleIou, type Rle } from '@verimesh/geometry';
import type { Config } from '../config.js';
import { boundaryF, type Bitmap } from '../davis.js';
import { alignFrames, parseFrames } from '../frames.js';
import type { VideoStore } from '@verimesh/media';
import {
  EXTRACT_DOC,
  FPS_DOC,
  TOLERANCE_DOC,
  UNIT_DOC,
  answerText,
  fpsOf,
  hasVideo,
  refFrames,
  round6,
  sampleVideo,
  toleranceOf,
  unitParam,
} from './common.js';

const isEmptyMask = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length === 0);
const isRleLike = (v: unknown): boolean => !!v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, 'counts') && Object.hasOwn(v, 'size');
const isPolygonLike = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && (typeof v[0] === 'number' || Array.isArray(v[0]));
const isMask = (v: unknown): boolean => isRleLike(v) || isPolygonLike(v) || isEmptyMask(v);

/** A mask value as a COCO RLE: RLE object, polygon list(s) (rasterized as pycocotools), or null / [] for empty. */
function toRle(v: unknown, h: number | undefined, w: number | undefined): Rle {
  if (isRleLike(v)) return parseRle(v);
  if (h === undefined || w === undefined) throw new RangeError('a polygon mask needs the frame size (reference.width/height or an RLE reference)');
  if (isEmptyMask(v)) return { size: [h, w], counts: [h * w] };
  return polygonToRle(normalizePolygons(v), h, w);
}

function bitmapOf(rle: Rle): Bitmap {
  return { height: rle.size[0], width: rle.size[1], data: rleDecode(rle, 'row') };
}

export function maskJfVerifier(store: VideoStore, config: Pick<Config, 'maxFrames' | 'maxMaskPixels'>): VerifierDef {
  return {
    name: 'video.mask_jf',
    description: 'DAVIS J&F: (mean region IoU J + mean boundary F-measure F) / 2 over the reference frames; a missed frame is an empty mask',
    params: {
      extract: EXTRACT_DOC,
      unit: UNIT_DOC,
      fps: FPS_DOC,
      time_tolerance: TOLERANCE_DOC,
      bound_th: 'boundary tolerance: a fraction of the image diagonal when < 1 (default 0.008, DAVIS), else pixels',
    },
    reference: {
      frames: '{time: mask}: COCO RLE {"size": [h, w], "counts"}, polygon(s) in pixels, or null/[] for an empty frame (or a list of {"time", "mask"})',
      width: 'frame width (needed for polygon masks when no RLE gives the size; default: the video\'s)',
      height: 'frame height',
      fps: 'frame rate for frame-number answers',
    },
    async verify(input, ctx) {
      if (input.reference.frames === undefined) throw new InvalidArgumentError('reference.frames', 'reference.frames ({time: mask}) is required');
      const refs = refFrames(input.reference.frames, 'reference.frames', ['mask', 'segmentation', 'rle'], config.maxFrames);
      const unit = unitParam(input.params);
      const boundTh = readNumber(input.params.bound_th, 'params.bound_th', undefined, 1e-9) ?? 0.008;
      let width = readNumber(input.reference.width, 'reference.width', undefined, 1);
      let height = readNumber(input.reference.height, 'reference.height', undefined, 1);
      const firstRle = refs.find((r) => isRleLike(r.value))?.value as { size?: unknown } | undefined;
      if (width === undefined && height === undefined && Array.isArray(firstRle?.size)) [height, width] = firstRle.size as [number, number];
      let fps = fpsOf(input);
      if ((width === undefined || height === undefined || (unit === 'frames' && fps === undefined)) && hasVideo(input)) {
        const v = await sampleVideo(input, ctx, store);
        if (v.policyFailure) return { score: 0, detail: `the policy's video is unreadable: ${v.policyFailure}`, metrics: { jf: 0 } };
        width ??= v.info?.width;
        height ??= v.info?.height;
        fps ??= v.info?.fps;
      }
      if (unit === 'frames' && fps === undefined) throw new InvalidArgumentError('params.fps', 'params.unit "frames" needs params.fps, reference.fps or a video');
      if (width !== undefined && height !== undefined && width * height > config.maxMaskPixels) {
        throw new InvalidArgumentError('reference.frames', `masks of ${width}x${height} exceed the ${config.maxMaskPixels} pixels this service decodes`);
      }

      const gts: Rle[] = refs.map((r) => {
        const field = `reference.frames["${r.label}"]`;
        let rle: Rle;
        try {
          rle = toRle(r.value, height, width);
        } catch (e) {
          throw new InvalidArgumentError(field, `${field}: ${messageOf(e)}`);
        }
        if (rle.size[0] !== height || rle.size[1] !== width) {
          throw new InvalidArgumentError(field, `${field} is ${rle.size[1]}x${rle.size[0]}, other frames are ${width}x${height}`);
        }
        return rle;
      });

      const parsed = parseFrames(answerText(input).text, unit, fps, isMask);
      const notes = [...parsed.notes];
      const { values, extra } = alignFrames(refs.map((r) => r.time), parsed, toleranceOf(input.params, fps));
      const js: number[] = [];
      const fs: number[] = [];
      let missed = 0;
      let wrongSize = 0;
      refs.forEach((r, i) => {
        const gt = gts[i]!;
        const [h, w] = gt.size;
        let pred: Rle;
        if (values[i] === undefined) {
          missed++;
          pred = { size: [h, w], counts: [h * w] };
        } else {
          try {
            pred = toRle(values[i], height, width);
          } catch (e) {
            notes.push(`mask at ${r.label} unreadable: ${messageOf(e)}`);
            js.push(0);
            fs.push(0);
            return;
          }
          if (pred.size[0] !== h || pred.size[1] !== w) {
            wrongSize++;
            notes.push(`mask at ${r.label} is ${pred.size[1]}x${pred.size[0]}, the reference is ${w}x${h}`);
            js.push(0);
            fs.push(0);
            return;
          }
        }
        js.push(rleIou(pred, gt));
        fs.push(boundaryF(bitmapOf(pred), bitmapOf(gt), boundTh).f);
      });
      const meanJ = js.reduce((a, b) => a + b, 0) / refs.length;
      const meanF = fs.reduce((a, b) => a + b, 0) / refs.length;
      const jf = (meanJ + meanF) / 2;
      return {
        score: jf,
        detail: [`J&F ${jf.toFixed(3)} (J ${meanJ.toFixed(3)}, F ${meanF.toFixed(3)}) over ${refs.length} frames, ${missed} missed, ${extra} extra`, ...notes.slice(0, 5)].join('; '),
        metrics: { jf: round6(jf), j: round6(meanJ), f: round6(meanF), frames: refs.length, missed, extra, wrong_size: wrongSize, j_per_frame: js.map(round6), f_per_frame: fs.map(round6) },
      };
    },
  };
}
