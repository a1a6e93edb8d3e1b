import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { makeTestVideos, type TestVideos } from '@verimesh/media/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleEncode, rleToString } from '@verimesh/geometry';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { createService, loadServiceConfig } from '../src/index.js';

let fx: TestVideos;
let srv: RunningServer;
let client: VerifierServiceClient;

beforeAll(async () => {
  fx = makeTestVideos();
  srv = await serve(createService(loadServiceConfig({ env: {} })), { host: '127.0.0.1', port: 0, maxInFlight: 1000, log: noopLogger });
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  client = new Ctor(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(1000);
  fx.cleanup();
});

interface Item {
  key?: string;
  verifier: string;
  response: string;
  reference?: object;
  params?: object;
  media?: object[];
}
interface Out {
  score: number;
  status: string;
  detail: string;
  metrics: Record<string, any>;
}

async function verify(items: Item[]): Promise<Out[]> {
  const req = items.map((it, i) => ({
    key: it.key ?? `k${i}`,
    verifier: it.verifier,
    response: it.response,
    reference_json: JSON.stringify(it.reference ?? {}),
    params_json: JSON.stringify(it.params ?? {}),
    media: it.media ?? [],
  }));
  const res = await new Promise<any>((resolve, reject) =>
    client.VerifyBatch({ items: req }, { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(err) : resolve(r))),
  );
  return res.results.map((r: any) => ({
    score: r.result.score,
    status: String(r.result.status).replace('COMPONENT_STATUS_', '').toLowerCase(),
    detail: r.result.detail,
    metrics: r.result.metrics_json ? JSON.parse(r.result.metrics_json) : {},
  }));
}
const one = async (item: Item): Promise<Out> => (await verify([item]))[0]!;
const video = (path: string, role = 'input') => ({ kind: 'video', role, uri: `file://${path}` });

describe('video.temporal_iou over gRPC', () => {
  it('the issue values: 0.342466 plain, 0.289859 Time-R1 on a 30 s video, 0.5 multi-span', async () => {
    const [plain, r1, multi] = await verify([
      { verifier: 'video.temporal_iou', response: '<think>...</think><answer>12.5 to 17.3</answer>', reference: { span: [10, 15] } },
      {
        verifier: 'video.temporal_iou',
        response: '<answer>12.5 to 17.3</answer>',
        reference: { span: [10, 15] },
        params: { variant: 'time_r1' },
        media: [video(fx.thirty)],
      },
      { verifier: 'video.temporal_iou', response: '<glue>[(0,5),(4,10)]</glue>', reference: { spans: [[2, 6], [8, 12]] } },
    ]);
    expect(plain!.status).toBe('ok');
    expect(plain!.score).toBeCloseTo(0.342466, 6);
    expect(plain!.metrics).toMatchObject({ 'r@0.3': 1, 'r@0.5': 0, 'r@0.7': 0 });
    expect(r1!.status).toBe('ok');
    expect(r1!.metrics.duration).toBeCloseTo(30, 3);
    expect(r1!.score).toBeCloseTo(0.289859, 5);
    expect(multi!.score).toBeCloseTo(0.5, 9);
    // An empty predicted span contributes nothing (SPEC 4.2), to Time-R1's boundary factor either: same 0.289859.
    const withEmpty = await one({
      verifier: 'video.temporal_iou',
      response: '<answer>[(3, 3), (12.5, 17.3)]</answer>',
      reference: { span: [10, 15], duration: 30 },
      params: { variant: 'time_r1' },
    });
    expect(withEmpty.score).toBeCloseTo(0.289859, 6);
    expect(withEmpty.detail).toMatch(/adds no time/);
  });

  it('the VideoChat-R1 / Temporal-R1 forms all score the same', async () => {
    const forms = ['12.5-17.3', '12.5s - 17.3s', '00:12.5 – 00:17.3', '[12.5, 17.3]', '{"start_time": 12.5, "end_time": 17.3}', 'from 12.5 and 17.3'];
    const out = await verify(forms.map((f) => ({ verifier: 'video.temporal_iou', response: `<answer>${f}</answer>`, reference: { span: ['00:10', '00:15'] } })));
    for (const o of out) expect(o.score).toBeCloseTo(0.342466, 6);
  });

  it('threshold, clamping to the duration, reversed and empty spans', async () => {
    const [thr, clamped, reversed, empty, points, frames] = await verify([
      { verifier: 'video.temporal_iou', response: '12.5 to 17.3', reference: { span: [10, 15] }, params: { threshold: 0.3 } },
      // [25, 40] clamped to the 30 s video: [25, 30] vs [20, 30] → 5 / 10
      { verifier: 'video.temporal_iou', response: '25 to 40', reference: { span: [20, 30] }, media: [video(fx.thirty)] },
      { verifier: 'video.temporal_iou', response: '17.3 to 12.5', reference: { span: [10, 15] } },
      { verifier: 'video.temporal_iou', response: '12 to 12', reference: { span: [10, 15] } },
      { verifier: 'video.temporal_iou', response: '5 to 5', reference: { span: [5, 5] } },
      // frames 30..60 at 10 fps = [3, 6] vs [3, 9] → 0.5
      { verifier: 'video.temporal_iou', response: '30 to 60', reference: { span: [3, 9], fps: 10 }, params: { unit: 'frames' } },
    ]);
    expect(thr!.score).toBe(1);
    expect(clamped!.score).toBeCloseTo(0.5, 6);
    expect(clamped!.detail).toMatch(/clamped/);
    expect(reversed!.score).toBe(0);
    expect(reversed!.status).toBe('ok');
    expect(reversed!.detail).toMatch(/reversed/);
    expect(empty!.score).toBe(0);
    expect(empty!.detail).toMatch(/adds no time/);
    expect(points!.score).toBe(1);
    expect(frames!.score).toBeCloseTo(0.5, 9);
  });

  it('negative predicted times are clamped to 0; NaN and garbage score 0 with status ok', async () => {
    const [neg, nan, none] = await verify([
      { verifier: 'video.temporal_iou', response: '[-5, 5]', reference: { span: [0, 10] } },
      { verifier: 'video.temporal_iou', response: 'NaN to NaN', reference: { span: [0, 10] } },
      { verifier: 'video.temporal_iou', response: 'I cannot tell', reference: { span: [0, 10] } },
    ]);
    expect(neg!.score).toBeCloseTo(0.5, 9);
    expect(neg!.detail).toMatch(/clamped/);
    expect([nan!.score, nan!.status]).toEqual([0, 'ok']);
    expect([none!.score, none!.status]).toEqual([0, 'ok']);
  });

  it('bad references and params are invalid; a bad input video is invalid; the policy\'s own bad video scores 0', async () => {
    const out = await verify([
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [-1, 5] } },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [5, 1] } },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: ['NaN', 5] } },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: {} },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [0, 5] }, params: { variant: 'time_r1' } },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [0, 5] }, params: { threshold: 2 } },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [0, 5] }, media: [video(fx.truncated)] },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [0, 5] }, media: [video(fx.tenHours)] },
      { verifier: 'video.temporal_iou', response: '1 to 2', reference: { span: [0, 5] }, media: [video(fx.truncated, 'output')] },
    ]);
    expect(out.slice(0, 8).map((o) => o.status)).toEqual(Array(8).fill('invalid'));
    expect(out[0]!.detail).toMatch(/reference\.span/);
    expect(out[4]!.detail).toMatch(/time_r1/);
    expect(out[6]!.detail).toMatch(/media\[0\] is not a readable video/);
    expect(out[7]!.detail).toMatch(/36000/);
    expect(out[8]).toMatchObject({ status: 'ok', score: 0 });
    expect(out[8]!.detail).toMatch(/policy's video is unreadable/);
  });

  it('reads an inline (data_b64) video for the duration', async () => {
    const b64 = readFileSync(fx.thirty).toString('base64');
    const o = await one({
      verifier: 'video.temporal_iou',
      response: '20 to 45',
      reference: { span: [20, 30] },
      media: [{ kind: 'video', role: 'input', data_b64: b64, mime: 'video/mp4' }],
    });
    expect(o.score).toBeCloseTo(1, 3);
  });
});

