// Benchmark: code-exec over real gRPC. Python trivial asserts per second through the zygote path (service defaults and
// explicit settings), against one fresh sandboxed python3 per test (the same service with zygotes off) in the same run;
// C++ rollouts of 10 tests, compiled once per rollout against compiled once per test. `npm run bench:code-exec -- NAME`
// measures only the zygote configurations whose name contains NAME.
import type { ChildProcess } from 'node:child_process';
import type { VerifierServiceClient } from '@verimesh/proto';
import { verifierClient } from './lib/grpc.js';
import { machineLine } from './lib/machine.js';
import { freePort, spawnNode } from './lib/proc.js';

async function startService(env: Record<string, string>): Promise<{ proc: ChildProcess; client: VerifierServiceClient }> {
  const port = await freePort();
  const proc = spawnNode(['services/code-exec/src/main.ts', '--port', String(port), '--metrics-port', '0', '--host', '127.0.0.1'], {
    env: { VERIMESH_LOG_LEVEL: 'warn', VERIMESH_CODE_EXEC_ZYGOTE_PRELOAD: '', ...env },
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

const PY = '```python\ndef add(a, b):\n    return a + b\n```';
const pyItems = (n: number, tests: number, tag: string) =>
  Array.from({ length: n }, (_, i) => item(`${tag}${i}`, 'code.tests', PY, { language: 'python', tests: Array.from({ length: tests }, (_, j) => `assert add(${j}, ${i}) == ${i + j}`) }));

async function pythonRate(client: VerifierServiceClient, items: number, tests: number, rounds: number): Promise<number> {
  await call(client, pyItems(4, tests, 'warm'));
  const t0 = performance.now();
  let runs = 0;
  for (let r = 0; r < rounds; r++) {
    const res = await call(client, pyItems(items, tests, `r${r}-`));
    check(res, 1);
    runs += items * tests;
  }
  return runs / ((performance.now() - t0) / 1000);
}

const CPP = '```cpp\n#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n```';
const cppTests = Array.from({ length: 10 }, (_, i) => ({ stdin: `${i} ${i * 7}\n`, stdout: `${i * 8}\n` }));

/** Python zygote-path configurations measured in the same run: the service defaults, then explicit settings. */
const CONFIGS: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'defaults', env: {} },
  { name: 'concurrency 2, zygotes 4', env: { VERIMESH_CODE_EXEC_CONCURRENCY: '2', VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '4' } },
  { name: 'concurrency 4, zygotes 4', env: { VERIMESH_CODE_EXEC_CONCURRENCY: '4', VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '4' } },
];

async function main(): Promise<void> {
  console.log(machineLine());
  const only = process.argv[2];
  const rates = new Map<string, number>();
  for (const c of CONFIGS) {
    if (only && !c.name.includes(only)) continue;
    const svc = await startService(c.env);
    try {
      const rate = await pythonRate(svc.client, 50, 10, 6);
      rates.set(c.name, rate);
      console.log(`python trivial asserts, zygote path (${c.name}): ${rate.toFixed(0)} runs/s`);
    } finally {
      svc.client.close();
      svc.proc.kill('SIGTERM');
    }
  }
  const slow = await startService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '0' });
  try {
    const slowRate = await pythonRate(slow.client, 10, 5, 2);
    console.log(`python trivial asserts, fresh sandboxed python3 per test (baseline, defaults): ${slowRate.toFixed(1)} runs/s`);
    for (const [name, rate] of rates) console.log(`ratio (${name} / baseline): ${(rate / slowRate).toFixed(1)}x`);

    // C++: 4 rollouts of 10 tests, compiled once each, against the same 40 tests with one compile per test.
    await call(slow.client, [item('warm', 'code.tests', CPP, { language: 'cpp', tests: cppTests.slice(0, 1) })]);
    let t0 = performance.now();
    const once = await call(slow.client, Array.from({ length: 4 }, (_, i) => item(`c${i}`, 'code.tests', CPP, { language: 'cpp', tests: cppTests })));
    check(once, 1);
    const onceRate = 4 / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    const per = await call(slow.client, Array.from({ length: 40 }, (_, i) => item(`p${i}`, 'code.tests', CPP, { language: 'cpp', tests: [cppTests[i % 10]] })));
    check(per, 1);
    const perRate = 4 / ((performance.now() - t0) / 1000);
    console.log(`C++ rollouts of 10 tests (defaults): compile once ${onceRate.toFixed(2)} rollouts/s, compile per test ${perRate.toFixed(2)} rollouts/s (${(onceRate / perRate).toFixed(1)}x)`);
  } finally {
    slow.client.close();
    slow.proc.kill('SIGTERM');
  }
}

await main();
process.exit(0);
