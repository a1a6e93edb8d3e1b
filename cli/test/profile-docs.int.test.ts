// The document QA profiles (examples/profiles/docs.yaml) through the embedded mesh: text.format + doc.anls/doc.text.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedGateway, type EmbeddedGateway } from '../src/mesh.js';
import { ROOT, scoreWhenAvailable, startServiceAndGateway, type MeshProcesses } from './helpers.js';

const PROFILE = fileURLToPath(new URL('../../examples/profiles/docs.yaml', import.meta.url));
let mesh: EmbeddedGateway;

beforeAll(async () => {
  mesh = await createEmbeddedGateway({ profiles: [PROFILE], only: new Set(['ocr-table']) });
});

const byId = <T extends { id: string }>(xs: T[]): Record<string, T> => Object.fromEntries(xs.map((x) => [x.id, x]));

describe('profile table_qa: 0.1·format + 0.9·max(ANLS, token F1)', () => {
  it('scores exact, article-only and misspelled answers with values computed by hand', async () => {
    const { results, groups } = await mesh.gateway.score([
      { id: 'exact', group: 't', response: '<think>Row 3.</think><answer>Paris</answer>', reference: { answers: ['Paris'] }, profile: 'table_qa' },
      // No <think>: format 0. ANLS "the eiffel tower" vs "eiffel tower" = 1 − 4/16 = 0.75; token F1 drops "the" → 1.
      { id: 'article', group: 't', response: '<answer>the Eiffel Tower</answer>', reference: { answers: 'Eiffel Tower' }, profile: 'table_qa' },
      // ANLS 1 − 1/11 = 0.909091 beats token F1 (1 of 2 tokens each side: 0.5): 0.1 + 0.9 · 10/11.
      { id: 'typo', group: 't', response: '<think>x</think><answer>helo world</answer>', reference: { answers: ['hello world'] }, profile: 'table_qa' },
    ]);
    const r = byId(results);
    expect(r.exact!.reward).toBeCloseTo(1, 9);
    expect(r.article!.reward).toBeCloseTo(0.9, 9);
    expect(r.article!.components.anls!.score).toBeCloseTo(0.75, 9);
    expect(r.article!.components.f1!.score).toBeCloseTo(1, 9);
    expect(r.typo!.reward).toBeCloseTo(0.1 + 0.9 * (10 / 11), 9);
    for (const x of results) expect(x.status).toBe('ok');
    expect(groups.t!.count).toBe(3);
  });
});

describe('profile chart_qa: relaxed accuracy for numbers, ANLS for text, plus format', () => {
  it('numbers within 5% score 1, outside 0 (no ANLS partial credit); text answers get ANLS', async () => {
    const { results } = await mesh.gateway.score([
      // 41.5 is within 5% of 42.
      { id: 'num-ok', response: '<think>bar</think><answer>About 41.5%</answer>', reference: { answers: ['42'] }, profile: 'chart_qa' },
      // 150 vs 250: 40% off → 0 (ANLS would have given 1 − 1/3).
      { id: 'num-bad', response: '<think>bar</think><answer>150</answer>', reference: { answers: ['250'] }, profile: 'chart_qa' },
      { id: 'text-ok', response: '<think>legend</think><answer>Europe</answer>', reference: { answers: ['europe'] }, profile: 'chart_qa' },
      // "eurupe" vs "europe": one edit in six → ANLS 5/6.
      { id: 'text-typo', response: '<think>legend</think><answer>Eurupe</answer>', reference: { answers: ['Europe'] }, profile: 'chart_qa' },
      // A percentage may be read either way on either side, as text.numeric does: 45 against "45%" is correct.
      { id: 'pct', response: '<think>axis</think><answer>45</answer>', reference: { answers: ['45%'] }, profile: 'chart_qa' },
      // "$1,200": 1150 is 4.2% off → 1; 1100 is 8.3% off → 0.
      { id: 'money-ok', response: '<think>bar</think><answer>1150</answer>', reference: { answers: ['$1,200'] }, profile: 'chart_qa' },
      { id: 'money-bad', response: '<think>bar</think><answer>1100</answer>', reference: { answers: ['$1,200'] }, profile: 'chart_qa' },
      // Mixed accepted answers: each scored by its kind. "twelv" has no number; ANLS against "twelve": 1 − 1/6.
      { id: 'mixed', response: '<think>x</think><answer>twelv</answer>', reference: { answers: ['12', 'twelve'] }, profile: 'chart_qa' },
      // A numeric answer and no number in the response: 0 for the answer, with a detail saying so.
      { id: 'num-none', response: '<think>x</think><answer>many</answer>', reference: { answers: ['42'] }, profile: 'chart_qa' },
    ]);
    const r = byId(results);
    expect(r['num-ok']!.reward).toBeCloseTo(1, 9);
    expect(r['num-bad']!.reward).toBeCloseTo(0.1, 9);
    expect(r['text-ok']!.reward).toBeCloseTo(1, 9);
    expect(r['text-typo']!.reward).toBeCloseTo(0.1 + 0.9 * (5 / 6), 9);
    expect(r.pct!.reward).toBeCloseTo(1, 9);
    expect(r['money-ok']!.reward).toBeCloseTo(1, 9);
    expect(r['money-bad']!.reward).toBeCloseTo(0.1, 9);
    expect(r.mixed!.reward).toBeCloseTo(0.1 + 0.9 * (5 / 6), 9);
    expect(r['num-none']!.reward).toBeCloseTo(0.1, 9);
    expect(r['num-none']!.components.answer!.detail).toContain('no number in the answer');
    for (const x of results) expect(x.status).toBe('ok');
  });
});

// The same profiles, and doc.teds / doc.ocr, through real processes: an ocr-table service and a gateway over gRPC.
describe('ocr-table through a real gateway process over HTTP and gRPC', () => {
  let procs: MeshProcesses;
  let http = '';

  beforeAll(async () => {
    procs = await startServiceAndGateway('ocr-table', PROFILE);
    http = procs.http;
  });
  afterAll(() => procs?.stop());

  it('scores table_qa, TEDS and OCR of the demo image', async () => {
    const body = {
      samples: [
        { id: 'qa', response: '<think>x</think><answer>helo world</answer>', reference: { answers: ['hello world'] }, profile: 'table_qa' },
        {
          id: 'teds',
          response: '<table><tr><td>a</td><td>c</td></tr></table>',
          reference: { table: '<table><tr><td>a</td><td>b</td></tr></table>' },
          reward: { components: [{ name: 'teds', verifier: 'doc.teds' }] },
        },
        {
          id: 'ocr',
          response: 'done',
          media: [{ kind: 'image', role: 'output', uri: `file://${ROOT}examples/media/ocr-sign.png` }],
          reference: { text: 'GRAND OPENING Saturday 10 am' },
          reward: { components: [{ name: 'ocr', verifier: 'doc.ocr', params: { normalize: 'basic' }, timeout_ms: 30_000 }] },
        },
      ],
    };
    // The service may still be binding when the gateway is up: retry while a component is unavailable.
    const results = await scoreWhenAvailable(http, body);
    const r = byId(results);
    expect(r.qa!.reward).toBeCloseTo(0.1 + 0.9 * (10 / 11), 9);
    expect(r.teds!.reward).toBeCloseTo(2 / 3, 9);
    expect(r.ocr!.status).toBe('ok');
    // The sign reads "GRAND OPENING / Saturday 10 am"; PP-OCR may merge the first two words (one edit in 28).
    expect(r.ocr!.reward).toBeGreaterThan(0.95);
  });
});
