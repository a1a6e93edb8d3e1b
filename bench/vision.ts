// Vision benchmark: (a) vision.box_iou samples/s through a real gateway process and a real vision-iou process over
// loopback in 1,024-sample batches, against a same-run echo limit (the same messages through two echo processes doing
// no work); (b) mask IoU on 1000×1000 masks, RLE-direct against decode-to-pixels-then-count, and IoU, encode and
// polygons against pycocotools on the same inputs in the same run (bench/lib/refs.ts; skipped when it is not built).
// Run: npm run bench:vision (--masks-only for part b, --mask-rounds N). Figures go to bench/RESULTS.md.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createService, loadServiceConfig } from '@verimesh/vision-iou';
import type { Sample, VerifyItem } from '@verimesh/proto';
import { bboxToRle, parseRle, polygonToRle, rleDecode, rleEncode, rleIou, rleStats, rleToString, type Rle } from '@verimesh/geometry';
import { gatewayClient, score, verifierClient, verify } from './lib/grpc.js';
import { behindPromise, perItemUs } from './lib/inproc.js';
import { machineLine } from './lib/machine.js';
import { freePort, killOnExit, spawnNode, waitReady } from './lib/proc.js';
import { refsDir, startRef } from './lib/refs.js';
import { cpuPerCallUs, f0, f1, f2, interleaved, runCalls, sideBySide, type Run } from './lib/stats.js';

const BATCH = 1024;
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

// ---------- samples ----------

/** Qwen2.5-VL-style answers with a little reasoning, one reference box each. */
function makeSamples(n: number, prefix: string): Sample[] {
  return Array.from({ length: n }, (_, i) => {
    const x = (i * 7) % 500;
    const y = (i * 13) % 400;
    return {
      id: `${prefix}-${i}`,
      group: `g${i >> 3}`,
      response: `<think>The red cup is on the left of the table, near the plate.</think><answer>[{"bbox_2d": [${x + (i % 5)}, ${y + 2}, ${x + 96}, ${y + 120}], "label": "cup"}]</answer>`,
      reference_json: `{"box":[${x},${y},${x + 100},${y + 118}]}`,
      reward: { components: [{ name: 'iou', verifier: 'vision.box_iou', weight: 1 }], combine: 'sum' },
    };
  });
}
function toItems(samples: Sample[]): VerifyItem[] {
  return samples.map((s, i) => ({ key: String(i), verifier: 'vision.box_iou', response: s.response, reference_json: s.reference_json, params_json: '' }));
}

// ---------- (a) end to end ----------

