// Benchmark: TEDS per pair (typed-array Zhang–Shasha) against a plain recursive Zhang–Shasha in the same run and
// against the reference's published timings; then OCR images/s on 512×512 text images (CPU), the service's session
// options against onnxruntime's defaults (idle pool threads spinning) in the same run.
import os from 'node:os';
import sharp from 'sharp';
import { OcrEngine, cer, findTable, teds, type Table, type TableNode } from '@verimesh/ocr-table';
import { machineLine } from './lib/machine.js';

// ---------- data ----------
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const WORDS = ['alpha', 'beta', '12.5', '3,400', 'total', 'net', 'Q1', 'n/a', '—', 'revenue', '0.07', 'margin'];

function tableHtml(rows: number, cols: number, rand: () => number, perturb: boolean): string {
  let out = '<table><thead><tr>';
  for (let c = 0; c < cols; c++) out += `<th>H${c}</th>`;
  out += '</tr></thead><tbody>';
  for (let r = 1; r < rows; r++) {
    out += '<tr>';
    for (let c = 0; c < cols; c++) {
      let text = `${WORDS[(r * 7 + c * 3) % WORDS.length]} ${r}.${c}`;
      if (perturb && rand() < 0.15) text = text.slice(0, -1) + 'x';
      if (perturb && rand() < 0.03 && c + 1 < cols) {
        out += `<td colspan="2">${text}</td>`;
        c++;
        continue;
      }
      out += `<td>${text}</td>`;
    }
    out += '</tr>';
  }
  return `${out}</tbody></table>`;
}

// ---------- baseline: a straightforward recursive Zhang–Shasha on objects ----------
interface BNode {
  tag: string;
  colspan: number;
  rowspan: number;
  tokens: string[];
  kids: BNode[];
}
const toB = (n: TableNode, structureOnly: boolean): BNode => ({ tag: n.tag, colspan: n.colspan, rowspan: n.rowspan, tokens: structureOnly ? [] : (n.tokens ?? []), kids: n.children.map((c) => toB(c, structureOnly)) });

function levTokens(a: string[], b: string[]): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}
function baselineRename(a: BNode, b: BNode): number {
  if (a.tag !== b.tag || a.colspan !== b.colspan || a.rowspan !== b.rowspan) return 1;
  if (a.tag === 'td' && (a.tokens.length || b.tokens.length)) return levTokens(a.tokens, b.tokens) / Math.max(a.tokens.length, b.tokens.length);
  return 0;
}
function baselineTed(t1: BNode, t2: BNode): number {
  const post = (root: BNode): { nodes: BNode[]; l: number[] } => {
    const nodes: BNode[] = [];
    const l: number[] = [];
    const walk = (n: BNode): number => {
      let first = -1;
      for (const k of n.kids) {
        const lk = walk(k);
        if (first < 0) first = lk;
      }
      nodes.push(n);
      const me = nodes.length - 1;
      l.push(first < 0 ? me : first);
      return l[me]!;
    };
    walk(root);
    return { nodes, l };
  };
  const A = post(t1);
  const B = post(t2);
  const keyroots = (l: number[]): number[] => {
    const kr: number[] = [];
    for (let i = 0; i < l.length; i++) if (!l.slice(i + 1).includes(l[i]!)) kr.push(i);
    return kr;
  };
  const td: number[][] = A.nodes.map(() => B.nodes.map(() => 0));
  for (const i of keyroots(A.l)) {
    for (const j of keyroots(B.l)) {
      const li = A.l[i]!, lj = B.l[j]!;
      const fd: number[][] = [];
      for (let x = 0; x <= i - li + 1; x++) fd.push(new Array(j - lj + 2).fill(0));
      for (let x = 1; x <= i - li + 1; x++) fd[x]![0] = fd[x - 1]![0]! + 1;
      for (let y = 1; y <= j - lj + 1; y++) fd[0]![y] = fd[0]![y - 1]! + 1;
      for (let x = 1; x <= i - li + 1; x++) {
        for (let y = 1; y <= j - lj + 1; y++) {
          const i1 = li + x - 1, j1 = lj + y - 1;
          if (A.l[i1] === li && B.l[j1] === lj) {
            fd[x]![y] = Math.min(fd[x - 1]![y]! + 1, fd[x]![y - 1]! + 1, fd[x - 1]![y - 1]! + baselineRename(A.nodes[i1]!, B.nodes[j1]!));
            td[i1]![j1] = fd[x]![y]!;
          } else {
            fd[x]![y] = Math.min(fd[x - 1]![y]! + 1, fd[x]![y - 1]! + 1, fd[A.l[i1]! - li]![B.l[j1]! - lj]! + td[i1]![j1]!);
          }
        }
      }
    }
  }
  return td[A.nodes.length - 1]![B.nodes.length - 1]!;
}

