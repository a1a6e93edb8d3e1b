// vision.mask_iou: IoU of the predicted mask against the reference mask, computed on run-length encodings.
import { type VerifierDef, type VerifyOutcome, readChoice, readNumber } from '@verimesh/kit';
import { rleStats } from '@verimesh/geometry';
import type { Config } from '../config.js';
import { COMMON_PARAMS, coordsParam, flagSpam, fmt, formatParam, nothingFound, readAnswer, referenceSize } from '../common.js';
import { predictedMaskFromMedia, predictedMaskFromShapes, referenceMask, type Predicted } from '../masks.js';

export function maskIouVerifier(cfg: Config): VerifierDef {
  return {
    name: 'vision.mask_iou',
    description: 'mask IoU on COCO run-length encodings (RLE, polygons rasterized as pycocotools, PNG/JPEG masks); metrics dice and areas',
    params: {
      ...COMMON_PARAMS,
      format: '"xyxy" (default) or "xywh" when the answer gives a box as its mask',
      threshold: 'if set, the score is 1 when IoU >= threshold, else 0',
      source: '"auto" (default: an output image in media if there is one, else the answer text), "text" or "media"',
      mask_threshold: 'grey level (0-255) above which an image pixel is foreground (default 0 for PNG, 127 for JPEG)',
    },
    reference: {
      mask: 'COCO RLE {"size": [h, w], "counts": "..." or [...]}, polygon(s) [[x1, y1, ...], ...] / [[x, y], ...], or {"data_b64" | "uri"} PNG/JPEG',
      width: 'canvas width for a polygon reference (else the input image header)',
      height: 'canvas height',
    },
    async verify(input, ctx) {
      const threshold = readNumber(input.params.threshold, 'params.threshold', undefined, 0, 1);
      const maskThr = readNumber(input.params.mask_threshold, 'params.mask_threshold', undefined, 0, 255);
      const source = readChoice(input.params.source, 'params.source', ['auto', 'text', 'media'] as const, 'auto');
      const coords = coordsParam(input.params);
      const format = formatParam(input.params);
      const ref = await referenceMask(input, cfg, ctx, maskThr);
      const scoreMask = (pred: Predicted): VerifyOutcome => {
        if (!pred.ok) return { score: 0, detail: pred.detail };
        const p = pred.rle;
        if (p.size[0] !== ref.size[0] || p.size[1] !== ref.size[1]) {
          return { score: 0, detail: `the predicted mask is ${p.size[0]}x${p.size[1]} (h x w), the reference is ${ref.size[0]}x${ref.size[1]}`, metrics: { iou: 0 } };
        }
        const s = rleStats(p, ref);
        const iou = s.union === 0 ? 1 : s.intersection / s.union;
        const dice = s.areaA + s.areaB === 0 ? 1 : (2 * s.intersection) / (s.areaA + s.areaB);
        const metrics = { iou, dice, area_pred: s.areaA, area_ref: s.areaB, intersection: s.intersection, union: s.union };
        const base = `mask IoU ${fmt(iou)} (dice ${fmt(dice)}; ${pred.from}, ${s.areaA} px predicted vs ${s.areaB} px reference${s.union === 0 ? ', both empty' : ''})`;
        if (threshold !== undefined) return { score: iou >= threshold ? 1 : 0, detail: `${base} ${iou >= threshold ? '>=' : '<'} threshold ${threshold}`, metrics };
        return { score: iou, detail: base, metrics };
      };
      let pred: Predicted | undefined;
      if (source !== 'text') pred = await predictedMaskFromMedia(input, cfg, ctx, maskThr);
      if (!pred && source === 'media') return { score: 0, detail: 'no output image (media with role "output") to read a mask from' };
      if (!pred) {
        const answer = readAnswer(input, cfg);
        if (!answer.ok) return { score: 0, detail: answer.detail };
        // Scaled coordinates need the image size; absolute polygons are drawn on the reference canvas.
        const size = coords === 'absolute' ? undefined : ((await referenceSize(input, cfg, ctx)) ?? { width: ref.size[1], height: ref.size[0] });
        pred = predictedMaskFromShapes(answer.shapes, ref, coords, format, size);
        if (!pred) return { score: 0, detail: nothingFound('mask (RLE, polygon or box)', answer) };
        // Only the first mask (RLE, polygon or box) written is scored; many against the one reference are flagged.
        return flagSpam(scoreMask(pred), answer.shapes.filter((s) => s.kind !== 'point').length, 1);
      }
      return scoreMask(pred);
    },
  };
}
