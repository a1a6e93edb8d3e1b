// The grounded video QA profile (examples/profiles/video.yaml) through the embedded mesh: text.exact + video.temporal_iou.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedGateway, type EmbeddedGateway } from '../src/mesh.js';
import { ROOT, scoreWhenAvailable, startServiceAndGateway, type MeshProcesses } from './helpers.js';

const PROFILE = fileURLToPath(new URL('../../examples/profiles/video.yaml', import.meta.url));
let mesh: EmbeddedGateway;

beforeAll(async () => {
  mesh = await createEmbeddedGateway({ profiles: [PROFILE], only: new Set(['video-temporal']) });
});

describe('profile video_grounded_qa (Temporal-R1 dual reward)', () => {
  it('adds answer accuracy and temporal IoU: 1 + 2.5/7.3, 0 + 2.5/7.3, 1 + 0, and groups them', async () => {
    const reference = { answer: 'B', span: [10, 15] };
    const { results, groups } = await mesh.gateway.score([
      { id: 'right', group: 'g', response: '<think>..</think><time>12.5 to 17.3</time><answer>(B)</answer>', reference, profile: 'video_grounded_qa' },
      { id: 'wrong-answer', group: 'g', response: '<time>12.5 to 17.3</time><answer>A</answer>', reference, profile: 'video_grounded_qa' },
      { id: 'no-span', group: 'g', response: '<answer>B</answer>', reference, profile: 'video_grounded_qa' },
    ]);
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId.right!.status).toBe('ok');
    expect(byId.right!.reward).toBeCloseTo(1 + 0.342466, 6);
    expect(byId.right!.components.tiou!.score).toBeCloseTo(0.342466, 6);
    expect(byId['wrong-answer']!.reward).toBeCloseTo(0.342466, 6);
    expect(byId['no-span']!.reward).toBeCloseTo(1, 9);
    expect(byId['no-span']!.components.tiou!.status).toBe('ok');
    expect(groups.g!.count).toBe(3);
    expect(groups.g!.all_equal).toBe(false);
  });

  it('the Time-R1 grounding profile gates on format and needs a duration (invalid without one)', async () => {
    const { results } = await mesh.gateway.score([
      { id: 'ok', response: '<think>x</think><answer>12.5 to 17.3</answer>', reference: { span: [10, 15], duration: 30 }, profile: 'video_grounding_time_r1' },
      { id: 'no-format', response: '12.5 to 17.3', reference: { span: [10, 15], duration: 30 }, profile: 'video_grounding_time_r1' },
      { id: 'no-duration', response: '<think>x</think><answer>12.5 to 17.3</answer>', reference: { span: [10, 15] }, profile: 'video_grounding_time_r1' },
    ]);
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    // 0.1 · format + Time-R1 value 0.289859 (the value for a 30 s video)
    expect(byId.ok!.reward).toBeCloseTo(0.1 + 0.289859, 5);
    expect(byId['no-format']!.reward).toBe(0);
    expect(byId['no-duration']!.components.tiou!.status).toBe('invalid');
  });
});

// The same profile through real processes: a video-temporal service and a gateway loading the profile file.
describe('profile video_grounded_qa through a real gateway and video-temporal process', () => {
  let procs: MeshProcesses;
  let http = '';

  beforeAll(async () => {
    procs = await startServiceAndGateway('video-temporal', PROFILE);
    http = procs.http;
  });
  afterAll(() => procs?.stop());

  it('scores 1 + 0.342466 over HTTP, the video clamping the span to its 6 s', async () => {
    const body = {
      samples: [
        { id: 'a', response: '<time>12.5 to 17.3</time><answer>B</answer>', reference: { answer: 'B', span: [10, 15] }, profile: 'video_grounded_qa' },
        {
          id: 'b',
          response: '<time>00:03 to 00:09</time><answer>B</answer>',
          reference: { answer: 'B', span: [2, 6] },
          media: [{ kind: 'video', role: 'input', uri: `file://${ROOT}examples/media/video-clip.mp4` }],
          profile: 'video_grounded_qa',
        },
      ],
    };
    // The service may still be binding when the gateway is up: retry while a component is unavailable.
    const results = await scoreWhenAvailable(http, body);
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId.a!.status).toBe('ok');
    expect(byId.a!.reward).toBeCloseTo(1 + 0.342466, 6);
    // [3, 9] clamped to the 6 s clip: [3, 6] vs [2, 6] → 3 / 4
    expect(byId.b!.components.tiou!.score).toBeCloseTo(0.75, 3);
    expect(byId.b!.reward).toBeCloseTo(1.75, 3);
  });
});