describe('video.tracking over gRPC', () => {
  const frames = Object.fromEntries([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5].map((t) => [String(t), [0, 0, 10, 10]]));
  it('4 exact frames and 4 at [5,5,15,15]: (4 + 4 · 25/175) / 8 = 0.571429', async () => {
    const pred = Object.fromEntries([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5].map((t, i) => [String(t), i < 4 ? [0, 0, 10, 10] : [5, 5, 15, 15]]));
    const o = await one({ verifier: 'video.tracking', response: `<answer>${JSON.stringify(pred)}</answer>`, reference: { frames } });
    expect(o.status).toBe('ok');
    expect(o.score).toBeCloseTo(0.571429, 6);
  });

  it('missed frames count 0, extra frames are counted; text lines, frame numbers and normalized coords are read', async () => {
    const [missed, text, byFrame, norm] = await verify([
      { verifier: 'video.tracking', response: '{"0": [0,0,10,10], "0.5": [0,0,10,10], "9": [0,0,10,10]}', reference: { frames } },
      { verifier: 'video.tracking', response: '0.0: [0, 0, 10, 10]\n00:00.5 -> (0, 0, 10, 10)', reference: { frames: { '0': [0, 0, 10, 10], '0.5': [0, 0, 10, 10] } } },
      {
        verifier: 'video.tracking',
        response: '[{"frame": 0, "box": [0,0,10,10]}, {"frame": 5, "box": [0,0,10,10]}]',
        reference: { frames: { '0': [0, 0, 10, 10], '0.5': [0, 0, 10, 10] }, fps: 10 },
      },
      {
        verifier: 'video.tracking',
        response: '{"0": [0, 0, 0.5, 0.5]}',
        reference: { frames: { '0': [0, 0, 32, 24] } },
        params: { coords: 'normalized' },
        media: [video(fx.clip)],
      },
    ]);
    expect(missed!.score).toBeCloseTo(2 / 8, 9);
    expect(missed!.metrics).toMatchObject({ matched: 2, missed: 6, extra: 1 });
    expect(text!.score).toBeCloseTo(1, 9);
    expect(byFrame!.score).toBeCloseTo(1, 9);
    expect(norm!.score).toBeCloseTo(1, 9);
  });

  it('a bad reference box is invalid', async () => {
    const o = await one({ verifier: 'video.tracking', response: '{}', reference: { frames: { '0': [0, 0, 10] } } });
    expect(o.status).toBe('invalid');
  });
});

