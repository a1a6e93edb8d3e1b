// vision.box_iou: IoU (COCO continuous, no +1) of the answer's first box, best over the reference boxes.
import { InvalidArgumentError, type VerifierDef, type VerifyOutcome, readChoice, readNumber } from '@verimesh/kit';
import { boxIou, coordScale, giou, isDegenerate } from '@verimesh/geometry';
import type { Config } from '../config.js';
import type { Shape } from '../parse.js';
import {
  COMMON_PARAMS, absBox, coordsParam, flagSpam, fmt, formatParam, nothingFound, readAnswer, referenceBoxes, short, withSize, type ImageSize,
} from '../common.js';

export function boxIouVerifier(cfg: Config): VerifierDef {
  return {
    name: 'vision.box_iou',
    description: 'IoU of the first box in the answer against the reference box(es), best match; COCO continuous IoU (no +1)',
    params: {
      ...COMMON_PARAMS,
      format: '"xyxy" (default) or "xywh" for 4-number boxes in the response',
      threshold: 'if set, the score is 1 when IoU >= threshold, else 0 (default: the IoU itself)',
      variant: '"iou" (default) or "giou": score (GIoU + 1) / 2',
    },
    reference: {
      box: '[x1, y1, x2, y2] in absolute pixels',
      boxes: 'list of boxes; the best IoU counts',
      width: 'image width in pixels (for normalized coords; else read from the input image header)',
      height: 'image height in pixels',
    },
    verify(input, ctx) {
      const refs = referenceBoxes(input.reference, cfg.maxBoxes);
      if (!refs) throw new InvalidArgumentError('reference.box', 'reference.box (or reference.boxes) is required');
      const threshold = readNumber(input.params.threshold, 'params.threshold', undefined, 0, 1);
      const variant = readChoice(input.params.variant, 'params.variant', ['iou', 'giou'] as const, 'iou');
      const coords = coordsParam(input.params);
      const format = formatParam(input.params);
      const scoreFirst = (answer: { shapes: readonly Shape[]; notes: string[]; text: string }, size: ImageSize | undefined): VerifyOutcome => {
        const shape = answer.shapes.find((s) => s.kind === 'box');
        if (!shape || shape.kind !== 'box') return { score: 0, detail: nothingFound('box', answer) };
        const box = absBox(shape, format, coordScale(coords, size));
        if (!box.every(Number.isFinite)) return { score: 0, detail: `the box ${short(shape.coords)} has non-finite coordinates`, metrics: { iou: 0 } };
        if (isDegenerate(box)) return { score: 0, detail: `degenerate box ${short(box)} (needs x2 > x1 and y2 > y1)`, metrics: { iou: 0 } };
        let best = 0;
        let bestIdx = 0;
        let bestG = -1;
        refs.forEach((r, i) => {
          const v = boxIou(box, r);
          if (v > best) { best = v; bestIdx = i; }
          if (variant === 'giou') bestG = Math.max(bestG, giou(box, r));
        });
        const metrics: Record<string, unknown> = { iou: best, ref_index: bestIdx };
        let value = best;
        if (variant === 'giou') {
          metrics.giou = bestG;
          value = (bestG + 1) / 2;
        }
        const against = `against ${refs.length} reference box${refs.length === 1 ? '' : 'es'}`;
        if (threshold !== undefined) {
          const pass = best >= threshold;
          return { score: pass ? 1 : 0, detail: `IoU ${fmt(best)} ${pass ? '>=' : '<'} threshold ${threshold} ${against}`, metrics };
        }
        const what = variant === 'giou' ? `GIoU ${fmt(bestG)} → ${fmt(value)} (IoU ${fmt(best)})` : `IoU ${fmt(best)}`;
        return { score: value, detail: `${what} ${against}`, metrics };
      };
      return withSize(coords, input, cfg, ctx, (size) => {
        const answer = readAnswer(input, cfg);
        if (!answer.ok) return { score: 0, detail: answer.detail };
        // Only the first box is scored (SPEC 4.2), so more boxes cannot raise the score; many are still flagged.
        return flagSpam(scoreFirst(answer, size), answer.shapes.filter((s) => s.kind === 'box').length, refs.length);
      });
    },
  };
}
