// The ocr-table service over real gRPC: every verifier, bad tables and images, and OCR of rendered text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { ffmpegPath } from '@verimesh/media';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { createService, loadServiceConfig } from '../src/index.js';
import { pngHeaderOnly } from '@verimesh/media/testing';
import { editDistance } from '../testing/index.js';

let srv: RunningServer;
let client: VerifierServiceClient;
beforeAll(async () => {
  srv = await serve(createService(loadServiceConfig({ env: { VERIMESH_OCR_TABLE_ORT_THREADS: '1' } })), { host: '127.0.0.1', port: 0, log: noopLogger });
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  client = new Ctor(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(2000);
});

interface Item {
  key: string;
  verifier: string;
  response?: string;
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

async function verify(items: Item[], timeoutMs = 30_000): Promise<Record<string, Out>> {
  const res = await new Promise<any>((resolve, reject) =>
    client.VerifyBatch(
      {
        items: items.map((i) => ({
          key: i.key,
          verifier: i.verifier,
          response: i.response ?? '',
          reference_json: JSON.stringify(i.reference ?? {}),
          params_json: JSON.stringify(i.params ?? {}),
          media: i.media ?? [],
        })),
      },
      { deadline: Date.now() + timeoutMs },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );
  return Object.fromEntries(
    res.results.map((r: any) => [r.key, { score: r.result.score, status: r.result.status.replace('COMPONENT_STATUS_', '').toLowerCase(), detail: r.result.detail, metrics: r.result.metrics_json ? JSON.parse(r.result.metrics_json) : {} }]),
  );
}

/** A PNG of text lines rendered by librsvg (through sharp) in a given font and size. */
async function textPng(lines: string[], font: string, size: number, width = 640): Promise<string> {
  const lh = Math.round(size * 1.8);
  const height = lh * lines.length + size;
  const texts = lines.map((l, i) => `<text x="${size}" y="${lh * (i + 1)}" font-family="${font}" font-size="${size}" fill="#111">${l}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${texts}</svg>`;
  return (await sharp(Buffer.from(svg)).png().toBuffer()).toString('base64');
}

/** A PNG signature and IHDR declaring width × height, then an empty IDAT and IEND: a header without the pixels. */
describe('ocr-table over gRPC: table and text verifiers', () => {
  it('scores doc.teds, doc.anls, doc.text and doc.kie with their details', async () => {
    const out = await verify([
      { key: 'teds', verifier: 'doc.teds', response: '<answer><table><tr><td>a</td><td>c</td></tr></table></answer>', reference: { table: '<table><tr><td>a</td><td>b</td></tr></table>' } },
      { key: 'teds-s', verifier: 'doc.teds', response: '<table><tr><td>a</td><td>c</td></tr></table>', reference: { table: '| a | b |\n|---|---|' }, params: { structure_only: true } },
      { key: 'teds-none', verifier: 'doc.teds', response: 'I cannot read the table.', reference: { table: '<table><tr><td>a</td></tr></table>' } },
      { key: 'teds-badref', verifier: 'doc.teds', response: '<table></table>', reference: { table: 'no table here' } },
      { key: 'teds-badparam', verifier: 'doc.teds', response: '<table></table>', reference: { table: '<table><tr><td>a</td></tr></table>' }, params: { normalize: 'weird' } },
      { key: 'anls', verifier: 'doc.anls', response: 'The answer: <answer>helo world</answer>', reference: { answers: ['hello world', 'hi'] } },
      { key: 'anls-missing', verifier: 'doc.anls', response: 'x', reference: {} },
      { key: 'ned', verifier: 'doc.text', response: 'kitten', reference: { text: 'sitting' } },
      { key: 'kie', verifier: 'doc.kie', response: 'Here: {"name": "Bob", "city": "Paris",}', reference: { fields: { name: 'bob', city: 'Berlin' } } },
      { key: 'kie-nojson', verifier: 'doc.kie', response: 'name is Bob', reference: { fields: { name: 'bob' } } },
    ]);
    expect(out.teds!.score).toBeCloseTo(2 / 3, 9);
    expect(out.teds!.metrics.nodes).toBe(3);
    expect(out['teds-s']!.score).toBe(1);
    expect(out['teds-none']).toMatchObject({ score: 0, status: 'ok' });
    expect(out['teds-none']!.detail).toContain('no table');
    expect(out['teds-badref']!.status).toBe('invalid');
    expect(out['teds-badref']!.detail).toContain('reference.table');
    expect(out['teds-badparam']!.status).toBe('invalid');
    expect(out['teds-badparam']!.detail).toContain('params.normalize');
    expect(out.anls!.score).toBeCloseTo(10 / 11, 9);
    expect(out['anls-missing']!.status).toBe('invalid');
    expect(out.ned!.score).toBeCloseTo(4 / 7, 9);
    expect(out.kie!.score).toBeCloseTo(0.5, 9);
    expect(out['kie-nojson']).toMatchObject({ score: 0, status: 'ok' });
  });

  it('bad tables: a 5,000-cell prediction, nested and unbalanced HTML finish with scores, not crashes', async () => {
    const big = `<table>${Array.from({ length: 100 }, (_, r) => `<tr>${Array.from({ length: 50 }, (_, c) => `<td>${r}.${c}</td>`).join('')}</tr>`).join('')}</table>`;
    const ref = '<table><tr><td>0.0</td><td>0.1</td></tr></table>';
    const out = await verify([
      { key: 'big', verifier: 'doc.teds', response: big, reference: { table: ref } },
      { key: 'nested', verifier: 'doc.teds', response: `<table><tr><td>${ref}</td></tr></table>`, reference: { table: ref } },
      { key: 'unbalanced', verifier: 'doc.teds', response: '<table><tr><td>0.0</b><td>0.1</div></table></table></tr>', reference: { table: ref } },
      { key: 'big-ref', verifier: 'doc.teds', response: ref, reference: { table: big } },
      { key: 'big-both', verifier: 'doc.teds', response: big, reference: { table: big } },
      { key: 'deep', verifier: 'doc.teds', response: `<table><tr><td>${'<div>'.repeat(20_000)}x</td></tr></table>`, reference: { table: ref } },
      { key: 'deep-ref', verifier: 'doc.teds', response: ref, reference: { table: `${'<span>'.repeat(5_000)}${ref}` } },
    ]);
    expect(out.deep).toMatchObject({ score: 0, status: 'ok' });
    expect(out.deep!.detail).toContain('nested 20001 elements deep');
    expect(out['deep-ref']!.status).toBe('invalid');
    for (const k of ['big', 'nested', 'unbalanced', 'big-ref']) expect(out[k]!.status).toBe('ok');
    // 5,101 × 5,101 tree nodes is above the default 16M-cell TED limit: the reference is refused, by name.
    expect(out['big-both']!.status).toBe('invalid');
    expect(out['big-both']!.detail).toContain('VERIMESH_OCR_TABLE_MAX_TED_CELLS');
    expect(out.big!.score).toBeLessThan(0.01);
    // Nested: the outer cell's 14 tokens (<table>,<tr>,<td>,0,.,0,</td>,<td>,0,.,1,</td>,</tr>,</table>) against
    // "0.0": 11 deletions / 14, plus inserting the second td: TED 1 + 11/14 over max(6, 3) nodes.
    expect(out.nested!.score).toBeCloseTo(1 - (1 + 11 / 14) / 6, 9);
    expect(out.unbalanced!.score).toBe(1);
  });
});

describe('doc.ocr on rendered images (PP-OCRv4 on onnxruntime CPU)', () => {
  it('reads text in several fonts and sizes with CER under 5%', async () => {
    const cases = [
      { font: 'DejaVu Sans', size: 28, lines: ['Invoice number 48213', 'Total due: 1,250.00 EUR'] },
      { font: 'DejaVu Serif', size: 22, lines: ['The quick brown fox jumps', 'over the lazy dog'] },
      { font: 'Liberation Mono', size: 34, lines: ['Total due: 1,250.00 EUR'] },
    ];
    const items: Item[] = [];
    for (const [i, c] of cases.entries()) {
      items.push({ key: `o${i}`, verifier: 'doc.ocr', reference: { text: c.lines.join('\n') }, params: { metric: 'cer' }, media: [{ kind: 'image', role: 'output', data_b64: await textPng(c.lines, c.font, c.size), mime: 'image/png' }] });
    }
    const out = await verify(items);
    for (const [i, c] of cases.entries()) {
      const r = out[`o${i}`]!;
      expect(r.status).toBe('ok');
      const got = String(r.metrics.text).replace(/\s+/g, ' ').trim();
      const want = c.lines.join(' ');
      expect(editDistance(got, want) / want.length, `${c.font} ${c.size}px read "${got}"`).toBeLessThan(0.05);
      expect(r.score).toBeGreaterThan(0.95);
    }
  });

  it('a blank image gives empty text and score 0; a region of the input image is read', async () => {
    const blank = (await sharp({ create: { width: 320, height: 120, channels: 3, background: '#ffffff' } }).png().toBuffer()).toString('base64');
    const two = await textPng(['LEFT SIDE', 'SECOND ROW'], 'DejaVu Sans', 30, 480);
    const out = await verify([
      { key: 'blank', verifier: 'doc.ocr', reference: { text: 'anything' }, media: [{ kind: 'image', role: 'output', data_b64: blank }] },
      { key: 'region', verifier: 'doc.ocr', reference: { text: 'LEFT SIDE', region: [0, 0, 480, 70] }, media: [{ kind: 'image', role: 'input', data_b64: two }] },
      { key: 'region-resp', verifier: 'doc.ocr', response: '<answer>[0, 0, 480, 70]</answer>', reference: { text: 'LEFT SIDE' }, params: { region: 'response' }, media: [{ kind: 'image', role: 'input', data_b64: two }] },
      // A Qwen-style answer: the digit in "bbox_2d" is no coordinate; the tuple is read by the shared reader.
      { key: 'region-resp-json', verifier: 'doc.ocr', response: "<answer>{'bbox_2d': (0, 0, 480, 70), 'label': 'title'}</answer>", reference: { text: 'LEFT SIDE' }, params: { region: 'response' }, media: [{ kind: 'image', role: 'input', data_b64: two }] },
      { key: 'region-off', verifier: 'doc.ocr', reference: { text: 'x', region: [1000, 1000, 1100, 1100] }, media: [{ kind: 'image', role: 'input', data_b64: two }] },
      { key: 'region-resp-off', verifier: 'doc.ocr', response: '<answer>[1000, 1000, 1100, 1100]</answer>', reference: { text: 'x' }, params: { region: 'response' }, media: [{ kind: 'image', role: 'input', data_b64: two }] },
    ]);
    expect(out['region-off']!.status).toBe('invalid');
    expect(out['region-off']!.detail).toContain('reference.region');
    expect(out['region-resp-off']).toMatchObject({ score: 0, status: 'ok' });
    expect(out.blank).toMatchObject({ score: 0, status: 'ok' });
    expect(out.blank!.metrics.text).toBe('');
    expect(out.region!.metrics.text).toBe('LEFT SIDE');
    expect(out['region-resp']!.score).toBe(1);
    expect(out['region-resp-json']!.score).toBe(1);
  });

  it('garbage bytes and a 30,000×30,000 header: a clear detail (output) or invalid (input), quickly', async () => {
    const garbage = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251)).toString('base64');
    const huge = pngHeaderOnly(30_000, 30_000, 'rgb').toString('base64');
    const out = await verify([
      { key: 'garbage-out', verifier: 'doc.ocr', reference: { text: 'x' }, media: [{ kind: 'image', role: 'output', data_b64: garbage }] },
      { key: 'huge-out', verifier: 'doc.ocr', reference: { text: 'x' }, media: [{ kind: 'image', role: 'output', data_b64: huge }] },
      { key: 'huge-in', verifier: 'doc.ocr', reference: { text: 'x', region: [0, 0, 10, 10] }, media: [{ kind: 'image', role: 'input', data_b64: huge }] },
      { key: 'no-image', verifier: 'doc.ocr', reference: { text: 'x' } },
    ]);
    expect(out['garbage-out']).toMatchObject({ score: 0, status: 'ok' });
    expect(out['garbage-out']!.detail).toContain('not a readable image');
    expect(out['huge-out']).toMatchObject({ score: 0, status: 'ok' });
    expect(out['huge-out']!.detail).toContain('30000×30000');
    expect(out['huge-in']!.status).toBe('invalid');
    expect(out['no-image']!.status).toBe('invalid');
  });
});

describe('doc.ocr on a video frame', () => {
  /** A 10 fps video showing each still PNG for 1 s in turn (ffmpeg -loop 1, concatenated), as base64. */
  function stillsVideo(pngsB64: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'ocr-video-'));
    try {
      const inputs = pngsB64.flatMap((b64, i) => {
        writeFileSync(join(dir, `s${i}.png`), Buffer.from(b64, 'base64'));
        return ['-loop', '1', '-t', '1', '-r', '10', '-i', join(dir, `s${i}.png`)];
      });
      const pads = pngsB64.map((_, i) => `[${i}:v]setsar=1,fps=10,format=yuv420p[v${i}]`).join(';');
      const cat = `${pngsB64.map((_, i) => `[v${i}]`).join('')}concat=n=${pngsB64.length}:v=1:a=0[out]`;
      const out = join(dir, 'stills.mp4');
      execFileSync(
        ffmpegPath(),
        ['-v', 'error', '-y', ...inputs, '-filter_complex', `${pads};${cat}`, '-map', '[out]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast', out],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      return readFileSync(out).toString('base64');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads the frame at params.time of an output or input video; broken videos: score 0 (output) or invalid (input)', async () => {
    // 0–1 s: one line of text; 1–2 s: another (both PNGs 640×78, even sizes as libx264 needs).
    const video = stillsVideo([await textPng(['Invoice number 48213'], 'DejaVu Sans', 28), await textPng(['Total due: 1,250.00 EUR'], 'DejaVu Sans', 28)]);
    const junk = Buffer.from('this is not a video, only text bytes').toString('base64');
    const out = await verify([
      { key: 'out', verifier: 'doc.ocr', reference: { text: 'Invoice number 48213' }, params: { time: 0.5, metric: 'cer' }, media: [{ kind: 'video', role: 'output', data_b64: video }] },
      { key: 'in', verifier: 'doc.ocr', reference: { text: 'Invoice number 48213' }, params: { metric: 'cer' }, media: [{ kind: 'video', role: 'input', data_b64: video }] },
      { key: 'later', verifier: 'doc.ocr', reference: { text: 'Total due: 1,250.00 EUR' }, params: { time: 1.5, metric: 'cer' }, media: [{ kind: 'video', role: 'output', data_b64: video }] },
      { key: 'bad-out', verifier: 'doc.ocr', reference: { text: 'x' }, media: [{ kind: 'video', role: 'output', data_b64: junk }] },
      { key: 'bad-in', verifier: 'doc.ocr', reference: { text: 'x' }, media: [{ kind: 'video', role: 'input', data_b64: junk }] },
      { key: 'bad-time', verifier: 'doc.ocr', reference: { text: 'x' }, params: { time: -1 }, media: [{ kind: 'video', role: 'output', data_b64: video }] },
    ]);
    // The same bar as the still images above: CER under 5 % against the rendered text.
    const cases = [['out', 0.5, 'Invoice number 48213'], ['in', 0, 'Invoice number 48213'], ['later', 1.5, 'Total due: 1,250.00 EUR']] as const;
    for (const [key, t, want] of cases) {
      expect(out[key]!.status, `${key}: ${out[key]!.detail}`).toBe('ok');
      expect(out[key]!.metrics.frame_time, `${key}: ${out[key]!.detail}`).toBe(t);
      const got = String(out[key]!.metrics.text).replace(/\s+/g, ' ').trim();
      expect(editDistance(got, want) / want.length, `${key} read "${got}"`).toBeLessThan(0.05);
      expect(out[key]!.score).toBeGreaterThan(0.95);
    }
    expect(out['bad-out']).toMatchObject({ score: 0, status: 'ok' });
    expect(out['bad-out']!.detail).toContain('output video could not be read');
    expect(out['bad-in']!.status).toBe('invalid');
    expect(out['bad-in']!.detail).toContain('media[0]');
    expect(out['bad-time']!.status).toBe('invalid');
    expect(out['bad-time']!.detail).toContain('params.time');
  });
});
