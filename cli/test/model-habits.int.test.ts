// One table of model habits run through every verifier that reads structure from model-written text (issue 10.4):
// the same habit must earn the same reward in every service. Each service is its real ServiceDef driven through the
// kit's runBatch (the code path behind VerifyBatch); the judge reads replies from a faithful local OpenAI server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type ServiceDef } from '@verimesh/kit';
import * as vision from '@verimesh/vision-iou';
import * as video from '@verimesh/video-temporal';
import * as ocr from '@verimesh/ocr-table';
import * as judge from '@verimesh/llm-judge';
import { OpenAiServer } from '@verimesh/llm-judge/testing';

type Value = number | string | boolean | null | Value[] | { [k: string]: Value };

interface Style {
  /** Quote characters around strings and quoted keys (open, close). */
  quote?: [string, string];
  bareKeys?: boolean;
  python?: boolean;
  tuples?: boolean;
  trailingComma?: boolean;
}

/** Writes a value the way a model with these habits does. */
function write(v: Value, st: Style): string {
  const [qo, qc] = st.quote ?? ['"', '"'];
  const str = (s: string): string => qo + s + qc;
  const comma = st.trailingComma ? ', ' : '';
  if (v === null) return st.python ? 'None' : 'null';
  if (typeof v === 'boolean') return st.python ? (v ? 'True' : 'False') : String(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) {
    const [o, c] = st.tuples ? ['(', ')'] : ['[', ']'];
    return o + v.map((x) => write(x, st)).join(', ') + (v.length ? comma : '') + c;
  }
  return '{' + Object.entries(v).map(([k, x]) => `${st.bareKeys ? k : str(k)}: ${write(x, st)}`).join(', ') + comma + '}';
}

/** The habits, each a way of writing the canonical answer. Strict JSON first: the control every habit must equal. */
const HABITS: Array<[string, (v: Value) => string]> = [
  ['strict JSON', (v) => JSON.stringify(v)],
  ['single quotes', (v) => write(v, { quote: ["'", "'"] })],
  ['trailing commas', (v) => write(v, { trailingComma: true })],
  ['bare keys', (v) => write(v, { bareKeys: true })],
  ['() tuples for lists', (v) => write(v, { tuples: true })],
  ['Python literals True / False / None', (v) => write(v, { python: true })],
  ['a Python repr (single quotes, literals, tuples)', (v) => write(v, { quote: ["'", "'"], python: true, tuples: true })],
  ['smart double quotes', (v) => write(v, { quote: ['\u201c', '\u201d'] })],
  ['smart single quotes', (v) => write(v, { quote: ['\u2018', '\u2019'] })],
  ['a truncated tail (closing brackets cut off)', (v) => JSON.stringify(v, null, 1).replace(/[\s\]}]+$/, '')],
  ['prose and a fence around the JSON', (v) => `Sure! Here is the answer you asked for:\n\`\`\`json\n${JSON.stringify(v, null, 2)}\n\`\`\`\nLet me know if anything else is needed.`],
  ['<think> then <answer> holding a Python dict', (v) => `<think>Let me look (carefully) at it.</think>\n<answer>${write(v, { quote: ["'", "'"], python: true })}</answer>`],
  ['all at once: bare keys, single quotes, literals, trailing commas, prose', (v) => `The result is ${write(v, { bareKeys: true, quote: ["'", "'"], python: true, trailingComma: true })}. Done`],
];

/** One verifier that reads structure, the canonical answer it scores 1 for (hand-derived), and its item. */
interface Case {
  service: string;
  verifier: string;
  answer: Value;
  reference: Record<string, unknown>;
  params?: Record<string, unknown>;
}

