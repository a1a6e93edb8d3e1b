// vision.detection: one-to-one matched F1 (Hungarian, label-aware), precision, recall, mean IoU and COCO mAP.
import { InvalidArgumentError, type VerifierDef, type VerifyOutcome, readChoice, readNumber } from '@verimesh/kit';
import { coordScale, isDegenerate } from '@verimesh/geometry';
import type { Config } from '../config.js';
import { COMMON_PARAMS, absBox, coordsParam, flagSpam, fmt, formatParam, nothingFound, readAnswer, referenceBox, withSize } from '../common.js';
import { cocoMap, matchF1, type Obj } from '../detection-metrics.js';

/** Labels compare case-insensitively with whitespace collapsed ("Traffic  Light" = "traffic light"). */
function normLabel(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim().toLowerCase().replace(/\s+/g, ' ');
  return s === '' ? undefined : s;
}

function referenceObjects(ref: Record<string, unknown>, max: number): Obj[] {
  const list = ref.objects !== undefined ? ref.objects : ref.boxes;
  const field = ref.objects !== undefined ? 'reference.objects' : 'reference.boxes';
  if (list === undefined) throw new InvalidArgumentError('reference.objects', 'reference.objects (a list of {box, label}) is required');
  if (!Array.isArray(list)) throw new InvalidArgumentError(field, `${field} must be a list`);
  if (list.length > max) throw new InvalidArgumentError(field, `${field} has ${list.length} objects, above the ${max} limit`);
  return list.map((o, i) => {
    if (Array.isArray(o)) return { box: referenceBox(o, `${field}[${i}]`) };
    if (o === null || typeof o !== 'object') throw new InvalidArgumentError(`${field}[${i}]`, `${field}[${i}] must be {"box": [x1, y1, x2, y2], "label": "..."}`);
    const r = o as Record<string, unknown>;
    const obj: Obj = { box: referenceBox(r.box ?? r.bbox, `${field}[${i}].box`) };
    const label = normLabel(r.label);
    if (r.label !== undefined && label === undefined) throw new InvalidArgumentError(`${field}[${i}].label`, `${field}[${i}].label must be a non-empty string`);
    if (label !== undefined) obj.label = label;
    return obj;
  });
}

export function detectionVerifier(cfg: Config): VerifierDef {
  return {
    name: 'vision.detection',
    description: 'F1 of one-to-one (Hungarian) matches at iou_threshold, label-aware; metrics precision, recall, mean IoU, COCO mAP@[.5:.95]',
    params: {
      ...COMMON_PARAMS,
      format: '"xyxy" (default) or "xywh" for 4-number boxes in the response',
      iou_threshold: 'a match needs IoU >= this (default 0.5)',
      score: '"f1" (default), "map" (COCO mAP@[.5:.95], all confidences 1, per label at most as many detections as reference objects) or "map_count" (mAP × min(1, n_ref / n_pred), against redundant boxes)',
      match_labels: '"auto" (default: labels must agree when the reference has labels), true, or false (ignore labels)',
    },
    reference: {
      objects: 'list of {"box": [x1, y1, x2, y2], "label": "cat"} (label optional); [] means nothing to find',
      boxes: 'alternative: list of unlabeled boxes',
      width: 'image width (for normalized coords; else read from the input image header)',
      height: 'image height',
    },
    verify(input, ctx) {
      const refs = referenceObjects(input.reference, cfg.maxBoxes);
      const thr = readNumber(input.params.iou_threshold, 'params.iou_threshold', 0.5, 0, 1);
      const scoreKind = readChoice(input.params.score, 'params.score', ['f1', 'map', 'map_count'] as const, 'f1');
      const ml = input.params.match_labels ?? 'auto';
      if (ml !== 'auto' && ml !== true && ml !== false) throw new InvalidArgumentError('params.match_labels', 'params.match_labels must be "auto", true or false');
      const labels = ml === 'auto' ? refs.some((r) => r.label !== undefined) : ml;
      const coords = coordsParam(input.params);
      const format = formatParam(input.params);
      const outcome = (preds: Obj[], bad: number, unlabeled: number, answer: { shapes: readonly unknown[]; notes: string[]; text: string }): VerifyOutcome => {
        const n = preds.length;
        const m = refs.length;
        if (n > cfg.maxBoxes) return { score: 0, detail: `the answer has ${n} boxes, above the ${cfg.maxBoxes}-box limit`, metrics: { n_pred: n, n_ref: m } };
        if (n === 0 && m === 0) return { score: 1, detail: 'no objects predicted and none in the reference', metrics: { n_pred: 0, n_ref: 0, f1: 1, precision: 1, recall: 1, map: 1 } };
        if (n === 0) return { score: 0, detail: answer.shapes.length || answer.notes.length ? `no usable box in the answer; ${m} reference objects` : nothingFound('box', answer), metrics: { n_pred: 0, n_ref: m, f1: 0, precision: 0, recall: 0, map: 0 } };
        if (m === 0) return { score: 0, detail: `${n} boxes predicted, none in the reference`, metrics: { n_pred: n, n_ref: 0, f1: 0, precision: 0, recall: 0, map: 0 } };
        const match = matchF1(preds, refs, thr, labels);
        const precision = match.tp / n;
        const recall = match.tp / m;
        const f1 = (2 * match.tp) / (n + m);
        const meanIou = match.tp ? match.ious.reduce((a, b) => a + b, 0) / match.tp : 0;
        // At most as many detections per label as the reference has objects: with every confidence 1, COCO's AP lets
        // boxes after the first ones cost nothing, so without the cap more guesses could only raise it.
        const ap = cocoMap(preds, refs, labels, 'refs');
        const mapCount = ap.map * Math.min(1, m / n);
        const score = scoreKind === 'f1' ? f1 : scoreKind === 'map' ? ap.map : mapCount;
        const notes: string[] = [];
        if (bad) notes.push(`${bad} degenerate or non-finite`);
        if (labels && unlabeled) notes.push(`${unlabeled} without a label (cannot match labelled references)`);
        return {
          score,
          detail: `${match.tp} of ${n} predicted boxes matched ${m} reference objects at IoU >= ${thr}${labels ? ' (labels must agree)' : ''}: F1 ${fmt(f1)}, mAP ${fmt(ap.map)}${notes.length ? `; ${notes.join(', ')}` : ''}`,
          metrics: { f1, precision, recall, mean_iou: meanIou, map: ap.map, map50: ap.map50, map75: ap.map75, map_count: mapCount, tp: match.tp, n_pred: n, n_ref: m },
        };
      };
      return withSize(coords, input, cfg, ctx, (size) => {
        const answer = readAnswer(input, cfg);
        if (!answer.ok) return { score: 0, detail: answer.detail };
        const scale = coordScale(coords, size);
        const preds: Obj[] = [];
        let bad = 0;
        let unlabeled = 0;
        for (const s of answer.shapes) {
          if (s.kind !== 'box') continue;
          const box = absBox(s, format, scale);
          if (isDegenerate(box)) bad++;
          const o: Obj = { box };
          const l = normLabel(s.label);
          if (l !== undefined) o.label = l;
          else unlabeled++;
          preds.push(o);
        }
        return flagSpam(outcome(preds, bad, unlabeled, answer), preds.length, refs.length);
      });
    },
  };
}
