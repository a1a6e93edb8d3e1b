// video.tracking: mean box IoU over the reference frames of a predicted track (a missed frame counts 0).
import { InvalidArgumentError, readNumber, readChoice } from '@verimesh/kit';
import type { VerifierDef } from '@verimesh/kit';
import { boxIou, coordScale, pixelBox, type Box } from '@verimesh/geometry';
import type { Config } from '../config.js';
import { alignFrames, parseFrames } from '../frames.js';
import type { VideoInfo, VideoStore } from '@verimesh/media';
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

const isBox = (v: unknown): boolean => Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

export function trackingVerifier(store: VideoStore, config: Pick<Config, 'maxFrames'>): VerifierDef {
  return {
    name: 'video.tracking',
    description: 'mean IoU of predicted boxes over the reference frames; a missed frame counts 0, extra frames are ignored (counted in metrics)',
    params: {
      extract: EXTRACT_DOC,
      unit: UNIT_DOC,
      fps: FPS_DOC,
      time_tolerance: TOLERANCE_DOC,
      coords: '"absolute" (default, pixels), "normalized" ([0, 1]) or "norm1000" ([0, 1000]); for the answer only',
      format: '"xyxy" (default, [x1, y1, x2, y2]) or "xywh" ([x, y, w, h]); for the answer only',
    },
    reference: {
      frames: '{time: [x1, y1, x2, y2]} absolute pixels, times in seconds or "mm:ss" (or a list of {"time", "box"})',
      width: 'frame width in pixels (for normalized coords; default: the video\'s)',
      height: 'frame height in pixels',
      fps: 'frame rate for frame-number answers',
    },
    async verify(input, ctx) {
      if (input.reference.frames === undefined) throw new InvalidArgumentError('reference.frames', 'reference.frames ({time: box}) is required');
      const refs = refFrames(input.reference.frames, 'reference.frames', ['box', 'bbox'], config.maxFrames);
      refs.forEach((r) => {
        if (!isBox(r.value)) throw new InvalidArgumentError(`reference.frames["${r.label}"]`, `reference.frames["${r.label}"] must be [x1, y1, x2, y2]`);
      });
      const unit = unitParam(input.params);
      const coords = readChoice(input.params.coords, 'params.coords', ['absolute', 'normalized', 'norm1000'] as const, 'absolute');
      const format = readChoice(input.params.format, 'params.format', ['xyxy', 'xywh'] as const, 'xyxy');
      let width = readNumber(input.reference.width, 'reference.width', undefined, 1);
      let height = readNumber(input.reference.height, 'reference.height', undefined, 1);
      let fps = fpsOf(input);
      const needSize = coords !== 'absolute' && (width === undefined || height === undefined);
      if ((needSize || fps === undefined) && hasVideo(input)) {
        const v = await sampleVideo(input, ctx, store);
        if (v.policyFailure) return { score: 0, detail: `the policy's video is unreadable: ${v.policyFailure}`, metrics: { mean_iou: 0 } };
        const info: VideoInfo | undefined = v.info;
        width ??= info?.width;
        height ??= info?.height;
        fps ??= info?.fps;
      }
      if (coords !== 'absolute' && (width === undefined || height === undefined)) {
        throw new InvalidArgumentError('reference.width', `params.coords "${coords}" needs reference.width and reference.height or a video`);
      }
      if (unit === 'frames' && fps === undefined) throw new InvalidArgumentError('params.fps', 'params.unit "frames" needs params.fps, reference.fps or a video');
      const tolerance = toleranceOf(input.params, fps);

      const parsed = parseFrames(answerText(input).text, unit, fps, isBox, true);
      const scale = coordScale(coords, width !== undefined && height !== undefined ? { width, height } : undefined);
      const toBox = (v: unknown): Box | undefined => (isBox(v) ? pixelBox(v as number[], format, scale) : undefined);
      const { values, extra } = alignFrames(refs.map((r) => r.time), parsed, tolerance);
      const predicted = values.map(toBox);
      const ious = refs.map((r, i) => (predicted[i] ? boxIou(predicted[i]!, r.value as unknown as Box) : 0));
      const missed = predicted.filter((p) => !p).length;
      const mean = ious.reduce((a, b) => a + b, 0) / refs.length;
      const notes = parsed.notes.slice(0, 5);
      const detail = [
        `mean IoU ${mean.toFixed(3)} over ${refs.length} reference frames (${refs.length - missed} predicted, ${missed} missed, ${extra} extra)`,
        ...(parsed.entries.length === 0 && !parsed.sequence ? ['no per-frame boxes found in the answer'] : []),
        ...notes,
      ].join('; ');
      return {
        score: mean,
        detail,
        metrics: { mean_iou: round6(mean), frames: refs.length, matched: refs.length - missed, missed, extra, ious: ious.map(round6) },
      };
    },
  };
}