describe('video.mask_jf over gRPC', () => {
  function square(dx: number): { size: [number, number]; counts: string } {
    const bm = new Uint8Array(100 * 100);
    for (let y = 30; y < 70; y++) for (let x = 30 + dx; x < 70 + dx; x++) bm[y * 100 + x] = 1;
    const rle = rleEncode(bm, 100, 100);
    return { size: [100, 100], counts: rleToString(rle) };
  }
  it('J per frame as the issue gives (0.951220, 0.904762, 0.777778); F 1, 1, 0.5 by hand; score (J + F)/2', async () => {
    const reference = { frames: { '0': square(0), '1': square(0), '2': square(0) } };
    const pred = { '0': square(1), '1': square(2), '2': square(5) };
    const o = await one({ verifier: 'video.mask_jf', response: JSON.stringify(pred), reference });
    expect(o.status).toBe('ok');
    const js: number[] = o.metrics.j_per_frame;
    expect(js[0]).toBeCloseTo(0.95122, 6);
    expect(js[1]).toBeCloseTo(0.904762, 6);
    expect(js[2]).toBeCloseTo(0.777778, 6);
    expect(o.metrics.f_per_frame).toEqual([1, 1, 0.5]);
    const meanJ = (0.951219512 + 0.904761905 + 0.777777778) / 3;
    expect(o.score).toBeCloseTo((meanJ + 2.5 / 3) / 2, 6);
  });

  it('polygons rasterize like RLE; a missed frame is an empty mask; a wrong-size mask scores 0', async () => {
    const reference = { frames: { '0': square(0), '1': square(0) }, width: 100, height: 100 };
    const o = await one({
      verifier: 'video.mask_jf',
      response: JSON.stringify({ '0': { size: [50, 50], counts: [2500] } }),
      reference,
    });
    expect(o.score).toBe(0);
    expect(o.metrics).toMatchObject({ missed: 1, wrong_size: 1 });
    const both = await one({ verifier: 'video.mask_jf', response: '{"0": null}', reference: { frames: { '0': null }, width: 8, height: 8 } });
    expect(both.score).toBe(1);
  });

  it('an unreadable reference mask is invalid', async () => {
    const o = await one({ verifier: 'video.mask_jf', response: '{}', reference: { frames: { '0': { size: [10, 10], counts: [5] } } } });
    expect(o.status).toBe('invalid');
  });
});