/** CPU milliseconds of this process (user + system): unlike wall time, not inflated while other processes run. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Median CPU ms per call: samples of k calls (k chosen so that a sample takes ≥ 20 ms), median over the samples.
 * CPU time is used because the build machine is shared; single-threaded code's CPU time is its run time.
 */
function time(fn: () => void, minMs = 300, minRuns = 3): number {
  for (let w = 0; w < 3; w++) fn();
  let k = 1;
  for (;;) {
    const t = cpuMs();
    for (let i = 0; i < k; i++) fn();
    if (cpuMs() - t >= 20 || k >= 1 << 16) break;
    k *= 2;
  }
  const samples: number[] = [];
  const t0 = cpuMs();
  while (samples.length < Math.max(minRuns, 5) || (cpuMs() - t0 < minMs && samples.length < 50)) {
    const t = cpuMs();
    for (let i = 0; i < k; i++) fn();
    samples.push((cpuMs() - t) / k);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

// Reference figures from the issue: pure-Python APTED (PubTabNet metric.py), structure only, on this machine.
const REFERENCE_MS: Record<number, number> = { 200: 500, 500: 5000 };

const sizes: Array<[number, number]> = [
  [5, 5],
  [10, 10],
  [10, 20],
  [20, 25],
];
const lines: string[] = [];
const say = (s = ''): void => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};

say('## TEDS per pair (median CPU ms), typed-array Zhang–Shasha vs a recursive object Zhang–Shasha (same run)');
say('');
say('| cells | nodes | TEDS ms | TEDS-S ms | parse+TEDS ms | baseline TEDS ms | baseline TEDS-S ms | speedup vs baseline (TEDS) | reference TEDS-S ms | speedup vs reference (TEDS-S) | same value |');
say('|---|---|---|---|---|---|---|---|---|---|---|');
interface Case {
  cells: number;
  predHtml: string;
  refHtml: string;
  pred: Table;
  ref: Table;
  ms: { teds: number; tedsS: number; endToEnd: number };
}
// Ours first, for every size, then the baselines: the baseline's garbage must not be collected on our clock.
const cases: Case[] = sizes.map(([rows, cols]) => {
  const rand = rng(rows * 100 + cols);
  const refHtml = tableHtml(rows, cols, rand, false);
  const predHtml = tableHtml(rows, cols, rand, true);
  return { cells: rows * cols, predHtml, refHtml, pred: findTable(predHtml, 'pubtabnet')!, ref: findTable(refHtml, 'pubtabnet')!, ms: { teds: 0, tedsS: 0, endToEnd: 0 } };
});
for (const c of cases) {
  c.ms.teds = time(() => teds(c.pred, c.ref), 1000, 20);
  c.ms.tedsS = time(() => teds(c.pred, c.ref, true), 1000, 20);
  c.ms.endToEnd = time(() => teds(findTable(c.predHtml, 'pubtabnet')!, findTable(c.refHtml, 'pubtabnet')!), 1000, 20);
}
for (const { cells, pred, ref, ms } of cases) {
  const ours = teds(pred, ref);
  const oursS = teds(pred, ref, true);
  const bp = toB(pred.root, false), br = toB(ref.root, false);
  const bps = toB(pred.root, true), brs = toB(ref.root, true);
  const baseDist = baselineTed(bp, br);
  const baseDistS = baselineTed(bps, brs);
  const bMs = time(() => baselineTed(bp, br), 300, 1);
  const bsMs = time(() => baselineTed(bps, brs), 300, 1);
  const same = Math.abs(baseDist - ours.distance) < 1e-9 && Math.abs(baseDistS - oursS.distance) < 1e-9;
  const refMs = REFERENCE_MS[cells];
  say(
    `| ${cells} | ${pred.count}/${ref.count} | ${ms.teds.toFixed(3)} | ${ms.tedsS.toFixed(3)} | ${ms.endToEnd.toFixed(3)} | ${bMs.toFixed(2)} | ${bsMs.toFixed(2)} | ${(bMs / ms.teds).toFixed(1)}x | ${refMs ?? '–'} | ${refMs ? `${Math.round(refMs / ms.tedsS)}x` : '–'} | ${same ? `yes (TEDS ${ours.score.toFixed(6)})` : `NO (${baseDist} vs ${ours.distance})`} |`,
  );
}

// ---------- OCR ----------
say('');
say('## OCR, 512×512 text images, CPU (PP-OCRv4 det + rec, onnxruntime-node)');
const images: Array<{ data: Buffer; width: number; height: number }> = [];
const truths: string[] = [];
const fonts = ['DejaVu Sans', 'DejaVu Serif', 'Liberation Mono', 'Liberation Sans'];
for (let k = 0; k < 4; k++) {
  const lines = Array.from({ length: 8 }, (_, i) => `Line ${i + 1}: ${WORDS[(i + k) % WORDS.length]} ${WORDS[(i * 3 + k) % WORDS.length]} ${1000 + i * 37}`);
  truths.push(lines.join(' '));
  const text = lines.map((l, i) => `<text x="24" y="${56 + i * 58}" font-family="${fonts[k]}" font-size="26" fill="#111">${l}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#fff' }).raw().toBuffer({ resolveWithObject: true });
  images.push({ data, width: info.width, height: info.height });
}
/**
 * images/s of one engine: one image per call, then 4 per call (the service's path for concurrent items: their text
 * lines share recognition batches). Wall time and CPU time of the process (all onnxruntime threads).
 */
async function ocrRun(label: string, allowSpinning: boolean): Promise<void> {
  const t0 = performance.now();
  const engine = await OcrEngine.create({ providers: ['cpu'], allowSpinning });
  const loadMs = performance.now() - t0;
  await engine.recognize(images[0]!);
  const n = 12;
  const t1 = performance.now();
  const c1 = cpuMs();
  let chars = 0;
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const read = (await engine.recognize(images[i % images.length]!)).text.replace(/\s+/g, ' ');
    chars += read.length;
    errors += cer(read, truths[i % images.length]!);
  }
  const one = { wall: (performance.now() - t1) / n, cpu: (cpuMs() - c1) / n };
  const t2 = performance.now();
  const c2 = cpuMs();
  for (let i = 0; i < n; i += 4) await engine.recognizeMany(images);
  const four = { wall: (performance.now() - t2) / n, cpu: (cpuMs() - c2) / n };
  await engine.close();
  const row = (mode: string, r: { wall: number; cpu: number }): string =>
    `| ${label} | ${mode} | ${(1000 / r.wall).toFixed(2)} | ${r.wall.toFixed(0)} | ${r.cpu.toFixed(0)} | ${(1000 / r.cpu).toFixed(2)} |`;
  say(row('1 image per call', one));
  say(row('4 images per call', four));
  say(`|  | (model load ${loadMs.toFixed(0)} ms, ${Math.round(chars / n)} characters read per image at mean CER ${((100 * errors) / n).toFixed(2)}%, load average ${os.loadavg()[0]!.toFixed(1)}) | | | | |`);
}
say('');
say('| sessions | mode | images/s (wall) | wall ms/image | CPU ms/image | images/s per CPU-s |');
say('|---|---|---|---|---|---|');
await ocrRun('ours (spinning off)', false);
await ocrRun('baseline: onnxruntime default (spinning on)', true);
await ocrRun('ours (spinning off), again', false);
say('');
say(machineLine());
