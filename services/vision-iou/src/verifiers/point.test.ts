// vision.point: inside box/mask, GUI-G2's Gaussian reward (value from its formula) and distance mode.
import { describe, expect, it } from 'vitest';
import { run } from '../../testing/index.js';

const BOX = { box: [0, 0, 100, 50] };

describe('vision.point', () => {
  it('GUI-G2: 25 px right of the centre of a 100×50 box scores exp(−½·(25/50)²) = 0.882', async () => {
    const r = await run('vision.point', '(75, 25)', BOX, { mode: 'gaussian' });
    expect(r.score).toBeCloseTo(Math.exp(-0.125), 12);
    expect(r.score.toFixed(3)).toBe('0.882');
    // sigma_scale 0.25 → σx = 25 → exp(−½).
    expect((await run('vision.point', '(75, 25)', BOX, { mode: 'gaussian', sigma_scale: 0.25 })).score).toBeCloseTo(Math.exp(-0.5), 12);
  });
  it('scores inside / outside a box (edges inclusive) and a box answer by its centre', async () => {
    expect((await run('vision.point', '{"point_2d": [100, 50]}', BOX)).score).toBe(1);
    expect((await run('vision.point', '[101, 10]', BOX)).score).toBe(0);
    const r = await run('vision.point', '[90, 40, 120, 60]', BOX);
    expect(r.score).toBe(0); // centre (105, 50) is outside
    expect(r.detail).toContain('centre of the answer box');
    expect((await run('vision.point', '[0.25, 0.5]', { ...BOX, width: 200, height: 100 }, { coords: 'normalized' })).score).toBe(1);
  });
  it('scores inside a mask by pixel', async () => {
    const ref = { mask: { size: [4, 4], counts: '02208' } };
    expect((await run('vision.point', '(1.5, 1.9)', ref)).score).toBe(1);
    expect((await run('vision.point', '(2.1, 0.5)', ref)).score).toBe(0);
    // Normalized coordinates against a mask alone use the mask's canvas (4×4): (0.3, 0.3) → (1.2, 1.2).
    expect((await run('vision.point', '(0.3, 0.3)', ref, { coords: 'normalized' })).score).toBe(1);
    // Gaussian against a mask uses its bounding box [0,0,2,2]: centre (1,1), σ = 1 → (2,1) gives exp(−½).
    expect((await run('vision.point', '(2, 1)', ref, { mode: 'gaussian' })).score).toBeCloseTo(Math.exp(-0.5), 12);
  });
  it('distance mode: within max_dist of reference.point or the box centre', async () => {
    expect((await run('vision.point', '(3, 4)', { point: [0, 0] }, { mode: 'distance', max_dist: 5 })).score).toBe(1);
    const r = await run('vision.point', '(3, 4.1)', { point: [0, 0] }, { mode: 'distance', max_dist: 5 });
    expect(r.score).toBe(0);
    expect(r.metrics.distance).toBeCloseTo(Math.hypot(3, 4.1), 12);
    expect((await run('vision.point', '(50, 30)', BOX, { mode: 'distance', max_dist: 5 })).score).toBe(1);
  });
  it('bad answers score 0, bad references/params are invalid', async () => {
    for (const resp of ['no idea', '[NaN, 3]', '["1", "2"]']) {
      const r = await run('vision.point', resp, BOX);
      expect(r.status).toBe('ok');
      expect(r.score).toBe(0);
    }
    for (const [ref, params] of [
      [BOX, { mode: 'distance' }],
      [BOX, { mode: 'near' }],
      [{ point: [1, 2] }, {}],
      [{ point: [1] }, { mode: 'distance', max_dist: 1 }],
      [{}, {}],
    ] as Array<[unknown, unknown]>) {
      expect((await run('vision.point', '(1, 1)', ref, params)).status, JSON.stringify([ref, params])).toBe('invalid');
    }
  });
});
