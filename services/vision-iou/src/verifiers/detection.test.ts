// vision.detection: F1, mean IoU and COCO mAP checked against values worked out by hand from the definitions.
import { describe, expect, it } from 'vitest';
import type { Box } from '@verimesh/geometry';
import { cocoMap, type Obj } from '../detection-metrics.js';
import { run } from '../../testing/index.js';

const A = [0, 0, 10, 10];
const B = [20, 20, 30, 30];

describe('vision.detection', () => {
  it('hand case: 2 of 3 predictions match 2 references', async () => {
    // P1 = A (IoU 1), P2 = [21,21,31,31] vs B: 9·9 / (100 + 100 − 81) = 81/119 ≈ 0.681, P3 disjoint.
    // TP 2 → precision 2/3, recall 1, F1 = 2·2 / (3 + 2) = 0.8, mean matched IoU (1 + 81/119) / 2.
    // COCO AP (all scores 1, order P1, P2, P3): for t ∈ {.5,.55,.6,.65} the ranks are TP,TP,FP → AP 1;
    // for the 6 thresholds ≥ .7 they are TP,FP,FP → recall 0.5 reached at precision 1, never 1 → AP = 51/101.
    // mAP = (4·1 + 6·51/101) / 10.
    const resp = JSON.stringify([{ bbox_2d: A }, { bbox_2d: [21, 21, 31, 31] }, { bbox_2d: [50, 50, 60, 60] }]);
    const r = await run('vision.detection', resp, { objects: [{ box: A }, { box: B }] });
    expect(r.status).toBe('ok');
    expect(r.score).toBeCloseTo(0.8, 12);
    expect(r.metrics.precision).toBeCloseTo(2 / 3, 12);
    expect(r.metrics.recall).toBe(1);
    expect(r.metrics.mean_iou).toBeCloseTo((1 + 81 / 119) / 2, 12);
    expect(r.metrics.map).toBeCloseTo((4 + (6 * 51) / 101) / 10, 12);
    expect(r.metrics.map50).toBeCloseTo(1, 12);
    expect(r.metrics.map75).toBeCloseTo(51 / 101, 12);
    const m = await run('vision.detection', resp, { objects: [{ box: A }, { box: B }] }, { score: 'map' });
    expect(m.score).toBeCloseTo((4 + (6 * 51) / 101) / 10, 12);
    // map_count: × min(1, n_ref / n_pred) = × 2/3.
    const c = await run('vision.detection', resp, { objects: [{ box: A }, { box: B }] }, { score: 'map_count' });
    expect(c.score).toBeCloseTo(((4 + (6 * 51) / 101) / 10) * (2 / 3), 12);
  });
  it('hand case: AP with ranks TP, FP, TP is (51 + 50·2/3) / 101 (COCOeval, maxDets 100)', async () => {
    // rc = [.5, .5, 1], interpolated precision [1, 2/3, 2/3]: recall points 0..0.50 → 1 (51), 0.51..1 → 2/3 (50).
    const objs = (bs: number[][]): Obj[] => bs.map((b) => ({ box: b as unknown as Box }));
    expect(cocoMap(objs([A, [50, 50, 60, 60], B]), objs([A, B]), false).map).toBeCloseTo((51 + (50 * 2) / 3) / 101, 12);
    // The verifier counts at most n_ref = 2 detections: ranks TP, FP → rc [.5, .5], precision [1, .5] → 51/101.
    const resp = JSON.stringify([A, [50, 50, 60, 60], B]);
    const r = await run('vision.detection', resp, { boxes: [A, B] }, { score: 'map' });
    expect(r.score).toBeCloseTo(51 / 101, 12);
    expect(r.metrics.f1).toBeCloseTo(0.8, 12);
  });
  it('matches one-to-one optimally (Hungarian), not greedily', async () => {
    // P1 = [3,0,13,10] overlaps R1 and R2 equally (70/130 ≈ 0.54); P2 = [0,0,9,10] overlaps R1 by 0.9, R2 by 30/160.
    // Greedy P1→R1 leaves P2 with 0.19 < 0.5 (1 match); the optimum is P1→R2, P2→R1 (2 matches, F1 1).
    const r = await run('vision.detection', '[[3,0,13,10],[0,0,9,10]]', { boxes: [[0, 0, 10, 10], [6, 0, 16, 10]] });
    expect(r.score).toBe(1);
    expect(r.metrics.mean_iou).toBeCloseTo((70 / 130 + 0.9) / 2, 12);
  });
  it('requires labels to agree when the reference has labels (case and spaces ignored)', async () => {
    const ref = { objects: [{ box: A, label: 'Traffic light' }, { box: B, label: 'cat' }] };
    const resp = "[{'bbox_2d': [0,0,10,10], 'label': 'traffic  LIGHT'}, {'bbox_2d': [20,20,30,30], 'label': 'dog'}]";
    const r = await run('vision.detection', resp, ref);
    expect(r.metrics.tp).toBe(1);
    expect(r.score).toBeCloseTo(0.5, 12);
    // COCO mAP averages over reference labels: traffic light AP 1, cat AP 0 (no cat detections).
    expect(r.metrics.map).toBeCloseTo(0.5, 12);
    expect((await run('vision.detection', resp, ref, { match_labels: false })).score).toBe(1);
    const unlabeled = await run('vision.detection', '[[0,0,10,10]]', ref);
    expect(unlabeled.score).toBe(0);
    expect(unlabeled.detail).toContain('without a label');
  });
  it('reads InternVL ref/box answers with labels', async () => {
    const r = await run('vision.detection', '<ref>cat</ref><box>[[0,0,10,10],[20,20,30,30]]</box>', { objects: [{ box: A, label: 'cat' }, { box: B, label: 'cat' }] });
    expect(r.score).toBe(1);
  });
  it('scores empty/empty 1 and exactly one empty 0', async () => {
    expect((await run('vision.detection', '[]', { objects: [] })).score).toBe(1);
    expect((await run('vision.detection', 'There are none.', { objects: [] })).score).toBe(1);
    expect((await run('vision.detection', '[]', { objects: [{ box: A }] })).score).toBe(0);
    expect((await run('vision.detection', '[[0,0,10,10]]', { objects: [] })).score).toBe(0);
  });
  it('refuses too many predicted boxes with a detail, and too many reference objects as invalid', async () => {
    const many = `[${Array.from({ length: 600 }, (_, i) => `[${i},0,${i + 10},10]`).join(',')}]`;
    const r = await run('vision.detection', many, { objects: [{ box: A }] });
    expect(r.status).toBe('ok');
    expect(r.score).toBe(0);
    expect(r.detail).toMatch(/600 boxes, above the 500-box limit/);
    const bigRef = await run('vision.detection', '[]', { boxes: Array.from({ length: 600 }, () => A) });
    expect(bigRef.status).toBe('invalid');
  });
  it('counts degenerate predictions as unmatched and says so', async () => {
    const r = await run('vision.detection', '[[0,0,10,10],[5,5,5,5]]', { boxes: [A] });
    expect(r.score).toBeCloseTo((2 * 1) / 3, 12);
    expect(r.detail).toContain('1 degenerate');
  });
  it('marks bad references and params invalid', async () => {
    for (const [ref, params] of [
      [{}, {}],
      [{ objects: [{ box: [0, 0, 1] }] }, {}],
      [{ objects: [{ box: A, label: 3.5e9 }], boxes: 1 }, { score: 'ap' }],
      [{ objects: 'x' }, {}],
      [{ objects: [A] }, { iou_threshold: 1.5 }],
      [{ objects: [A] }, { match_labels: 'yes' }],
    ] as Array<[unknown, unknown]>) {
      expect((await run('vision.detection', '[[0,0,1,1]]', ref, params)).status, JSON.stringify([ref, params])).toBe('invalid');
    }
  });
});

