// The demo samples (examples/demo/vision-iou.jsonl) scored by the service, so the demo cannot silently rot.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBatch } from '@verimesh/kit';
import { createService, loadServiceConfig } from '../src/index.js';

interface DemoSample {
  id: string;
  response: string;
  reference?: Record<string, unknown>;
  media?: Array<{ kind: 'image'; role: 'input' | 'output'; uri?: string }>;
  reward: { components: Array<{ name: string; verifier: string; params?: unknown; reference?: Record<string, unknown> }> };
}

const service = createService(loadServiceConfig({ env: {} }));
const samples = readFileSync(new URL('../../../examples/demo/vision-iou.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as DemoSample);

async function scores(s: DemoSample): Promise<Record<string, number>> {
  const comps = s.reward.components.filter((c) => c.verifier.startsWith('vision.'));
  const res = await runBatch(
    service,
    comps.map((c) => ({
      key: c.name,
      verifier: c.verifier,
      response: s.response,
      reference_json: JSON.stringify({ ...s.reference, ...c.reference }),
      params_json: JSON.stringify(c.params ?? {}),
      media: s.media ?? [],
    })),
    { deadline: Date.now() + 30_000 },
  );
  for (const r of res) expect(r.result?.status, `${s.id}/${r.key}: ${r.result?.detail}`).toBe('COMPONENT_STATUS_OK');
  return Object.fromEntries(res.map((r) => [r.key, Number(r.result?.score)]));
}

const byId = (id: string): DemoSample => samples.find((s) => s.id === id)!;

describe('demo samples', () => {
  it('has 2–6 samples covering all four verifiers', () => {
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.length).toBeLessThanOrEqual(6);
    const used = new Set(samples.flatMap((s) => s.reward.components.map((c) => c.verifier)));
    for (const v of ['vision.box_iou', 'vision.detection', 'vision.mask_iou', 'vision.point']) expect(used.has(v), v).toBe(true);
  });
  it('scores each as worked out by hand', async () => {
    // [42,58,198,182] vs [40,60,200,180]: I = 156·120 = 18720, U = 156·124 + 160·120 − 18720 = 19824.
    expect((await scores(byId('vision-box-qwen25vl'))).iou).toBeCloseTo(18720 / 19824, 12);
    // norm1000 on the 320×240 scene (size from the PNG header) is well above threshold 0.5.
    expect((await scores(byId('vision-box-norm1000-from-image-header'))).iou).toBe(1);
    // 2 of 4 boxes match → F1 = 4/6; mAP: each label's true box comes first → 1; × min(1, 2/4).
    const det = await scores(byId('vision-detection-spam-vs-map-count'));
    expect(det.f1).toBeCloseTo(2 / 3, 12);
    expect(det.map_count).toBeCloseTo(0.5, 12);
    // Reference: pixels [10,30)×[10,25) (300 px); answer polygon [10,30)×[10,26) (320 px).
    expect((await scores(byId('vision-mask-polygon-vs-rle'))).mask_iou).toBeCloseTo(300 / 320, 12);
    // A diamond inscribed in the disc: about 2r² / πr² ≈ 0.64 of its area.
    expect((await scores(byId('vision-mask-png-reference'))).mask_iou).toBeCloseTo(2 / Math.PI, 1);
    const pt = await scores(byId('vision-point-gui-g2'));
    expect(pt.inside).toBe(1);
    expect(pt.gaussian).toBeCloseTo(Math.exp(-0.125), 12);
  });
});
