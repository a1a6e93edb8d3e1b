// vision.box_iou through runBatch: values from the IoU definition, coordinate conventions and bad inputs.
import { describe, expect, it } from 'vitest';
import { noopLogger } from '@verimesh/kit';
import { createService } from '../service.js';
import { loadServiceConfig } from '../config.js';
import { pngHeaderOnly } from '@verimesh/media/testing';
import { maskPng, run } from '../../testing/index.js';

const REF = { box: [0, 0, 10, 10] };

describe('vision.box_iou', () => {
  it('scores IoU([0,0,10,10],[5,5,15,15]) = 1/7 (25 / 175)', async () => {
    const r = await run('vision.box_iou', '<think>..</think><answer>[5, 5, 15, 15]</answer>', REF);
    expect(r.status).toBe('ok');
    expect(r.score).toBeCloseTo(1 / 7, 12);
    expect(r.detail).toContain('IoU 0.143 against 1 reference box');
  });
  it('counts a one-pixel overlap (no +1 convention) and takes the best reference box', async () => {
    expect((await run('vision.box_iou', '[9, 9, 20, 20]', REF)).score).toBeCloseTo(1 / 220, 12);
    const r = await run('vision.box_iou', '[20, 20, 30, 30]', { boxes: [[0, 0, 10, 10], [20, 20, 30, 31]] });
    expect(r.score).toBeCloseTo(100 / 110, 12);
    expect(r.metrics.ref_index).toBe(1);
  });
  it('scores only the first box of the answer', async () => {
    expect((await run('vision.box_iou', '[50,50,60,60] then [0,0,10,10]', REF)).score).toBe(0);
  });
  it('does not clip boxes to the image (SPEC 4.2)', async () => {
    // [-10,0,10,10] on a 10×10 image: unclipped I = 100, U = 200 + 100 − 100 → 0.5 (clipped to [0,0,10,10] it would be 1).
    expect((await run('vision.box_iou', '[-10, 0, 10, 10]', { ...REF, width: 10, height: 10 })).score).toBeCloseTo(0.5, 12);
    expect((await run('vision.box_iou', '[-1, 0, 1, 1]', { ...REF, width: 10, height: 10 }, { coords: 'normalized' })).score).toBeCloseTo(0.5, 12);
  });
  it('answers synchronously when nothing has to be read (absolute coordinates: no promise per item)', () => {
    const v = createService(loadServiceConfig({ env: {} })).verifiers.find((d) => d.name === 'vision.box_iou')!;
    const input = { key: 'k', verifier: v.name, prompt: '', response: '[5, 5, 15, 15]', reference: REF, params: {}, media: [], metadata: null };
    const out = v.verify(input, { signal: new AbortController().signal, deadline: Infinity, log: noopLogger });
    expect(out).not.toBeInstanceOf(Promise);
    expect((out as { score: number }).score).toBeCloseTo(1 / 7, 12);
  });
  it('applies threshold as IoU >= threshold', async () => {
    // [0,0,10,20] vs [0,0,10,10]: 100 / 200 = 0.5 exactly.
    expect((await run('vision.box_iou', '[0,0,10,20]', REF, { threshold: 0.5 })).score).toBe(1);
    expect((await run('vision.box_iou', '[0,0,10,20]', REF, { threshold: 0.51 })).score).toBe(0);
  });
  it('maps GIoU to [0, 1] as (GIoU + 1) / 2', async () => {
    // Disjoint [20,0,30,10]: GIoU = 0 − (300 − 200) / 300 = −1/3 → 1/3.
    const r = await run('vision.box_iou', '[20, 0, 30, 10]', REF, { variant: 'giou' });
    expect(r.score).toBeCloseTo(1 / 3, 12);
    expect(r.metrics.giou).toBeCloseTo(-1 / 3, 12);
  });
  it('reads xywh, norm1000 and normalized coordinates', async () => {
    expect((await run('vision.box_iou', '[5, 5, 10, 10]', REF, { format: 'xywh' })).score).toBeCloseTo(1 / 7, 12);
    const ref = { box: [0, 0, 100, 50], width: 200, height: 100 };
    expect((await run('vision.box_iou', '[0, 0, 500, 500]', ref, { coords: 'norm1000' })).score).toBe(1);
    expect((await run('vision.box_iou', '[0, 0, 0.5, 0.5]', ref, { coords: 'normalized' })).score).toBe(1);
    // (x1,y1),(x2,y2) corners ignore params.format.
    expect((await run('vision.box_iou', '<|box_start|>(0,0),(500,500)<|box_end|>', ref, { coords: 'norm1000', format: 'xywh' })).score).toBe(1);
  });
  it('reads the image size from the input image header for normalized coordinates', async () => {
    const png = await maskPng(100, 200, () => false);
    const media = [{ kind: 'image' as const, role: 'input' as const, data_b64: png.toString('base64') }];
    expect((await run('vision.box_iou', '[0, 0, 0.5, 0.5]', { box: [0, 0, 100, 50] }, { coords: 'normalized' }, media)).score).toBe(1);
    // A 20,000 × 20,000 header is read without decoding a pixel.
    const huge = [{ kind: 'image' as const, role: 'input' as const, data_b64: pngHeaderOnly(20_000, 20_000).toString('base64') }];
    const r = await run('vision.box_iou', '[0, 0, 0.5, 0.5]', { box: [0, 0, 10_000, 10_000] }, { coords: 'normalized' }, huge);
    expect(r.status).toBe('ok');
    expect(r.score).toBe(1);
  });
  it('scores degenerate, non-finite, string and missing boxes 0 with a detail (status ok)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['[10, 10, 5, 20]', /degenerate box/],
      ['[5, 5, 5, 10]', /degenerate box/],
      ['[NaN, 0, 10, 10]', /non-finite/],
      ['[0, 0, Infinity, 10]', /non-finite/],
      ['["0", "0", "10", "10"]', /must be numbers/],
      ['I cannot see it', /no box found/],
      ['{"bbox_2d": [1, 2, 3]}', /not 4 numbers/],
    ];
    for (const [resp, re] of cases) {
      const r = await run('vision.box_iou', resp, REF);
      expect(r.status, resp).toBe('ok');
      expect(r.score, resp).toBe(0);
      expect(r.detail, resp).toMatch(re);
    }
  });
  it('answers a response with 10^6 boxes with a detail, quickly', async () => {
    const resp = `[${Array.from({ length: 1_000_000 }, () => '[0,0,10,10]').join(',')}]`;
    const r = await run('vision.box_iou', resp, REF);
    expect(r.status).toBe('ok');
    expect(r.score).toBe(0);
    expect(r.detail).toMatch(/above the \d+-character limit/);
  });
  it('marks a bad reference or params invalid (the caller\'s fault)', async () => {
    const cases: Array<[unknown, unknown, RegExp]> = [
      [{}, {}, /reference.box/],
      [{ box: [0, 0, 'a', 10] }, {}, /reference.box must be/],
      [{ box: [10, 10, 0, 0] }, {}, /degenerate/],
      [{ box: [0, 0, Number.MAX_VALUE, 1], boxes: 3 }, { coords: 'pixels' }, /params.coords/],
      [REF, { coords: 'normalized' }, /image size is unknown/],
      [{ ...REF, width: -1, height: 5 }, { coords: 'normalized' }, /reference.width/],
      [REF, { threshold: 2 }, /params.threshold/],
      [REF, { variant: 'diou' }, /params.variant/],
      [REF, { extract: '(' }, /params.extract/],
    ];
    for (const [ref, params, re] of cases) {
      const r = await run('vision.box_iou', '[0,0,10,10]', ref, params);
      expect(r.status, JSON.stringify([ref, params])).toBe('invalid');
      expect(r.detail).toMatch(re);
    }
    const corrupt = [{ kind: 'image' as const, role: 'input' as const, data_b64: Buffer.from('not an image at all').toString('base64') }];
    const r = await run('vision.box_iou', '[0,0,1,1]', REF, { coords: 'normalized' }, corrupt);
    expect(r.status).toBe('invalid');
    expect(r.detail).toMatch(/media\[0\]/);
  });
});
