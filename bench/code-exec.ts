// Benchmark: code-exec over real gRPC against baselines measured in the same run, as ratios (issue 15.3).
//  1. Python assert tests through the zygote path (service defaults) vs a warm fork server with no sandbox at all
//     (a preloaded interpreter forking one child per test that runs solution + assert in one process: the fastest
//     way to run these tests, and one a policy could forge; target ≥ 0.5).
//  2. The fresh-sandbox path (zygotes off: one sandbox per rollout; Python asserts, Python stdin/stdout, JavaScript
//     asserts) vs a plain `bwrap` + interpreter per test (namespaces and read-only binds only: no cgroup, rlimits,
//     uid drop or harness; target ≥ 0.5).
//  3. C++ rollouts of 10 tests: compiled once per rollout vs once per test.
// Every result is checked (status ok, score 1), so a broken sandbox cannot make a fast figure.
// `npm run bench:code-exec -- [--rounds N] [--only zygote|fresh|cpp]`.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { VerifierServiceClient } from '@verimesh/proto';
import { verifierClient } from './lib/grpc.js';
import { machineLine } from './lib/machine.js';
import { freePort, spawnNode } from './lib/proc.js';
import { f1, f2 } from './lib/stats.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(flag('rounds') ?? 4);
const ONLY = flag('only');
const CORES = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 2;