async function endToEnd(rounds: number): Promise<string[]> {
  const children: ChildProcess[] = [];
  const cleanup = killOnExit(children);
  try {
    const [vPort, gPort, evPort, egPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    children.push(spawnNode(['services/vision-iou/src/main.ts', '--host', '127.0.0.1', '--port', String(vPort), '--metrics-port', '0', '--log-level', 'error']));
    children.push(spawnNode(['services/gateway/src/main.ts', '--host', '127.0.0.1', '--port', String(gPort), '--http-port', '0', '--services', `vision-iou=127.0.0.1:${vPort}`, '--log-level', 'error']));
    children.push(spawnNode(['bench/lib/echo.ts', '--echo-verifier', '--port', String(evPort)]));
    children.push(spawnNode(['bench/lib/echo.ts', '--echo-gateway', '--port', String(egPort), '--target', `127.0.0.1:${evPort}`]));
    const gw = gatewayClient(gPort);
    const eg = gatewayClient(egPort);
    const vs = verifierClient(vPort);
    const ev = verifierClient(evPort);
    const probe = makeSamples(1, 'probe');
    await waitReady(() => score(gw, probe).then((r) => {
      if (r.results![0]!.status !== 'RESULT_STATUS_OK') throw new Error(`gateway not ready: ${JSON.stringify(r.results![0])}`);
    }));
    await waitReady(() => score(eg, probe));
    await waitReady(() => verify(vs, toItems(probe)));
    await waitReady(() => verify(ev, toItems(probe)));

    const batches = [makeSamples(BATCH, 'a'), makeSamples(BATCH, 'b')];
    const items = batches.map(toItems);
    // Correctness once: every sample ok with the expected IoU.
    const check = await score(gw, batches[0]!);
    const bad = check.results!.filter((r) => r.status !== 'RESULT_STATUS_OK' || !(Number(r.reward) > 0.8));
    if (bad.length) throw new Error(`unexpected results: ${JSON.stringify(bad[0])}`);

    const viaGw = (k: number): Promise<void> => score(gw, batches[k]!).then(() => undefined);
    const viaEcho = (k: number): Promise<void> => score(eg, batches[k]!).then(() => undefined);
    const direct = (k: number): Promise<void> => verify(vs, items[k]!).then(() => undefined);
    const directEcho = (k: number): Promise<void> => verify(ev, items[k]!).then(() => undefined);
    // Warm-up (JIT, channels, caches).
    await runCalls(10, 1, viaGw);
    await runCalls(10, 1, viaEcho);
    await runCalls(10, 1, direct);
    await runCalls(10, 1, directEcho);

    const res: Array<[string, Run]> = [];
    for (const inFlight of [1, 2]) {
      const [g, e] = (await interleaved(rounds, inFlight, [viaGw, viaEcho])) as [Run, Run];
      res.push([`gateway → vision-iou, ${inFlight} batch${inFlight > 1 ? 'es' : ''} in flight`, g]);
      res.push([`echo gateway → echo verifier, ${inFlight} in flight`, e]);
    }
    const [d, de] = (await interleaved(rounds, 2, [direct, directEcho])) as [Run, Run];
    res.push(['client → vision-iou VerifyBatch (one hop), 2 in flight', d]);
    res.push(['client → echo verifier (one hop), 2 in flight', de]);
    gw.close();
    eg.close();
    vs.close();
    ev.close();
    const get = (prefix: string): Run => res.find(([k]) => k.startsWith(prefix))![1];
    const g1 = get('gateway → vision-iou, 1');
    const g2 = get('gateway → vision-iou, 2');
    const e1 = get('echo gateway → echo verifier, 1');
    const e2 = get('echo gateway → echo verifier, 2');
    return [
      '| path (1,024-sample batches) | samples/s | p50 batch ms | p99 batch ms |',
      '|---|---:|---:|---:|',
      ...res.map(([k, r]) => `| ${k} | ${f0(r.samplesPerSec)} | ${f1(r.p50)} | ${f1(r.p99)} |`),
      '',
      `- gateway → vision-iou vs echo limit: ${f0((100 * g1.samplesPerSec) / e1.samplesPerSec)}% with 1 batch in flight, ${f0((100 * g2.samplesPerSec) / e2.samplesPerSec)}% with 2 (target >= 50%)`,
      `- best end-to-end throughput: ${f0(Math.max(g1.samplesPerSec, g2.samplesPerSec))} samples/s (target >= 20,000)`,
    ];
  } finally {
    cleanup();
  }
}

// ---------- (a2) in process: what answering synchronously saves ----------

/** PNG masks (64×64, a disc) as output images: the path where items wait (sharp decodes off the main thread). */
async function maskItems(n: number): Promise<VerifyItem[]> {
  const raw = Buffer.alloc(64 * 64);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) raw[y * 64 + x] = (x - 32) ** 2 + (y - 30) ** 2 < 400 ? 255 : 0;
  const png = (await sharp(raw, { raw: { width: 64, height: 64, channels: 1 } }).png().toBuffer()).toString('base64');
  const reference_json = JSON.stringify({ mask: polygonToRle([12, 10, 52, 10, 52, 50, 12, 50], 64, 64) });
  return Array.from({ length: n }, (_, i) => ({
    key: String(i), verifier: 'vision.mask_iou', response: '', reference_json, params_json: '',
    media: [{ kind: 'image', role: 'output', data_b64: png }],
  }));
}

async function inProcess(): Promise<string[]> {
  const service = createService(loadServiceConfig({ env: {} }));
  const [sync, promised] = (await perItemUs([service, behindPromise(service)], toItems(makeSamples(BATCH, 'p')))) as [number, number];
  const lanes = [8, 64];
  const masks = await maskItems(256);
  const laneUs = await perItemUs(lanes.map((c) => createService(loadServiceConfig({ env: { VERIMESH_VISION_IOU_CONCURRENCY: String(c) } }))), masks, 5);
  return [
    '| vision.box_iou through runBatch, 1,024 items | µs per item | items/s |',
    '|---|---:|---:|',
    `| synchronous (as served) | ${f2(sync)} | ${f0(1e6 / sync)} |`,
    `| the same verifier behind a promise (before) | ${f2(promised)} | ${f0(1e6 / promised)} |`,
    '',
    `- answering synchronously saves ${f2(promised - sync)} µs per item (${f0((100 * (promised - sync)) / promised)}%)`,
    '',
    '| vision.mask_iou from 64×64 PNG output images, 256 items (items wait for sharp) | µs per item |',
    '|---|---:|',
    ...lanes.map((c, i) => `| --concurrency ${c} | ${f2(laneUs[i]!)} |`),
  ];
}

// ---------- (b) mask IoU, encode and polygons, against pycocotools in the same run ----------

