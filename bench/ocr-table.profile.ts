// Temporary profiling of the OCR stages (deleted after use).
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { OcrEngine } from '@verimesh/ocr-table';
const WORDS = ['alpha', 'beta', '12.5', '3,400', 'total', 'net', 'Q1', 'n/a', '—', 'revenue', '0.07', 'margin'];
const fonts = ['DejaVu Sans', 'DejaVu Serif', 'Liberation Mono', 'Liberation Sans'];
const images: Array<{ data: Buffer; width: number; height: number }> = [];
for (let k = 0; k < 4; k++) {
  const text = Array.from({ length: 8 }, (_, i) => `<text x="24" y="${56 + i * 58}" font-family="${fonts[k]}" font-size="26" fill="#111">Line ${i + 1}: ${WORDS[(i + k) % WORDS.length]} ${WORDS[(i * 3 + k) % WORDS.length]} ${1000 + i * 37}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#fff' }).raw().toBuffer({ resolveWithObject: true });
  images.push({ data, width: info.width, height: info.height });
}
const threads = Number(process.env.T ?? 0);
const engine = await OcrEngine.create({ providers: ['cpu'], threads });
const e = engine as any;
// wrap runs for timing
const stat: Record<string, number> = {};
const wrap = (obj: any, name: string, label: string) => {
  const orig = obj[name].bind(obj);
  obj[name] = async (...a: any[]) => { const t = performance.now(); const r = await orig(...a); stat[label] = (stat[label] ?? 0) + performance.now() - t; return r; };
};
wrap(e.det, 'run', 'det.run');
wrap(e.rec, 'run', 'rec.run');
wrap(e, 'detect', 'detect total');
wrap(e, 'read', 'read total');
for (let i = 0; i < 2; i++) await engine.recognize(images[i]!);
for (const k of Object.keys(stat)) stat[k] = 0;
const n = Number(process.env.N ?? 8);
const t0 = performance.now();
const c0 = process.cpuUsage();
let txt = '';
for (let i = 0; i < n; i++) txt = (await engine.recognize(images[i % 4]!)).text;
const wall = performance.now() - t0;
const cu = process.cpuUsage(c0);
console.log(`threads=${threads} wall/img ${(wall / n).toFixed(0)} ms, cpu/img ${((cu.user + cu.system) / 1000 / n).toFixed(0)} ms`);
for (const [k, v] of Object.entries(stat)) console.log(k, (v / n).toFixed(1), 'ms/img');
console.log(JSON.stringify(txt));
await engine.close();
