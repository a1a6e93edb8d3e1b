// Benchmark: TEDS per pair against a plain recursive Zhang–Shasha in the same run and against the reference itself
// (PubTabNet's metric.py with apted, bench/lib/refs.ts; skipped when it is not built) on the same documents in the
// same run (`--rounds N`, `--full-500`, `--no-ocr`); then OCR images/s on 512×512 text images (CPU), the service's session
// options against onnxruntime's defaults (idle pool threads spinning) in the same run.
import os from 'node:os';
import sharp from 'sharp';
import { OcrEngine, cer, findTable, parseHtmlTableWithParse5, teds, type Table, type TableNode } from '@verimesh/ocr-table';
import { machineLine } from './lib/machine.js';
import { startRef } from './lib/refs.js';
import { cpuPerCallUs, selfCpuUs, sideBySide } from './lib/stats.js';

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
const cpuMs = (): number => selfCpuUs() / 1000;
/** Median CPU ms per call (bench/lib/stats.ts). */
const time = (fn: () => unknown, minMs = 300): number => cpuPerCallUs(fn, minMs) / 1000;

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(flag('--rounds') ?? 3);

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

say(machineLine());
say('');
say('## TEDS per pair (median CPU ms), ours vs a recursive object Zhang–Shasha (same run)');
say('');
say('| cells | nodes | TEDS ms | TEDS-S ms | parse+TEDS ms | parse+TEDS-S ms | baseline TEDS ms | baseline TEDS-S ms | speedup vs baseline (TEDS) | same value |');
say('|---|---|---|---|---|---|---|---|---|---|');
interface Case {
  cells: number;
  /** The same tables as whole documents (the reference reads body/table; ours finds the table either way). */
  predHtml: string;
  refHtml: string;
  pred: Table;
  ref: Table;
  ms: { teds: number; tedsS: number; endToEnd: number; endToEndS: number };
}
const parsed = (html: string): Table => findTable(html, 'pubtabnet')!;
// Ours first, for every size, then the baselines: the baseline's garbage must not be collected on our clock.
const cases: Case[] = sizes.map(([rows, cols]) => {
  const rand = rng(rows * 100 + cols);
  const refHtml = `<html><body>${tableHtml(rows, cols, rand, false)}</body></html>`;
  const predHtml = `<html><body>${tableHtml(rows, cols, rand, true)}</body></html>`;
  return { cells: rows * cols, predHtml, refHtml, pred: parsed(predHtml), ref: parsed(refHtml), ms: { teds: 0, tedsS: 0, endToEnd: 0, endToEndS: 0 } };
});
const ours = (c: Case, structureOnly: boolean, parse: boolean): (() => unknown) =>
  parse ? () => teds(parsed(c.predHtml), parsed(c.refHtml), structureOnly) : () => teds(c.pred, c.ref, structureOnly);
for (const c of cases) {
  c.ms.teds = time(ours(c, false, false), 1000);
  c.ms.tedsS = time(ours(c, true, false), 1000);
  c.ms.endToEnd = time(ours(c, false, true), 1000);
  c.ms.endToEndS = time(ours(c, true, true), 1000);
}
for (const { cells, pred, ref, ms } of cases) {
  const mine = teds(pred, ref);
  const mineS = teds(pred, ref, true);
  const bp = toB(pred.root, false), br = toB(ref.root, false);
  const bps = toB(pred.root, true), brs = toB(ref.root, true);
  const baseDist = baselineTed(bp, br);
  const baseDistS = baselineTed(bps, brs);
  const bMs = time(() => baselineTed(bp, br), 300);
  const bsMs = time(() => baselineTed(bps, brs), 300);
  const same = Math.abs(baseDist - mine.distance) < 1e-9 && Math.abs(baseDistS - mineS.distance) < 1e-9;
  say(
    `| ${cells} | ${pred.count}/${ref.count} | ${ms.teds.toFixed(3)} | ${ms.tedsS.toFixed(3)} | ${ms.endToEnd.toFixed(3)} | ${ms.endToEndS.toFixed(3)} | ${bMs.toFixed(2)} | ${bsMs.toFixed(2)} | ${(bMs / ms.teds).toFixed(1)}x | ${same ? `yes (TEDS ${mine.score.toFixed(6)})` : `NO (${baseDist} vs ${mine.distance})`} |`,
  );
}

