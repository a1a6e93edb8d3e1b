// Vision benchmark: (a) vision.box_iou samples/s through a real gateway process and a real vision-iou process over
// loopback in 1,024-sample batches, against a same-run echo limit (the same messages through two echo processes doing
// no work); (b) mask IoU on 1000×1000 masks, RLE-direct against decode-to-pixels-then-count, and µs per pair.
// Run: npm run bench:vision. Figures go to bench/RESULTS.md.
import type { ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { createService, loadServiceConfig } from '@verimesh/vision-iou';
import type { Sample, VerifyItem } from '@verimesh/proto';
import { bboxToRle, polygonToRle, rleDecode, rleIou, rleStats, type Rle } from '@verimesh/geometry';
import { gatewayClient, score, verifierClient, verify } from './lib/grpc.js';
import { behindPromise, perItemUs } from './lib/inproc.js';
import { machineLine } from './lib/machine.js';
import { freePort, killOnExit, spawnNode, waitReady } from './lib/proc.js';
import { f0, f1, f2, interleaved, runCalls, type Run } from './lib/stats.js';

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
    children.push(spawnNode(['services/vision-iou/src/main.ts', '--host', '127.0.0.1', '--port', String(vPort), '--log-level', 'error']));
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

// ---------- (b) mask IoU ----------

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

function timePerCall(fn: () => number, minMs: number): { us: number; value: number } {
  let value = 0;
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let k = 0; k < 16; k++) value = fn();
    n += 16;
    t = performance.now();
  }
  return { us: ((t - t0) * 1000) / n, value };
}

function masks(): string[] {
  // Two 600×600 rectangles on 1000×1000 (1,201 runs each), the pycocotools reference case.
  const ra = bboxToRle([100, 100, 600, 600], 1000, 1000);
  const rb = bboxToRle([200, 250, 600, 600], 1000, 1000);
  // Two overlapping 96-gon discs (radius 300): curved boundaries, runs in every column they cover.
  const disc = (cx: number, cy: number): Rle =>
    polygonToRle(Array.from({ length: 96 }, (_, k) => [cx + 300 * Math.cos((2 * Math.PI * k) / 96), cy + 300 * Math.sin((2 * Math.PI * k) / 96)]).flat(), 1000, 1000);
  const da = disc(400, 450);
  const db = disc(560, 520);
  const rows: string[] = ['| masks (1000×1000) | runs | RLE-direct µs/pair | decode-then-count µs/pair | speed-up | IoU (both methods) |', '|---|---:|---:|---:|---:|---|'];
  const summary: string[] = [];
  for (const [name, a, b] of [['two rectangles', ra, rb], ['two polygon discs', da, db]] as Array<[string, Rle, Rle]>) {
    timePerCall(() => rleIou(a, b), 300); // warm-up
    timePerCall(() => decodeIou(a, b), 300);
    const direct = timePerCall(() => rleIou(a, b), 1500);
    const dec = timePerCall(() => decodeIou(a, b), 1500);
    const s = rleStats(a, b);
    if (Math.abs(direct.value - dec.value) > 1e-12 || Math.abs(direct.value - s.intersection / s.union) > 1e-12) throw new Error('methods disagree');
    rows.push(`| ${name} | ${a.counts.length} + ${b.counts.length} | ${f2(direct.us)} | ${f0(dec.us)} | ${f0(dec.us / direct.us)}x | ${direct.value.toFixed(6)} = ${dec.value.toFixed(6)} |`);
    if (name === 'two rectangles') summary.push(`- rectangles: ${f2(direct.us)} µs per pair vs pycocotools' ~17 µs on this machine (target <= 34 µs); RLE-direct ${f0(dec.us / direct.us)}x faster than decode-then-count (target >= 10x)`);
  }
  return [...rows, '', ...summary];
}

async function main(): Promise<void> {
  const rounds = Number(flag('--rounds') ?? 60);
  const out: string[] = [machineLine(), ''];
  if (!args.includes('--masks-only')) {
    out.push('## (a) vision.box_iou end to end', '', ...(await endToEnd(rounds)), '');
    out.push('## (a2) in process: synchronous verifier vs the same behind a promise', '', ...(await inProcess()), '');
  }
  out.push('## (b) mask IoU on run-length encodings', '', ...masks());
  process.stdout.write(out.join('\n') + '\n');
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
