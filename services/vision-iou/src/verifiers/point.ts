// vision.point: is the predicted point inside the reference box/mask, or GUI-G2's Gaussian point reward, or within a distance.
import { InvalidArgumentError, type VerifierDef, type VerifyOutcome, readChoice, readNumber } from '@verimesh/kit';
import { coordScale, isDegenerate, rleContains, rleToBbox, type Box, type Rle } from '@verimesh/geometry';
import type { Config } from '../config.js';
import { COMMON_PARAMS, absBox, coordsParam, flagSpam, fmt, formatParam, nothingFound, readAnswer, referenceBoxes, short, withSize, type ImageSize } from '../common.js';
import type { Shape } from '../parse.js';
import { referenceMask } from '../masks.js';

type Mode = 'inside' | 'gaussian' | 'distance';

/** GUI-G2's Gaussian point reward exp(−½[(Δx/σx)² + (Δy/σy)²]) around the box centre, σ = scale × box size. */
export function gaussianPointReward(x: number, y: number, b: Box, sigmaScale: number): number {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  const dx = (x - (b[0] + b[2]) / 2) / (sigmaScale * w);
  const dy = (y - (b[1] + b[3]) / 2) / (sigmaScale * h);
  return Math.exp(-0.5 * (dx * dx + dy * dy));
}

function refPoint(v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new InvalidArgumentError('reference.point', `reference.point must be [x, y] (finite numbers, absolute pixels), got ${short(v)}`);
  }
  return [v[0] as number, v[1] as number];
}

export function pointVerifier(cfg: Config): VerifierDef {
  return {
    name: 'vision.point',
    description: 'point reward: 1 if inside the reference box/mask; or GUI-G2 Gaussian (mode "gaussian"); or within max_dist pixels (mode "distance")',
    params: {
      ...COMMON_PARAMS,
      mode: '"inside" (default), "gaussian" or "distance"',
      sigma_scale: 'gaussian: σ = sigma_scale × reference box width/height (default 0.5, GUI-G2)',
      max_dist: 'distance: pixels within which the point scores 1 (required for mode "distance")',
      format: '"xyxy" (default) or "xywh" if the answer gives a box (its centre is the point)',
    },
    reference: {
      box: '[x1, y1, x2, y2] absolute pixels',
      boxes: 'several targets; the best counts',
      mask: 'a mask (COCO RLE, polygon(s) or PNG), as vision.mask_iou',
      point: '[x, y] target for mode "distance"',
      width: 'image width (for normalized coords; else the input image header)',
      height: 'image height',
    },
    async verify(input, ctx) {
      const mode: Mode = readChoice(input.params.mode, 'params.mode', ['inside', 'gaussian', 'distance'] as const, 'inside');
      const sigmaScale = readNumber(input.params.sigma_scale, 'params.sigma_scale', 0.5, 1e-6, 1e6);
      const maxDist = readNumber(input.params.max_dist, 'params.max_dist', undefined, 0, 1e9);
      if (mode === 'distance' && maxDist === undefined) throw new InvalidArgumentError('params.max_dist', 'params.max_dist (pixels) is required with mode "distance"');
      const boxes = referenceBoxes(input.reference, cfg.maxBoxes);
      let mask: Rle | undefined;
      if (!boxes && input.reference.mask !== undefined) mask = await referenceMask(input, cfg, ctx);
      const target = input.reference.point !== undefined ? refPoint(input.reference.point) : undefined;
      if (!boxes && !mask && !(mode === 'distance' && target)) {
        throw new InvalidArgumentError('reference.box', mode === 'distance' ? 'reference.point, box, boxes or mask is required' : 'reference.box, boxes or mask is required');
      }
      const coords = coordsParam(input.params);
      const format = formatParam(input.params);
      // A mask reference gives the canvas size when neither reference.width/height nor an input image does.
      const canvas = mask ? { width: mask.size[1], height: mask.size[0] } : undefined;
      const scoreFirst = (answer: { shapes: readonly Shape[]; notes: string[]; text: string }, size: ImageSize | undefined): VerifyOutcome => {
        const scale = coordScale(coords, size);
        let x: number;
        let y: number;
        let how = 'point';
        const shape = answer.shapes.find((s) => s.kind === 'point' || s.kind === 'box');
        if (shape?.kind === 'point') {
          x = shape.coords[0] * scale[0];
          y = shape.coords[1] * scale[1];
        } else if (shape?.kind === 'box') {
          const b = absBox(shape, format, scale);
          x = (b[0] + b[2]) / 2;
          y = (b[1] + b[3]) / 2;
          how = 'centre of the answer box';
        } else return { score: 0, detail: nothingFound('point', answer) };
        if (!Number.isFinite(x) || !Number.isFinite(y)) return { score: 0, detail: 'the point has non-finite coordinates' };
        const at = `(${fmt(x)}, ${fmt(y)})`;
        // Targets as boxes: the reference boxes, or the mask's bounding box for the centre-based modes.
        const targets: Box[] = boxes ?? (mask ? [bboxOf(mask)] : []);
        if (mode === 'inside') {
          const inside = boxes ? boxes.some((b) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]) : rleContains(mask as Rle, x, y);
          return { score: inside ? 1 : 0, detail: `${how} ${at} is ${inside ? 'inside' : 'outside'} the reference ${boxes ? 'box' : 'mask'}`, metrics: { inside } };
        }
        if (mode === 'gaussian') {
          if (targets.every(isDegenerate)) return { score: 0, detail: 'the reference mask is empty: no centre to score against', metrics: {} };
          const r = Math.max(...targets.map((b) => (isDegenerate(b) ? 0 : gaussianPointReward(x, y, b, sigmaScale))));
          return { score: r, detail: `Gaussian point reward ${fmt(r)} for ${how} ${at} (σ = ${sigmaScale} × box size)`, metrics: { gaussian: r } };
        }
        const centres: Array<[number, number]> = target ? [target] : targets.map((b) => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]);
        const d = Math.min(...centres.map(([cx, cy]) => Math.hypot(x - cx, y - cy)));
        const ok = d <= (maxDist as number);
        return { score: ok ? 1 : 0, detail: `${how} ${at} is ${fmt(d)} px from the target (max ${maxDist})`, metrics: { distance: d } };
      };
      return withSize(coords, input, cfg, ctx, (size) => {
        const answer = readAnswer(input, cfg);
        if (!answer.ok) return { score: 0, detail: answer.detail };
        // Only the first point (or box centre) is scored; many are flagged against the reference's targets (a mask or a
        // point is one).
        const predicted = answer.shapes.filter((s) => s.kind === 'point' || s.kind === 'box').length;
        return flagSpam(scoreFirst(answer, size), predicted, boxes?.length ?? 1);
      }, canvas);
    },
  };
}

/** The mask's bounding box as xyxy (pycocotools toBbox). */
function bboxOf(m: Rle): Box {
  const [x, y, w, h] = rleToBbox(m);
  return [x, y, x + w, y + h];
}
