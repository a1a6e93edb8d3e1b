// The math profiles (examples/profiles/math.yaml) through the embedded mesh and through real processes: DAPO's
// ±1 reward with its format gate and overlong punishment, and the boxed-only reward.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedGateway, type EmbeddedGateway } from '../src/mesh.js';
import { scoreWhenAvailable, startServiceAndGateway, type MeshProcesses } from './helpers.js';

const PROFILE = fileURLToPath(new URL('../../examples/profiles/math.yaml', import.meta.url));
let mesh: EmbeddedGateway;

beforeAll(async () => {
  mesh = await createEmbeddedGateway({ profiles: [PROFILE], only: new Set(['math']) });
});

const byId = <T extends { id: string }>(xs: T[]): Record<string, T> => Object.fromEntries(xs.map((x) => [x.id, x]));

describe('profile math_dapo: 2·answer − 1 + overlong, gated on a \\boxed{} answer', () => {
  it('scores right, wrong, unboxed, overlong and think-only responses with values worked out by hand', async () => {
    const reference = { answer: '\\frac{14}{3}' };
    const { results, groups } = await mesh.gateway.score([
      // Correct and short: 2·1 − 1 + 0.
      { id: 'right', group: 'q', response: '<think>4·(7/3)/2</think> The area is $\\boxed{\\dfrac{14}{3}}$.', reference, profile: 'math_dapo' },
      // Boxed but wrong: 2·0 − 1 + 0.
      { id: 'wrong', group: 'q', response: 'The area is $\\boxed{\\frac{3}{14}}$.', reference, profile: 'math_dapo' },
      // No \boxed{} anywhere: the format gate gives -1, nothing else runs.
      { id: 'unboxed', group: 'q', response: 'The area is 14/3.', reference, profile: 'math_dapo' },
      // Correct at 18,432 tokens: (16,384 − 18,432) / 4,096 = −0.5 → 1 − 0.5.
      { id: 'overlong', group: 'q', response: '\\boxed{14/3}', reference, profile: 'math_dapo', metadata: { response_tokens: 18432 } },
      // The only box is inside <think>: the gate passes (the text has a box) but math.equiv reads nothing → −1.
      { id: 'think-only', group: 'q', response: '<think>\\boxed{14/3}</think> done', reference, profile: 'math_dapo' },
    ]);
    const r = byId(results);
    expect(r.right!.reward).toBeCloseTo(1, 9);
    expect(r.wrong!.reward).toBeCloseTo(-1, 9);
    expect(r.unboxed!.reward).toBeCloseTo(-1, 9);
    expect(r.unboxed!.components.answer!.status).toBe('skipped');
    expect(r.overlong!.reward).toBeCloseTo(0.5, 9);
    expect(r.overlong!.components.overlong!.score).toBeCloseTo(-0.5, 9);
    expect(r['think-only']!.reward).toBeCloseTo(-1, 9);
    for (const x of results) expect(x.status, x.id).toBe('ok');
    expect(groups.q!.count).toBe(5);
  });
});

describe('profile math_boxed: the last \\boxed{} only', () => {
  it('reads the box and nothing else', async () => {
    const { results } = await mesh.gateway.score([
      { id: 'boxed', response: 'So x = 3, i.e. \\boxed{x = 3}.', reference: { answer: '3' }, profile: 'math_boxed' },
      // No box: the final "3" in prose is never read.
      { id: 'prose', response: 'So the answer is 3.', reference: { answer: '3' }, profile: 'math_boxed' },
      { id: 'set', response: 'The roots are \\boxed{\\{2, -2\\}}', reference: { answer: '\\{-2, 2\\}' }, profile: 'math_boxed' },
      { id: 'bad-ref', response: '\\boxed{1}', reference: { answer: '\\frac{1}{' }, profile: 'math_boxed' },
    ]);
    const r = byId(results);
    expect(r.boxed!.reward).toBe(1);
    expect(r.prose!.reward).toBe(0);
    expect(r.prose!.status).toBe('ok');
    expect(r.set!.reward).toBe(1);
    expect(r['bad-ref']!.status).toBe('invalid');
    expect(r['bad-ref']!.components.answer!.status).toBe('invalid');
  });
});

describe('profile math_dapo through a real gateway and math process', () => {
  let procs: MeshProcesses;
  beforeAll(async () => {
    procs = await startServiceAndGateway('math', PROFILE);
  });
  afterAll(() => procs?.stop());

  it('scores +1 and -1 over HTTP', async () => {
    const results = await scoreWhenAvailable(procs.http, {
      samples: [
        { id: 'a', response: '\\boxed{(3, \\frac{\\pi}{2})}', reference: { answer: '\\left( 3, \\frac{\\pi}{2} \\right)' }, profile: 'math_dapo' },
        { id: 'b', response: '\\boxed{(\\frac{\\pi}{2}, 3)}', reference: { answer: '\\left( 3, \\frac{\\pi}{2} \\right)' }, profile: 'math_dapo' },
      ],
    });
    const r = byId(results);
    expect(r.a!.reward).toBeCloseTo(1, 9);
    expect(r.b!.reward).toBeCloseTo(-1, 9);
  });
});