describe('box spam (SPEC 3.1): flagged, never scored, and never worth it', () => {
  const ref = { objects: [{ box: A, label: 'cat' }] };
  const cat = (b: number[]): { bbox_2d: number[]; label: string } => ({ bbox_2d: b, label: 'cat' });
  // A 10 × 10 grid of 10 × 10 boxes over [0, 100]²: one of them is exactly A = [0, 0, 10, 10].
  const grid = Array.from({ length: 100 }, (_, k) => cat([(k % 10) * 10, Math.floor(k / 10) * 10, (k % 10) * 10 + 10, Math.floor(k / 10) * 10 + 10]));
  const wrong = cat([50, 50, 60, 60]);

  it('raises box_spam above max(2·n_ref, n_ref + 5) predicted boxes, and only there', async () => {
    // One reference: the limit is max(2, 6) = 6 boxes.
    const six = await run('vision.detection', JSON.stringify([cat(A), ...grid.slice(1, 6)]), ref);
    const seven = await run('vision.detection', JSON.stringify([cat(A), ...grid.slice(1, 7)]), ref);
    expect(six.flags).toEqual([]);
    expect(seven.flags).toEqual(['box_spam']);
    // Ten references: max(20, 15) = 20.
    const tenRefs = { boxes: grid.slice(0, 10).map((g) => g.bbox_2d) };
    expect((await run('vision.detection', JSON.stringify(grid.slice(0, 20)), tenRefs)).flags).toEqual([]);
    expect((await run('vision.detection', JSON.stringify(grid.slice(0, 21)), tenRefs)).flags).toEqual(['box_spam']);
  });

  it('the flag does not change the score: F1 = 2·TP / (n_pred + n_ref) = 2 / (7 + 1) with or without it', async () => {
    const seven = await run('vision.detection', JSON.stringify([cat(A), ...grid.slice(1, 7)]), ref);
    expect(seven.score).toBeCloseTo(2 / 8, 12);
  });

  it('hedging with a grid after a wrong guess cannot raise mAP (it used to: every box after the first cost nothing)', async () => {
    const honest = await run('vision.detection', JSON.stringify([wrong]), ref, { score: 'map' });
    expect(honest.score).toBe(0);
    // Old COCO AP with maxDets 100: A is the 2nd detection at every threshold → precision 1/2 at recall 1 → AP 1/2.
    // Now at most one detection counts for the one cat: the wrong guess → AP 0.
    const asObj = (c: { bbox_2d: number[]; label: string }): Obj => ({ box: c.bbox_2d as unknown as Box, label: c.label });
    expect(cocoMap([wrong, ...grid].map(asObj), [{ box: A as unknown as Box, label: 'cat' }], true).map).toBeCloseTo(0.5, 12);
    const hedged = await run('vision.detection', JSON.stringify([wrong, ...grid]), ref, { score: 'map' });
    expect(hedged.score).toBe(0);
    expect(hedged.flags).toEqual(['box_spam']);
    // F1 punishes the grid: TP 1 of 101 → 2 / (101 + 1).
    expect((await run('vision.detection', JSON.stringify([wrong, ...grid]), ref)).score).toBeCloseTo(2 / 102, 12);
    // A right first guess keeps its full mAP: the boxes after it are not counted.
    expect((await run('vision.detection', JSON.stringify([cat(A), ...grid]), ref, { score: 'map' })).score).toBeCloseTo(1, 12);
  });
});