async function startService(env: Record<string, string>): Promise<{ proc: ChildProcess; client: VerifierServiceClient }> {
  const port = await freePort();
  const proc = spawnNode(['services/code-exec/src/main.ts', '--port', String(port), '--metrics-port', '0', '--host', '127.0.0.1'], {
    // No numpy in the zygotes, as in the fork server (',' is an empty list: an empty variable means the default).
    env: { VERIMESH_LOG_LEVEL: 'warn', VERIMESH_CODE_EXEC_ZYGOTE_PRELOAD: ',', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const client = verifierClient(port);
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 60_000, (e) => (e ? reject(e) : resolve())));
  return { proc, client };
}

const item = (key: string, verifier: string, response: string, reference: object, params: object = {}) => ({
  key, verifier, response, reference_json: JSON.stringify(reference), params_json: JSON.stringify(params),
});

function call(client: VerifierServiceClient, items: object[]): Promise<any[]> {
  return new Promise((resolve, reject) =>
    client.VerifyBatch({ items }, { deadline: Date.now() + 600_000 }, (e, r) => (e ? reject(e) : resolve(r!.results as any[]))),
  );
}

function check(results: any[], want: number): void {
  for (const r of results) {
    if (r.result.status !== 'COMPONENT_STATUS_OK' || r.result.score !== want) throw new Error(`unexpected result ${JSON.stringify(r.result).slice(0, 300)}`);
  }
}

// The workload: trivial asserts, 10 per rollout (tests of `add`); the same programs for every path.
const PY_CODE = 'def add(a, b):\n    return a + b';
const pyTest = (i: number, j: number): string => `assert add(${j}, ${i}) == ${i + j}`;
const JS_CODE = 'function add(a, b) { return a + b; }';
const jsTest = (i: number, j: number): string => `assert.strictEqual(add(${j}, ${i}), ${i + j})`;
const PY_IO = 'a, b = map(int, input().split())\nprint(a + b)';

type Workload = 'py-assert' | 'py-io' | 'js-assert';
const rollouts = (w: Workload, n: number, tests: number, tag: string) =>
  Array.from({ length: n }, (_, i) => {
    const key = `${tag}${i}`;
    if (w === 'py-io') return item(key, 'code.tests', `\`\`\`python\n${PY_IO}\n\`\`\``, { language: 'python', tests: Array.from({ length: tests }, (_, j) => ({ stdin: `${j} ${i}`, stdout: String(i + j) })) });
    const [lang, code, test] = w === 'py-assert' ? ['python', PY_CODE, pyTest] as const : ['javascript', JS_CODE, jsTest] as const;
    return item(key, 'code.tests', `\`\`\`${lang}\n${code}\n\`\`\``, { language: lang, tests: Array.from({ length: tests }, (_, j) => test(i, j)) });
  });

/** The Python the service uses (pyenv shims resolved) and the prefixes a sandbox must bind for it. */
function pythonInfo(): { exe: string; roots: string[] } {
  const out = execFileSync('python3', ['-c', 'import sys; print(sys.executable); print(sys.base_prefix)'], { encoding: 'utf8' }).trim().split('\n');
  return { exe: out[0]!, roots: [...new Set([out[1]!])].filter((p) => !p.startsWith('/usr')) };
}

// -- baseline 1: a warm fork server, no sandbox ---------------------------------------------------------------------
// Started like the zygote (python -E -S, then site's helpers and site-packages), with the same modules warmed.
const FORK_SERVER = String.raw`
import json, os, sys, site
site.setquit(); site.setcopyright(); site.sethelper()
sys.path.extend(p for p in site.getsitepackages() if p not in sys.path and os.path.isdir(p))
import collections, functools, heapq, itertools, math, random, re, string, bisect, typing, fractions, decimal, dataclasses
null = os.open('/dev/null', os.O_WRONLY)
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    msg = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.dup2(null, 1)
        try:
            exec(compile(msg['code'] + '\n' + msg['test'] + '\n', 'main.py', 'exec'), {'__name__': '__main__'})
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    out.write((json.dumps({'id': msg['id'], 'ok': status == 0}) + '\n').encode())
    out.flush()
`;

/** `CORES` warm fork servers (one test at a time each), fed over pipes like the zygotes are. */
function forkServers(python: string): { round: (count: number, tests: number) => Promise<void>; stop: () => void } {
  const servers = Array.from({ length: CORES }, () => spawn(python, ['-E', '-S', '-c', FORK_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const pending = new Map<number, (ok: boolean) => void>();
  for (const s of servers) createInterface({ input: s.stdout! }).on('line', (l) => {
    const m = JSON.parse(l) as { id: number; ok: boolean };
    pending.get(m.id)?.(m.ok);
  });
  let next = 0;
  const runOn = (s: ChildProcess, test: string): Promise<boolean> =>
    new Promise((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      s.stdin!.write(JSON.stringify({ id, code: PY_CODE, test }) + '\n');
    });
  const round = async (count: number, tests: number): Promise<void> => {
    const work = Array.from({ length: count }, (_, k) => pyTest(Math.floor(k / tests), k % tests));
    await Promise.all(
      servers.map(async (s) => {
        for (let t = work.pop(); t !== undefined; t = work.pop()) if (!(await runOn(s, t))) throw new Error('fork server: a test failed');
      }),
    );
  };
  return { round, stop: () => servers.forEach((s) => s.kill('SIGKILL')) };
}

// -- baseline 2: plain bwrap + interpreter per test ------------------------------------------------------------------
function plainBwrap(argv: string[], roots: string[], stdin: string): Promise<{ code: number | null; out: string }> {
  const binds = roots.flatMap((r) => ['--ro-bind', r, r]);
  const a = ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin', ...binds, '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--chdir', '/tmp', '--', ...argv];
  return new Promise((resolve, reject) => {
    const c = spawn('bwrap', a, { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', reject);
    c.once('close', (code) => resolve({ code, out }));
    c.stdin!.end(stdin);
  });
}

/** One round of plain bwrap + interpreter runs, `CORES` at a time; each must succeed (and print `want`). */
async function plainBwrapRound(make: (k: number) => { argv: string[]; stdin: string; want?: string }, roots: string[], count: number): Promise<void> {
  let k = 0;
  const one = async (): Promise<void> => {
    for (let i = k++; i < count; i = k++) {
      const { argv, stdin, want } = make(i);
      const r = await plainBwrap(argv, roots, stdin);
      if (r.code !== 0 || (want !== undefined && r.out.trim() !== want)) throw new Error(`plain bwrap run failed: ${r.code} ${r.out.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CORES }, one));
}

/** Alternating rounds of a baseline and of ours (so both see the same load); runs per second of each. */
async function alternate(rounds: number, runsPerRound: number, base: () => Promise<void>, ours: () => Promise<void>): Promise<{ base: number; ours: number }> {
  await base();
  await ours();
  let baseMs = 0;
  let oursMs = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    await base();
    baseMs += performance.now() - t0;
    t0 = performance.now();
    await ours();
    oursMs += performance.now() - t0;
  }
  return { base: (rounds * runsPerRound) / (baseMs / 1000), ours: (rounds * runsPerRound) / (oursMs / 1000) };
}

const CPP = '```cpp\n#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n```';
const cppTests = Array.from({ length: 10 }, (_, i) => ({ stdin: `${i} ${i * 7}\n`, stdout: `${i * 8}\n` }));

async function main(): Promise<void> {
  console.log(machineLine());
  const py = pythonInfo();
  const node = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim();

  if (!ONLY || ONLY === 'zygote') {
    // Alternating rounds (fork servers, then the service, ...), so that both see the same load on a shared machine.
    const base = forkServers(py.exe);
    const svc = await startService({});
    try {
      const n = 50;
      const tests = 10;
      let r = 0;
      const z = await alternate(ROUNDS, n * tests, () => base.round(n * tests, tests), async () => check(await call(svc.client, rollouts('py-assert', n, tests, `r${r++}-`)), 1));
      console.log(`python asserts, zygote path (defaults: ${CORES} zygotes): ${f1(z.ours)} runs/s; warm fork server, no sandbox: ${f1(z.base)} runs/s (${ROUNDS} alternating rounds of ${n * tests} runs); ratio ${f2(z.ours / z.base)}`);
    } finally {
      base.stop();
      svc.client.close();
      svc.proc.kill('SIGTERM');
    }
  }

  if (!ONLY || ONLY === 'fresh') {
    const svc = await startService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '0' });
    try {
      // Each baseline starts its interpreter as our path does: the Python assert harness as python -E -S (+ site's
      // helpers), stdin/stdout programs as plain python3, node as node. Rounds of 4 rollouts x 5 tests = 20 runs.
      const per = 20;
      let k = 0;
      const pyS = (i: number) => ({ argv: [py.exe, '-E', '-S', '-c', `import site; site.setquit()\n${PY_CODE}\n${pyTest(i, 1)}\nprint('ok')`], stdin: '', want: 'ok' });
      const round = (w: Workload) => async (): Promise<void> => check(await call(svc.client, rollouts(w, 4, 5, `${w}${k++}-`)), 1);
      const pa = await alternate(ROUNDS, per, () => plainBwrapRound(pyS, py.roots, per), round('py-assert'));
      const pi = await alternate(ROUNDS, per, () => plainBwrapRound((i) => ({ argv: [py.exe, '-c', PY_IO], stdin: `${i} 1`, want: String(i + 1) }), py.roots, per), round('py-io'));
      const js = await alternate(ROUNDS, per, () => plainBwrapRound((i) => ({ argv: [node, '-e', `const assert = require('node:assert');\n${JS_CODE}\n${jsTest(i, 1)};\nconsole.log('ok')`], stdin: '', want: 'ok' }), [], per), round('js-assert'));
      for (const [label, r, base] of [['python asserts', pa, 'python3 -E -S'], ['python stdin/stdout', pi, 'python3'], ['javascript asserts', js, 'node']] as const) {
        console.log(`fresh-sandbox path (a sandbox per rollout), ${label}: ${f1(r.ours)} runs/s vs plain bwrap + ${base}: ${f1(r.base)} runs/s; ratio ${f2(r.ours / r.base)}`);
      }

      if (!ONLY || ONLY === 'cpp') {
        await call(svc.client, [item('warm', 'code.tests', CPP, { language: 'cpp', tests: cppTests.slice(0, 1) })]);
        let t0 = performance.now();
        check(await call(svc.client, Array.from({ length: 4 }, (_, i) => item(`c${i}`, 'code.tests', CPP, { language: 'cpp', tests: cppTests }))), 1);
        const onceRate = 4 / ((performance.now() - t0) / 1000);
        t0 = performance.now();
        check(await call(svc.client, Array.from({ length: 40 }, (_, i) => item(`p${i}`, 'code.tests', CPP, { language: 'cpp', tests: [cppTests[i % 10]] }))), 1);
        const perRate = 4 / ((performance.now() - t0) / 1000);
        console.log(`C++ rollouts of 10 tests: compile once ${f2(onceRate)} rollouts/s, compile per test ${f2(perRate)} rollouts/s (${f1(onceRate / perRate)}x)`);
      }
    } finally {
      svc.client.close();
      svc.proc.kill('SIGTERM');
    }
  }
  console.log(machineLine());
}

await main();
process.exit(0);