// Every canonical answer carries a boolean or null, so that the literal habits matter, and ends in a literal or a
// string, so that a cut-off tail loses nothing but brackets.
const CASES: Case[] = [
  // IoU of a box with itself: 1.
  { service: 'vision-iou', verifier: 'vision.box_iou', answer: [{ bbox_2d: [10, 20, 110, 220], label: 'cup', occluded: false }], reference: { box: [10, 20, 110, 220] } },
  // One prediction matching the one reference at IoU 1, same label: TP 1, F1 = 2·1 / (1 + 1) = 1.
  {
    service: 'vision-iou',
    verifier: 'vision.detection',
    answer: [{ bbox_2d: [10, 20, 110, 220], label: 'cup', occluded: false }],
    reference: { objects: [{ box: [10, 20, 110, 220], label: 'cup' }] },
  },
  // The point (60, 120) lies inside the box: 1.
  { service: 'vision-iou', verifier: 'vision.point', answer: { point_2d: [60, 120], label: 'cup', visible: true }, reference: { box: [10, 20, 110, 220] } },
  // The span [2, 4] against the reference [2, 4]: tIoU 1.
  { service: 'video-temporal', verifier: 'video.temporal_iou', answer: [{ start_time: 2, end_time: 4, confident: true }], reference: { span: [2, 4] } },
  // Both timestamps inside the one evidence span: precision 1, recall 1, F1 1.
  { service: 'video-temporal', verifier: 'video.keyframes', answer: { timestamps: [2.5, 3], sure: true }, reference: { evidence: [[2, 4]] } },
  // The box at the one reference frame (0.5 s) equals the reference box: mean IoU 1.
  { service: 'video-temporal', verifier: 'video.tracking', answer: { frames: [{ time: 0.5, box: [1, 2, 30, 40] }], done: true }, reference: { frames: { '0.5': [1, 2, 30, 40] } } },
  // Four reference leaves (vendor, total, pen, ink), all predicted, paid = true matches "true", note null is no field: F1 1.
  {
    service: 'ocr-table',
    verifier: 'doc.kie',
    answer: { vendor: 'ACME', total: 12.5, items: ['pen', 'ink'], paid: true, note: null },
    reference: { fields: { vendor: 'acme', total: '12.50', items: ['ink', 'pen'], paid: true } },
  },
];

/** The judge's reply (a rubric verdict: criterion 1 met) is the model-written structure for judge.rubric. */
const JUDGE_REPLY: Value = { criteria: [{ id: 1, score: 1, reason: 'it greets the user', sure: true }] };

describe('one model habit earns the same reward in every service', () => {
  const server = new OpenAiServer();
  let services: Map<string, ServiceDef>;
  let judgeReply = '';

  beforeAll(async () => {
    await server.start();
    server.chat = () => judgeReply;
    // Prompt-only JSON (no response_format): a real server then lets the judge write whatever habits it has.
    const judgeEnv = { VERIMESH_LLM_JUDGE_JSON_SCHEMA: 'false', VERIMESH_LLM_JUDGE_MAX_RETRIES: '0' };
    services = new Map<string, ServiceDef>([
      ['vision-iou', vision.createService(vision.loadServiceConfig({ env: {} }))],
      ['video-temporal', video.createService(video.loadServiceConfig({ env: {} }))],
      ['ocr-table', ocr.createService(ocr.loadServiceConfig({ env: {} }))],
      ['llm-judge', judge.createService(judge.loadServiceConfig({ env: judgeEnv, argv: ['--judge-url', server.url, '--judge-model', 'test-judge'] }))],
    ]);
  });
  afterAll(() => server.close());

  const score = async (service: string, verifier: string, response: string, reference: unknown, params: unknown = {}): Promise<{ score: number; status: string; detail: string }> => {
    const [r] = await runBatch(services.get(service)!, [{ key: 'k', verifier, response, reference_json: JSON.stringify(reference), params_json: JSON.stringify(params), media: [] }], {
      deadline: Date.now() + 30_000,
    });
    const res = r!.result!;
    return { score: Number(res.score ?? 0), status: String(res.status), detail: res.detail ?? '' };
  };

  it.each(HABITS)('%s', async (_habit, writeAs) => {
    const rewards: Record<string, number> = {};
    const details: Record<string, string> = {};
    for (const c of CASES) {
      const r = await score(c.service, c.verifier, writeAs(c.answer), c.reference, c.params);
      rewards[c.verifier] = r.score;
      details[c.verifier] = `${r.status}: ${r.detail}`;
    }
    judgeReply = writeAs(JUDGE_REPLY);
    const j = await score('llm-judge', 'judge.rubric', 'Hello! How can I help you today?', { rubric: [{ criterion: 'greets the user', weight: 1 }] });
    rewards['judge.rubric'] = j.score;
    details['judge.rubric'] = `${j.status}: ${j.detail}`;
    // Every verifier gives this habit the reward of the strict JSON answer, which is 1 for each by construction.
    const want = Object.fromEntries(Object.keys(rewards).map((k) => [k, 1]));
    expect(rewards, JSON.stringify(details, null, 1)).toEqual(want);
  });

  it('the issue\'s example: single quotes inside <answer> score the same in video.temporal_iou as in vision.box_iou', async () => {
    const v = await score('video-temporal', 'video.temporal_iou', "<answer>{'start_time': 2, 'end_time': 4}</answer>", { span: [2, 4] });
    const b = await score('vision-iou', 'vision.box_iou', "<answer>{'bbox_2d': [2, 2, 4, 4]}</answer>", { box: [2, 2, 4, 4] });
    expect([v.score, b.score]).toEqual([1, 1]);
  });

  it('no structure at all is a miss in every service alike', async () => {
    for (const c of CASES) expect((await score(c.service, c.verifier, 'I cannot tell.', c.reference, c.params)).score, c.verifier).toBe(0);
  });
});
