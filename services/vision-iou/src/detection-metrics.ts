// Detection metrics: one-to-one Hungarian matching for F1, and COCO's AP@[.5:.95] with every confidence equal.
import { boxIou, hungarian, type Box } from '@verimesh/geometry';

export interface Obj {
  box: Box;
  /** Normalized label; undefined when none was given. */
  label?: string;
}

export interface MatchResult {
  tp: number;
  /** IoU of each matched pair. */
  ious: number[];
}

const canMatch = (p: Obj, r: Obj, labels: boolean): boolean => !labels || (p.label !== undefined && p.label === r.label);

/**
 * Maximum-IoU one-to-one matching (Hungarian) over pairs that are allowed to match: IoU ≥ threshold and,
 * when `labels`, the same label. Pairs below the threshold weigh 0, so the assignment maximizes the
 * matched IoU among pairs that count.
 */
export function matchF1(preds: readonly Obj[], refs: readonly Obj[], threshold: number, labels: boolean): MatchResult {
  if (preds.length === 0 || refs.length === 0) return { tp: 0, ious: [] };
  const w = preds.map((p) => refs.map((r) => {
    if (!canMatch(p, r, labels)) return 0;
    const v = boxIou(p.box, r.box);
    return v >= threshold && v > 0 ? v : 0;
  }));
  const ious: number[] = [];
  for (const [i, j] of hungarian(w)) {
    const v = w[i]?.[j] ?? 0;
    if (v > 0) ious.push(v);
  }
  return { tp: ious.length, ious };
}

/** COCOeval's IoU thresholds np.linspace(.5, .95, 10) and recall points np.linspace(0, 1, 101), bit for bit. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}
const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
const REC_THRESHOLDS = linspace(0, 1, 101);
/** COCO's default maxDets for AP: only the first 100 detections per category count. */
const MAX_DETS = 100;
const EPS = 2.220446049250313e-16; // np.spacing(1)

/** AP of one category at each IoU threshold, as COCOeval.evaluateImg + accumulate (one image, scores all equal). */
function categoryAp(dt: readonly Obj[], gt: readonly Obj[], maxDets: number): number[] {
  const d = dt.slice(0, maxDets);
  const ious = d.map((p) => gt.map((g) => boxIou(p.box, g.box)));
  return IOU_THRESHOLDS.map((t) => {
    const gtm = new Uint8Array(gt.length);
    const tpc: number[] = [];
    const fpc: number[] = [];
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < d.length; i++) {
      let iou = Math.min(t, 1 - 1e-10);
      let m = -1;
      const row = ious[i] as number[];
      for (let g = 0; g < gt.length; g++) {
        if (gtm[g]) continue;
        const v = row[g] as number;
        if (v < iou) continue;
        iou = v; // ties go to the later ground truth, as in COCOeval
        m = g;
      }
      if (m >= 0) { gtm[m] = 1; tp++; } else fp++;
      tpc.push(tp);
      fpc.push(fp);
    }
    const n = tpc.length;
    const rc = tpc.map((x) => x / gt.length);
    const pr = tpc.map((x, i) => x / (x + (fpc[i] as number) + EPS));
    for (let i = n - 1; i > 0; i--) if ((pr[i] as number) > (pr[i - 1] as number)) pr[i - 1] = pr[i] as number;
    let sum = 0;
    let k = 0; // rc is non-decreasing and so are the thresholds: one forward pass is np.searchsorted(side='left')
    for (const r of REC_THRESHOLDS) {
      while (k < n && (rc[k] as number) < r) k++;
      if (k < n) sum += pr[k] as number;
    }
    return sum / REC_THRESHOLDS.length;
  });
}

export interface MapResult {
  map: number;
  map50: number;
  map75: number;
  categories: number;
}

/**
 * Predicted labels that the reference lacks and that name an object another label also names: a box of that label
 * and a box of another label both overlap one reference object at IoU >= 0.5 (one object, several class names).
 */
function hedgedLabels(preds: readonly Obj[], refs: readonly Obj[], known: ReadonlySet<string | undefined>): Set<string> {
  const out = new Set<string>();
  for (const r of refs) {
    const on = new Set<string>();
    for (const p of preds) if (p.label !== undefined && boxIou(p.box, r.box) >= 0.5) on.add(p.label);
    if (on.size > 1) for (const l of on) if (!known.has(l)) out.add(l);
  }
  return out;
}

/**
 * COCO-style mAP@[.5:.95] with all confidences 1 (detections in the order given). With `labels`, AP is per
 * reference label and averaged over the labels that have ground truth (COCO skips categories without any);
 * otherwise all objects are one category. `maxDets`: COCOeval's detections counted per category (default 100), or
 * "refs", the per-image reward: as many as the category has reference objects, so that extra guesses cannot raise AP
 * (with every confidence equal, boxes after the first ones cost nothing in COCO's AP, so hedging with more boxes
 * always paid), and a label the image lacks that names an object another label names too (`hedgedLabels`) is a
 * category with AP 0: in one image COCO skips a category without ground truth, so one box labelled with every class
 * name scored mAP 1 (over a dataset those boxes are false positives of their categories). A wrong label on its own
 * costs what COCO says (the missed category).
 */
export function cocoMap(preds: readonly Obj[], refs: readonly Obj[], labels: boolean, maxDets: number | 'refs' = MAX_DETS): MapResult {
  const cats = labels ? [...new Set(refs.map((r) => r.label))] : [undefined];
  const per = cats.map((c) => {
    const dt = labels ? preds.filter((p) => p.label === c) : preds;
    const gt = labels ? refs.filter((r) => r.label === c) : refs;
    return categoryAp(dt, gt, maxDets === 'refs' ? gt.length : maxDets);
  });
  if (labels && maxDets === 'refs') {
    per.push(...Array.from(hedgedLabels(preds, refs, new Set(cats)), () => IOU_THRESHOLDS.map(() => 0)));
  }
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    map: mean(per.map(mean)),
    map50: mean(per.map((a) => a[0] as number)),
    map75: mean(per.map((a) => a[5] as number)),
    categories: per.length,
  };
}