/** The baseline: decode both masks to pixels and count. */
function decodeIou(a: Rle, b: Rle): number {
  const da = rleDecode(a, 'column');
  const db = rleDecode(b, 'column');
  let i = 0;
  let u = 0;
  for (let k = 0; k < da.length; k++) {
    const x = da[k] as number;
    const y = db[k] as number;
    i += x & y;
    u += x | y;
  }
  return u === 0 ? 1 : i / u;
}

const H = 1000;
const W = 1000;
const K = 8; // batched case: K predictions × K references

/** A regular polygon as COCO's flat list. */
const ngon = (cx: number, cy: number, r: number, n = 96): number[] =>
  Array.from({ length: n }, (_, k) => [cx + r * Math.cos((2 * Math.PI * k) / n), cy + r * Math.sin((2 * Math.PI * k) / n)]).flat();

/** A disc with a fraction of its pixels flipped (a noisy predicted mask: tens of thousands of runs), column-major. */
function noisyDisc(cx: number, cy: number, r: number, flip: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const bm = new Uint8Array(H * W);
  for (let x = 0; x < W; x++) for (let y = 0; y < H; y++) bm[x * H + y] = ((x - cx) ** 2 + (y - cy) ** 2 < r * r ? 1 : 0) ^ (rand() < flip ? 1 : 0);
  return bm;
}

interface MaskCase {
  name: string;
  /** K prediction and K reference masks; the one-pair case uses the first of each. */
  dt: Rle[];
  gt: Rle[];
  /** A column-major bitmap to encode (pycocotools takes Fortran order) and a polygon list to rasterize, if any. */
  bitmap: Uint8Array;
  polys?: number[][];
}

function maskCases(): MaskCase[] {
  const shift = (k: number): number => 7 * k;
  const rects = (x: number, y: number): Rle[] => Array.from({ length: K }, (_, k) => bboxToRle([x + shift(k), y + shift(k) / 2, 600, 600], H, W));
  const discs = (x: number, y: number): Rle[] => Array.from({ length: K }, (_, k) => polygonToRle(ngon(x + shift(k), y, 300), H, W));
  const noisy = (x: number, y: number, seed: number): Uint8Array[] => Array.from({ length: K }, (_, k) => noisyDisc(x + shift(k), y, 300, 0.02, seed + k));
  const noisyDt = noisy(400, 450, 1);
  const noisyGt = noisy(560, 520, 100);
  const col = (bm: Uint8Array): Rle => rleEncode(bm, H, W, 'column');
  return [
    { name: 'two 600×600 rectangles (frBbox)', dt: rects(100, 100), gt: rects(200, 250), bitmap: rleDecode(bboxToRle([100, 100, 600, 600], H, W), 'column') },
    { name: 'two 96-gon discs, radius 300 (frPoly)', dt: discs(400, 450), gt: discs(560, 520), bitmap: rleDecode(polygonToRle(ngon(400, 450, 300), H, W), 'column'), polys: [ngon(400, 450, 300)] },
    { name: 'two noisy discs (2% of pixels flipped)', dt: noisyDt.map(col), gt: noisyGt.map(col), bitmap: noisyDt[0]! },
  ];
}

const json = (r: Rle): { size: [number, number]; counts: string } => ({ size: r.size, counts: rleToString(r) });

