// The demo samples (examples/demo/video-temporal.jsonl) scored by the service, so the demo cannot silently rot.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '@verimesh/kit';
import type { MediaJson } from '@verimesh/proto';
import { createService, loadServiceConfig } from '../src/index.js';

interface DemoSample {
  id: string;
  response: string;
  reference?: Record<string, unknown>;
  media?: MediaJson[];
  reward: { components: Array<{ name: string; verifier: string; params?: unknown; reference?: Record<string, unknown> }> };
}

const service = createService(loadServiceConfig({ env: {} }));
afterAll(() => service.stop?.());
const samples = readFileSync(new URL('../../../examples/demo/video-temporal.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as DemoSample);

/** Scores of the sample's video.* components (media paths are relative to the repo root, as the demo runs there). */
async function scores(id: string): Promise<Record<string, number>> {
  const s = samples.find((x) => x.id === id)!;
  const root = new URL('../../../', import.meta.url).pathname;
  const media = (s.media ?? []).map((m) => (m.uri && !m.uri.includes('://') ? { ...m, uri: root + m.uri } : m));
  const comps = s.reward.components.filter((c) => c.verifier.startsWith('video.'));
  const res = await runBatch(
    service,
    comps.map((c) => ({
      key: c.name,
      verifier: c.verifier,
      response: s.response,
      reference_json: JSON.stringify({ ...s.reference, ...c.reference }),
      params_json: JSON.stringify(c.params ?? {}),
      media,
    })),
    { deadline: Date.now() + 30_000 },
  );
  for (const r of res) expect(r.result?.status, `${id}/${r.key}: ${r.result?.detail}`).toBe('COMPONENT_STATUS_OK');
  return Object.fromEntries(res.map((r) => [r.key, Number(r.result?.score)]));
}

describe('video demo samples', () => {
  it('has 2–6 samples covering all four verifiers', () => {
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.length).toBeLessThanOrEqual(6);
    const used = new Set(samples.flatMap((s) => s.reward.components.map((c) => c.verifier)));
    for (const v of ['video.temporal_iou', 'video.tracking', 'video.mask_jf', 'video.keyframes']) expect(used.has(v), v).toBe(true);
  });

  it('scores each as worked out by hand', async () => {
    // [12.5, 17.3] vs [10, 15]: 2.5 / 7.3 (the 0.342466).
    expect((await scores('video-tiou-text')).tiou).toBeCloseTo(0.342466, 6);
    // The 6 s clip clamps [2.5, 9] to [2.5, 6]; vs [2, 6]: tIoU 3.5 / 4, Time-R1 factor (1 − 0.5/6)(1 − 0/6).
    expect((await scores('video-tiou-time-r1')).tiou).toBeCloseTo((3.5 / 4) * (1 - 0.5 / 6), 3);
    // Frames 0 and 0.5 exact (1, 1); at 1.0 [20,12,40,32] vs [14,12,34,32]: 14·20 / (800 − 280); 1.5 missed (0).
    expect((await scores('video-tracking')).track).toBeCloseTo((2 + 280 / 520) / 4, 9);
    // Frame 0 identical (J 1, F 1); frame 1 a 20×20 square shifted 1 px: J 19·20 / (21·20), F 1 (tolerance
    // ceil(0.008 · 80) = 1 px covers a 1 px shift). J&F = ((1 + 19/21) / 2 + 1) / 2.
    expect((await scores('video-mask-jf')).jf).toBeCloseTo(((1 + 19 / 21) / 2 + 1) / 2, 6);
    // 00:03 and 7.5 s fall in evidence, 20 s does not; 2 of 3 spans hit: P = R = 2/3.
    expect((await scores('video-keyframes')).evidence).toBeCloseTo(2 / 3, 9);
    // The <time> span read with the profile's extract regex: 0.342466 again.
    expect((await scores('video-grounded-qa')).tiou).toBeCloseTo(0.342466, 6);
  });
});
