// JavaScript assert tests of one rollout share one sandbox (its checker is the init): a test never sees an earlier
// test's files or processes, and anything a test could leave behind gets the next test a fresh sandbox.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeExecService } from '../src/index.js';
import { fence, item, makeService, verify } from './helpers.js';

const LEFT = ['/work/left', '/tmp/left', '/dev/shm/left'];
/** Reports what it finds of earlier tests (files, processes), then leaves files (and, with `daemon`, a process) behind. */
const program = (daemon: boolean): string => `const fs = require('node:fs');
const ns = fs.readlinkSync('/proc/self/ns/pid');
const seen = ${JSON.stringify(LEFT)}.filter((f) => fs.existsSync(f));
const procs = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).length;
for (const f of ${JSON.stringify(LEFT)}) fs.writeFileSync(f, 'x');
${daemon ? "require('node:child_process').spawn('/bin/sleep', ['30'], { detached: true, stdio: 'ignore' }).unref();" : ''}
console.log(JSON.stringify({ ns, seen, procs }));
function leftovers() { return seen.concat(procs > 2 ? ['a process'] : []); }
function spin() { for (;;); }
function add(a, b) { return a + b; }`;

describe('javascript: one sandbox per rollout', () => {
  let svc: CodeExecService;
  beforeAll(async () => {
    svc = makeService();
    await svc.start!();
  });
  afterAll(async () => {
    await svc.stop!();
  });

  const runRollout = async (daemon: boolean, tests = 3) => {
    const runs = await svc.runtime.runJsAsserts(
      Array.from({ length: tests }, () => ({ code: program(daemon), stdin: '', test: 'assert.deepStrictEqual(leftovers(), [])' })),
      svc.runtime.testLimits(30_000), // (generous: a slow machine must not end a sandbox at a test's time limit here)
    );
    return runs.map((r) => ({ verdict: r.verdict?.status, ...(JSON.parse(r.stdout.trim()) as { ns: string; seen: string[]; procs: number }) }));
  };

  it('the tests of a rollout each see none of the files or processes an earlier test left', async () => {
    if (!svc.runtime.sandbox.limitsBy.startsWith('cgroup')) return; // (a sandbox per test without cgroups)
    const r = await runRollout(false);
    for (const t of r) {
      expect(t.verdict).toBe('pass');
      expect(t.seen).toEqual([]);
      expect(t.procs).toBe(2); // the checker (init) and this program
    }
    // (How many sandboxes served them is not asserted: a key another sandbox of the uid holds at a test's end, as
    // the hostile suite's do, ends a sandbox too.)
  });

  it('a long rollout (more tests than the checker may open files) passes throughout', async () => {
    if (!svc.runtime.sandbox.limitsBy.startsWith('cgroup')) return;
    const r = await runRollout(false, 140);
    expect(r.filter((t) => t.verdict === 'pass' && t.seen.length === 0 && t.procs === 2).length).toBe(140);
  }, 120_000);

  it('a test that leaves a process behind gets the next test a fresh sandbox, without it', async () => {
    const r = await runRollout(true);
    for (const t of r) {
      expect(t.verdict).toBe('pass');
      expect(t.seen).toEqual([]);
      expect(t.procs).toBe(2);
    }
    expect(new Set(r.map((t) => t.ns)).size).toBe(3);
  });

  it("a test that renices its checker gets the next test a fresh sandbox, whose checker is untouched", async () => {
    const code = "const os = require('node:os');\nconst nice = os.getPriority(1);\ntry { os.setPriority(1, 10); } catch {}\nfunction checkerNice() { return nice; }";
    const runs = await svc.runtime.runJsAsserts(
      Array.from({ length: 3 }, () => ({ code, stdin: '', test: 'assert.strictEqual(checkerNice(), 0)' })),
      svc.runtime.testLimits(3000),
    );
    expect(runs.map((r) => r.verdict?.status)).toEqual(['pass', 'pass', 'pass']);
  });

  it.skipIf(!existsSync('/usr/bin/bash'))("SIGUSR1 to the checker opens no inspector (one-off and per-rollout sandboxes)", async () => {
    // node opens its inspector on 127.0.0.1:9229 at SIGUSR1: from there a program could run code in its checker.
    const code = `try { process.kill(1, 'SIGUSR1'); } catch {}
const probe = () => require('node:child_process').spawnSync('/usr/bin/bash', ['-c', 'echo > /dev/tcp/127.0.0.1/9229 && echo OPEN || echo CLOSED'], { encoding: 'utf8' }).stdout.trim();
let seen = probe();
for (let i = 0; i < 20 && seen !== 'OPEN'; i++) { const t = Date.now(); while (Date.now() - t < 100); seen = probe(); }
function inspector() { return seen; }`;
    const test = "assert.strictEqual(inspector(), 'CLOSED')";
    const limits = svc.runtime.testLimits(30_000);
    const runs = [await svc.runtime.runJsAssert({ code, stdin: '', test }, limits), ...(await svc.runtime.runJsAsserts([{ code, stdin: '', test }, { code, stdin: '', test }], limits))];
    expect(runs.map((r) => r.verdict?.status)).toEqual(['pass', 'pass', 'pass']);
  });

  it('a test at its time limit fails alone: the tests after it run in a fresh sandbox and pass', async () => {
    const o = await verify(svc, [
      item('t', 'code.tests', fence('javascript', program(false)), { language: 'javascript', tests: ['assert.strictEqual(add(1, 2), 3)', 'spin()', 'assert.deepStrictEqual(leftovers(), [])', 'assert.strictEqual(add(2, 2), 4)'] }, { test_timeout_ms: 1000 }),
    ]);
    expect(o.t!.metrics.tests.map((t: { status: string }) => t.status)).toEqual(['pass', 'timeout', 'pass', 'pass']);
    expect(o.t!.score).toBe(0.75);
  });
});
