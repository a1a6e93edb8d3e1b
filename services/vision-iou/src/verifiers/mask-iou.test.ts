// vision.mask_iou: RLE, polygons (pycocotools values), PNG/JPEG masks, sizes, and bad masks from either side.
import { describe, expect, it } from 'vitest';
import { pngHeaderOnly } from '@verimesh/media/testing';
import { maskPng, run } from '../../testing/index.js';

const TL = { size: [4, 4], counts: '02208' }; // 4×4, top-left 2×2 set (pycocotools string)
const img = (b: Buffer, role: 'input' | 'output' = 'output') => ({ kind: 'image' as const, role, data_b64: b.toString('base64') });

describe('vision.mask_iou', () => {
  it('compares the compressed string with the counts list and with the pycocotools polygon', async () => {
    expect((await run('vision.mask_iou', '{"size": [4, 4], "counts": [0, 2, 2, 2, 10]}', { mask: TL })).score).toBe(1);
    // frPoly([0,0,2,0,2,2,0,2]) on 4×4 = counts [0,2,2,2,10] = "02208".
    const r = await run('vision.mask_iou', '<answer>[0, 0, 2, 0, 2, 2, 0, 2]</answer>', { mask: TL });
    expect(r.score).toBe(1);
    expect(r.metrics.area_pred).toBe(4);
    expect((await run('vision.mask_iou', '[[0, 0], [2, 0], [2, 2], [0, 2]]', { mask: TL })).score).toBe(1);
  });
  it('computes IoU and dice by hand on a 4×4 canvas', async () => {
    // Prediction: left two columns (8 px); reference top-left 2×2 (4 px): I = 4, U = 8, dice = 8/12.
    const r = await run('vision.mask_iou', '{"size": [4, 4], "counts": [0, 8, 8]}', { mask: TL });
    expect(r.score).toBeCloseTo(0.5, 12);
    expect(r.metrics.dice).toBeCloseTo(2 / 3, 12);
    expect((await run('vision.mask_iou', '{"size": [4, 4], "counts": [0, 8, 8]}', { mask: TL }, { threshold: 0.5 })).score).toBe(1);
  });
  it('rasterizes a reference polygon on reference.width/height and scales normalized predictions', async () => {
    const ref = { mask: [[0, 0, 2, 0, 2, 2, 0, 2]], width: 4, height: 4 };
    expect((await run('vision.mask_iou', '{"size": [4, 4], "counts": "02208"}', ref)).score).toBe(1);
    expect((await run('vision.mask_iou', '[0, 0, 0.5, 0, 0.5, 0.5, 0, 0.5]', ref, { coords: 'normalized' })).score).toBe(1);
    // A box answer is a rectangle mask.
    expect((await run('vision.mask_iou', '[0, 0, 2, 2]', ref)).score).toBe(1);
  });
  it('handles 1000×1000 masks: rectangles with the analytic IoU', async () => {
    // Reference pixels [100,700)², prediction [200,800)×[300,900): I = 500·400, U = 2·360000 − I.
    const ref = { mask: [100, 100, 700, 100, 700, 700, 100, 700], width: 1000, height: 1000 };
    const r = await run('vision.mask_iou', '[[200, 300], [800, 300], [800, 900], [200, 900]]', ref);
    expect(r.score).toBeCloseTo(200_000 / 520_000, 12);
    expect(r.metrics.area_ref).toBe(360_000);
  });
  it('reads PNG and JPEG masks (output media, reference data_b64) and binarizes them', async () => {
    const png = await maskPng(4, 4, (x, y) => x < 2 && y < 2);
    expect((await run('vision.mask_iou', 'see image', { mask: TL }, {}, [img(png)])).score).toBe(1);
    expect((await run('vision.mask_iou', '{"size": [4, 4], "counts": "02208"}', { mask: { data_b64: png.toString('base64') } })).score).toBe(1);
    const big = (x: number, y: number): boolean => (x - 32) ** 2 + (y - 32) ** 2 < 400;
    const jpg = await maskPng(64, 64, big, 'jpeg');
    const refPng = await maskPng(64, 64, big);
    const r = await run('vision.mask_iou', '', { mask: { data_b64: refPng.toString('base64') } }, {}, [img(jpg)]);
    expect(r.score).toBeGreaterThan(0.97); // JPEG noise at the edge only
    // params.source "text" ignores the image.
    expect((await run('vision.mask_iou', '{"size":[4,4],"counts":[16]}', { mask: TL }, { source: 'text' }, [img(png)])).score).toBe(0);
  });
  it('scores a mask of another size 0 and both-empty 1', async () => {
    const r = await run('vision.mask_iou', '{"size": [4, 5], "counts": [20]}', { mask: TL });
    expect(r.score).toBe(0);
    expect(r.detail).toContain('4x5');
    expect((await run('vision.mask_iou', '{"size": [4, 4], "counts": [16]}', { mask: { size: [4, 4], counts: [16] } })).score).toBe(1);
  });
  it('answers bad predicted masks with a detail (status ok)', async () => {
    const cases: Array<[string, unknown[], RegExp]> = [
      ['{"size": [4, 4], "counts": [1, 2]}', [], /sum to 3, expected/],
      ['{"size": [4, 4], "counts": "zz~"}', [], /invalid character/],
      ['[0, 0, NaN, 0, 2, 2]', [], /non-finite/],
      ['nothing here', [], /no mask/],
      ['', [img(Buffer.from('\x89PNG\r\n\x1a\ngarbage'))], /cannot be used/],
      ['', [img(pngHeaderOnly(20_000, 20_000))], /above the \d+-pixel mask limit/],
    ];
    for (const [resp, media, re] of cases) {
      const r = await run('vision.mask_iou', resp, { mask: TL }, {}, media as never);
      expect(r.status, resp).toBe('ok');
      expect(r.score).toBe(0);
      expect(r.detail, resp).toMatch(re);
    }
  });
  it('marks bad reference masks invalid', async () => {
    const corrupt = (await maskPng(4, 4, () => true)).subarray(0, 40);
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /reference.mask is required/],
      [{ size: [4, 4], counts: [1, 2] }, /sum to 3/],
      [{ size: [4, 4], counts: 'T' }, /ends inside a value/],
      [[0, 0, 2, 0, 2, 2], /needs reference.width\/height/],
      [{ data_b64: corrupt.toString('base64') }, /reference.mask/],
      [{ data_b64: pngHeaderOnly(20_000, 20_000).toString('base64') }, /mask limit/],
      ['abc', /must be a COCO RLE/],
    ];
    for (const [mask, re] of cases) {
      const r = await run('vision.mask_iou', '[0,0,1,1]', mask === undefined ? {} : { mask });
      expect(r.status, JSON.stringify(mask)).toBe('invalid');
      expect(r.detail).toMatch(re);
    }
  });
});