async function masks(rounds: number): Promise<string[]> {
  const cases = maskCases();
  const out: string[] = [];
  // RLE-direct against decode-then-count (ours both), as before.
  out.push('| masks (1000×1000) | runs | RLE-direct µs/pair | decode-then-count µs/pair | speed-up | IoU (both methods) |', '|---|---:|---:|---:|---:|---|');
  for (const c of cases) {
    const a = c.dt[0]!;
    const b = c.gt[0]!;
    const direct = cpuPerCallUs(() => rleIou(a, b), 300);
    const dec = cpuPerCallUs(() => decodeIou(a, b), 300);
    const s = rleStats(a, b);
    const v = rleIou(a, b);
    if (Math.abs(v - decodeIou(a, b)) > 1e-12 || v !== s.intersection / s.union) throw new Error('methods disagree');
    out.push(`| ${c.name} | ${a.counts.length} + ${b.counts.length} | ${f2(direct)} | ${f0(dec)} | ${f0(dec / direct)}x | ${v.toFixed(6)} |`);
  }
  out.push('');
  const ref = await startRef('pycocotools');
  if (typeof ref === 'string') return [...out, `- ${ref}`];
  const dir = mkdtempSync(join(tmpdir(), 'verimesh-bench-'));
  try {
    out.push(
      `Against pycocotools (${refsDir()}/cocoapi, its C through its Python API), same inputs, CPU µs, medians of ${rounds} interleaved rounds; ratio = ours / pycocotools (≤ 1 is as fast or faster):`,
      '',
      '| masks (1000×1000) | operation | ours µs | pycocotools µs | ratio | same values |',
      '|---|---|---:|---:|---:|---|',
    );
    const worst = { iou: 0, encode: 0 };
    for (const c of cases) {
      const dtJ = c.dt.map(json);
      const gtJ = c.gt.map(json);
      // Batched: iou(dt, gt) from compressed strings, as COCOeval calls it: K + K decodes and K·K IoUs, per pair.
      const batched = (): number => {
        const d = dtJ.map(parseRle);
        const g = gtJ.map(parseRle);
        let x = 0;
        for (const p of d) for (const q of g) x += rleIou(p, q);
        return x;
      };
      const refB = await ref.call<{ us: number; iou: number[][] }>({ op: 'iou', dt: dtJ, gt: gtJ, ms: 10 });
      const sameB = c.dt.every((p, i) => c.gt.every((q, j) => rleIou(p, q) === refB.iou[i]![j]));
      const b = await sideBySide(rounds, () => cpuPerCallUs(batched, 300) / (K * K), async () => (await ref.call<{ us: number }>({ op: 'iou', dt: dtJ, gt: gtJ, ms: 300 })).us);
      // One pair from its two compressed strings (the vision.mask_iou case).
      const one = (): number => rleIou(parseRle(dtJ[0]), parseRle(gtJ[0]));
      const o = await sideBySide(rounds, () => cpuPerCallUs(one, 300), async () => (await ref.call<{ us: number }>({ op: 'iou', dt: [dtJ[0]], gt: [gtJ[0]], ms: 300 })).us);
      // Encode a column-major bitmap to the compressed string (pycocotools' encode returns strings).
      const path = join(dir, 'bitmap.u8');
      writeFileSync(path, c.bitmap);
      const enc = (): string => rleToString(rleEncode(c.bitmap, H, W, 'column'));
      const refE = await ref.call<{ us: number; counts: string }>({ op: 'encode', path, h: H, w: W, ms: 10 });
      const e = await sideBySide(rounds, () => cpuPerCallUs(enc, 300), async () => (await ref.call<{ us: number }>({ op: 'encode', path, h: H, w: W, ms: 300 })).us);
      const runs = c.dt[0]!.counts.length;
      out.push(`| ${c.name} | iou, batched ${K}×${K} from strings, per pair | ${f2(b.ours)} | ${f2(b.ref)} | ${f2(b.ratio)} | ${sameB ? 'yes' : '**NO**'} |`);
      out.push(`| ${c.name} | iou, one pair from strings | ${f2(o.ours)} | ${f2(o.ref)} | ${f2(o.ratio)} | ${sameB ? 'yes' : '**NO**'} |`);
      out.push(`| ${c.name} | encode (${f0(runs)} runs) | ${f1(e.ours)} | ${f1(e.ref)} | ${f2(e.ratio)} | ${enc() === refE.counts ? 'yes' : '**NO**'} |`);
      worst.iou = Math.max(worst.iou, b.ratio, o.ratio);
      worst.encode = Math.max(worst.encode, e.ratio);
      if (c.polys) {
        const polys = c.polys;
        const poly = (): string => rleToString(polygonToRle(polys, H, W));
        const refP = await ref.call<{ us: number; counts: string }>({ op: 'polygon', polys, h: H, w: W, ms: 10 });
        const p = await sideBySide(rounds, () => cpuPerCallUs(poly, 300), async () => (await ref.call<{ us: number }>({ op: 'polygon', polys, h: H, w: W, ms: 300 })).us);
        out.push(`| ${c.name} | polygon → compressed RLE (frPyObjects) | ${f1(p.ours)} | ${f1(p.ref)} | ${f2(p.ratio)} | ${poly() === refP.counts ? 'yes' : '**NO**'} |`);
      }
    }
    out.push('', `- worst ratio: mask IoU ${f2(worst.iou)}x pycocotools per pair (target <= 1.2x), encode ${f2(worst.encode)}x (target <= 1.5x)`);
  } finally {
    ref.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = Number(flag('--rounds') ?? 60);
  const out: string[] = [machineLine(), ''];
  if (!args.includes('--masks-only')) {
    out.push('## (a) vision.box_iou end to end', '', ...(await endToEnd(rounds)), '');
    out.push('## (a2) in process: synchronous verifier vs the same behind a promise', '', ...(await inProcess()), '');
  }
  out.push('## (b) mask IoU on run-length encodings', '', ...(await masks(Number(flag('--mask-rounds') ?? 5))), '', machineLine());
  process.stdout.write(out.join('\n') + '\n');
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