// ---------- against PubTabNet's TEDS (lxml + APTED) on the same documents, in the same run ----------
say('');
say('## TEDS against the reference (PubTabNet src/metric.py + apted), same documents, same run');
say('');
const refProc = await startRef('teds');
if (typeof refProc === 'string') say(`- ${refProc}`);
else {
  say(`CPU ms per pair, medians of ${ROUNDS} interleaved rounds (full TEDS at 500 cells: one round of one call, \`--full-500\` to run it; it takes ~30 s a call); speed-up = reference / ours:`);
  say('');
  say('| cells | metric | ours, parse + TEDS ms | reference evaluate() ms | speed-up | ours, TEDS on parsed tables ms | reference APTED alone ms | speed-up | value ours / reference |');
  say('|---|---|---:|---:|---:|---:|---:|---:|---|');
  const goal: string[] = [];
  let allSame = true;
  for (const c of cases.filter((x) => x.cells >= 200)) {
    for (const structureOnly of [true, false]) {
      const heavy = !structureOnly && c.cells >= 500;
      if (heavy && !args.includes('--full-500')) continue;
      const rounds = structureOnly ? ROUNDS : 1;
      const req = { pred: c.predHtml, true: c.refHtml, structure_only: structureOnly, ms: structureOnly ? 300 : 1, samples: structureOnly ? 3 : 1 };
      const mine = teds(c.pred, c.ref, structureOnly);
      const e = await sideBySide(rounds, () => cpuPerCallUs(ours(c, structureOnly, true), 300) / 1000, async () => (await refProc.call<{ us: number; value: number }>({ op: 'evaluate', ...req })).us / 1000);
      const d = await sideBySide(rounds, () => cpuPerCallUs(ours(c, structureOnly, false), 300) / 1000, async () => (await refProc.call<{ us: number }>({ op: 'distance', ...req })).us / 1000);
      // TEDS-S again with parse5 parsing every document (no strict reader): the same-run baseline of the fast path.
      const p5 = structureOnly
        ? await sideBySide(rounds, () => cpuPerCallUs(() => teds(parseHtmlTableWithParse5(c.predHtml, 'pubtabnet')!, parseHtmlTableWithParse5(c.refHtml, 'pubtabnet')!, true), 300) / 1000, async () => (await refProc.call<{ us: number }>({ op: 'evaluate', ...req })).us / 1000)
        : undefined;
      const rv = await refProc.call<{ value: number }>({ op: 'evaluate', ...req, ms: 0, samples: 1 });
      const rd = await refProc.call<{ distance: number }>({ op: 'distance', ...req, ms: 0, samples: 1 });
      const sameTables = JSON.stringify([c.pred, c.ref]) === JSON.stringify([parseHtmlTableWithParse5(c.predHtml, 'pubtabnet'), parseHtmlTableWithParse5(c.refHtml, 'pubtabnet')]);
      const same = sameTables && Math.abs(rv.value - mine.raw) < 1e-9 && Math.abs(rd.distance - mine.distance) < 1e-9;
      allSame &&= same;
      const name = structureOnly ? 'TEDS-S' : 'TEDS';
      say(
        `| ${c.cells} | ${name} | ${e.ours.toFixed(3)} | ${e.ref.toFixed(1)} | **${(1 / e.ratio).toFixed(0)}x** | ${d.ours.toFixed(3)} | ${d.ref.toFixed(1)} | ${(1 / d.ratio).toFixed(0)}x | ${same ? `${mine.raw.toFixed(12)} = ${rv.value.toFixed(12)}` : `**NO**: ${mine.raw} vs ${rv.value} (distance ${mine.distance} vs ${rd.distance}${sameTables ? '' : '; the strict reader and parse5 gave different tables'})`} |`,
      );
      if (p5) say(`| ${c.cells} | TEDS-S, parse5 for every document | ${p5.ours.toFixed(3)} | ${p5.ref.toFixed(1)} | ${(1 / p5.ratio).toFixed(0)}x | – | – | – | (same tables) |`);
      if (structureOnly) goal.push(`${c.cells} cells ${(1 / e.ratio).toFixed(0)}x with parsing (${p5 ? (1 / p5.ratio).toFixed(0) : '?'}x with parse5 for every document), ${(1 / d.ratio).toFixed(0)}x without`);
    }
  }
  refProc.close();
  say('');
  say(`- TEDS-S vs the reference: ${goal.join('; ')} (target >= 100x at 200 and 500 cells); values ${allSame ? 'identical to 1e-9' : '**DIFFER**'}`);
  if (!allSame) process.exitCode = 1;
}

// ---------- OCR ----------
if (args.includes('--no-ocr')) {
  say('');
  say(machineLine());
  process.exit();
}
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