describe('red team: label spam', () => {
  const ref = { objects: [{ box: A, label: 'cat' }] };
  const everyLabel = JSON.stringify(['cat', 'dog', 'bird', 'car', 'person'].map((label) => ({ bbox_2d: A, label })));
  it('one box labelled with every class name does not earn mAP 1: each label the image lacks that names the same object is a category with AP 0', async () => {
    // It scored mAP 1: COCO averages over the image's categories only (cat: AP 1), and dog/bird/car/person were skipped.
    // Now the mean runs over cat, dog, bird, car, person: (1 + 0 + 0 + 0 + 0) / 5 = 0.2.
    const r = await run('vision.detection', everyLabel, ref, { score: 'map' });
    expect(r.score).toBeCloseTo(0.2, 12);
    expect(r.metrics.map).toBeCloseTo(0.2, 12);
    // F1 already punished it: TP 1 of 5 predictions and 1 reference, 2 / (5 + 1).
    expect((await run('vision.detection', everyLabel, ref)).score).toBeCloseTo(2 / 6, 12);
    // The honest answer keeps mAP 1; COCO's own per-category mean (maxDets 100) is unchanged.
    expect((await run('vision.detection', JSON.stringify([{ bbox_2d: A, label: 'cat' }]), ref, { score: 'map' })).score).toBeCloseTo(1, 12);
    const objs = ['cat', 'dog'].map((label) => ({ box: A as unknown as Box, label }));
    expect(cocoMap(objs, [{ box: A as unknown as Box, label: 'cat' }], true).map).toBeCloseTo(1, 12);
  });
  it('the hedge costs the same whichever label comes first, and half boxes count as naming the object', async () => {
    // dog first, then the true cat: cat AP 1, dog AP 0 → 0.5.
    expect((await run('vision.detection', JSON.stringify([{ bbox_2d: A, label: 'dog' }, { bbox_2d: A, label: 'cat' }]), ref, { score: 'map' })).score).toBeCloseTo(0.5, 12);
    // The left and right halves of A (IoU 0.5 each, disjoint): still one object named twice → (AP_cat + 0) / 2,
    // AP_cat = 1/10 (a match at IoU 0.5 only).
    const halves = JSON.stringify([{ bbox_2d: [0, 0, 5, 10], label: 'cat' }, { bbox_2d: [5, 0, 10, 10], label: 'dog' }]);
    expect((await run('vision.detection', halves, ref, { score: 'map' })).score).toBeCloseTo(0.05, 12);
  });
});

describe('box spam in the first-shape verifiers: flagged, the score is the first shape\'s', () => {
  const junk = Array.from({ length: 6 }, (_, k) => [100 + k, 100, 110 + k, 110]);
  it('vision.box_iou: the first box alone is scored; a right box cannot be found among many', async () => {
    const right = await run('vision.box_iou', JSON.stringify([A, ...junk]), { box: A });
    expect([right.score, right.flags]).toEqual([1, ['box_spam']]);
    // The right box seventh: the first (junk) box is scored, IoU 0 against A.
    const buried = await run('vision.box_iou', JSON.stringify([...junk, A]), { box: A });
    expect([buried.score, buried.flags]).toEqual([0, ['box_spam']]);
    expect((await run('vision.box_iou', JSON.stringify([A, ...junk.slice(1)]), { box: A })).flags).toEqual([]);
  });
  it('vision.point and vision.mask_iou flag many predictions against their references', async () => {
    const pts = JSON.stringify([{ point_2d: [5, 5] }, ...junk.map((b) => ({ point_2d: [b[0], b[1]] }))]);
    const p = await run('vision.point', pts, { box: A });
    expect([p.score, p.flags]).toEqual([1, ['box_spam']]);
    const m = await run('vision.mask_iou', JSON.stringify([A, ...junk]), { mask: { size: [200, 200], counts: [40000] } });
    expect(m.flags).toEqual(['box_spam']);
    expect((await run('vision.mask_iou', JSON.stringify(A), { mask: { size: [200, 200], counts: [40000] } })).flags).toEqual([]);
  });
});
