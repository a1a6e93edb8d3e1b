// Real benchmark solutions (HumanEval, MBPP, MultiPL-E's HumanEval-JS) with their real tests: every one passes on
// every path of the assert harness (the Python zygote, a fresh sandbox per test, the JavaScript checker).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUMANEVAL, HUMANEVAL_JS, JS_SHAPES, MBPP, PYTHON_SHAPES, type BenchmarkTask } from './benchmarks.js';
import { fence, item, makeService, verify } from './helpers.js';

const svc = makeService({ VERIMESH_CODE_EXEC_TEST_TIMEOUT_MS: '10000' });
beforeAll(() => svc.start!());
afterAll(() => svc.stop!());

const run = (tasks: BenchmarkTask[], language: string, params: object, tag: string) =>
  verify(svc, tasks.map((t) => item(`${tag}:${t.id}`, 'code.tests', fence(language, t.solution), { language, tests: t.tests }, params)));

function allPass(o: Awaited<ReturnType<typeof verify>>, path: string): void {
  for (const r of Object.values(o)) {
    expect(r.status, `${r.key}: ${r.detail}`).toBe('ok');
    expect(r.score, `${r.key}: ${r.detail}`).toBe(1);
    expect(r.metrics.path, r.key).toBe(path);
    expect(r.flags, r.key).toEqual([]);
  }
}

describe('canonical benchmark solutions pass with their real tests', () => {
  it(`python on the zygote path: ${HUMANEVAL.length} HumanEval and ${MBPP.length} MBPP tasks`, async () => {
    const o = await run([...HUMANEVAL, ...MBPP], 'python', {}, 'zygote');
    expect(Object.keys(o)).toHaveLength(HUMANEVAL.length + MBPP.length);
    allPass(o, 'zygote');
  }, 120_000);

  it('python in a fresh sandbox per test (the same harness as the sole process of its sandbox)', async () => {
    allPass(await run([...HUMANEVAL.slice(0, 8), ...MBPP.slice(0, 6)], 'python', { memory_mb: 200 }, 'sandbox'), 'sandbox');
  }, 120_000);

  it(`javascript (MultiPL-E form): ${HUMANEVAL_JS.length} tasks`, async () => {
    allPass(await run(HUMANEVAL_JS, 'javascript', {}, 'js'), 'sandbox');
  }, 120_000);

  it(`python shapes a checker in another process must keep: ${PYTHON_SHAPES.map((t) => t.id).join(', ')}`, async () => {
    allPass(await run(PYTHON_SHAPES, 'python', {}, 'shape'), 'zygote');
  }, 120_000);

  it(`javascript shapes: ${JS_SHAPES.map((t) => t.id).join(', ')}`, async () => {
    allPass(await run(JS_SHAPES, 'javascript', {}, 'jsshape'), 'sandbox');
  }, 120_000);
});