describe('video.keyframes over gRPC', () => {
  it('precision, recall and F1 against evidence spans', async () => {
    // 3 predictions, 2 inside ([1,3] and [10,12]); spans hit 2 of 3 → P 2/3, R 2/3, F1 2/3.
    const o = await one({ verifier: 'video.keyframes', response: '<answer>2, 00:11, 30s</answer>', reference: { evidence: [[1, 3], [10, 12], [20, 25]] } });
    expect(o.score).toBeCloseTo(2 / 3, 9);
    expect(o.metrics).toMatchObject({ predicted: 3, spans: 3 });
    const frames = await one({ verifier: 'video.keyframes', response: '[5, 25]', reference: { evidence: [0, 1] }, params: { unit: 'frames' }, media: [video(fx.clip)] });
    // frames 5 and 25 at the clip's 10 fps are 0.5 s (inside) and 2.5 s (outside): P 1/2, R 1 → F1 2/3
    expect(frames.score).toBeCloseTo(2 / 3, 9);
    const none = await one({ verifier: 'video.keyframes', response: 'no idea', reference: { evidence: [[1, 2]] } });
    expect([none.score, none.status]).toEqual([0, 'ok']);
    const bad = await one({ verifier: 'video.keyframes', response: '1', reference: { evidence: [] } });
    expect(bad.status).toBe('invalid');
  });
  it('red team: copies of one right timestamp do not dilute a grid of guesses (timestamps in one span count once)', async () => {
    const evidence = [[10, 12], [40, 45], [80, 81]];
    const grid = Array.from({ length: 100 }, (_, i) => i).join(', ');
    // The grid 0..99: 11 inside (10, 11, 12, 40..45, 80, 81), 89 outside, all 3 spans hit → P 3/92, R 1.
    const f1 = (p: number, r: number): number => (2 * p * r) / (p + r);
    const [plain, diluted, several] = await Promise.all([
      one({ verifier: 'video.keyframes', response: grid, reference: { evidence } }),
      one({ verifier: 'video.keyframes', response: `${Array(1000).fill('11').join(', ')}, ${grid}`, reference: { evidence } }),
      one({ verifier: 'video.keyframes', response: '10.5, 11, 11.5, 41, 44', reference: { evidence } }),
    ]);
    expect(plain.score).toBeCloseTo(f1(3 / 92, 1), 9);
    expect(diluted.score).toBeCloseTo(f1(3 / 92, 1), 9); // was 0.96: 1011 of 1100 inside
    // Several frames of the same spans, none outside: P 2/2, R 2/3.
    expect(several.score).toBeCloseTo(f1(1, 2 / 3), 9);
  });
});
