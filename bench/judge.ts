// Benchmark of the llm-judge service against a local OpenAI-compatible backend with 200 ms latency and 64 slots:
// judgments/s through a real service process over gRPC (target ≥ 90% of 64 / 0.2 s = 320/s), the service's own
// overhead per judgment, and the cache-hit path. Baseline in the same run: a bare HTTP client on the same backend.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { noopLogger, runBatch, type ServiceDef } from '@verimesh/kit';
import { createService, loadServiceConfig } from '@verimesh/llm-judge';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { OpenAiServer } from '@verimesh/llm-judge/testing';
import { machine } from './lib/machine.js';
import { cpuUs } from './lib/proc.js';
import { pct } from './lib/stats.js';

const LATENCY_MS = 200;
const SLOTS = 64;
const N = Number(process.env.BENCH_JUDGMENTS ?? 1920);
const BATCH = 64;
const CALLS_IN_FLIGHT = 4;
const IDEAL = SLOTS / (LATENCY_MS / 1000);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 40);

const REPLY = JSON.stringify({ criteria: [{ id: 1, reason: 'it is polite', score: 1 }] });

const cpuMsOf = (pid: number): number => cpuUs(pid) / 1000;

/** One chat request from a bare keep-alive HTTP client: what any client gets from this backend on this machine. */
function bareRequest(agent: http.Agent, url: string): Promise<void> {
  const body = JSON.stringify({ model: 'bench-judge', messages: [{ role: 'user', content: 'x' }], temperature: 0, stream: false });
  const u = new URL(`${url}/chat/completions`);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The bare client with the same 64 slots: requests/s. */
async function baseline(url: string, n: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SLOTS });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SLOTS }, async () => {
      while (next++ < n) await bareRequest(agent, url);
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  agent.destroy();
  return rate;
}

function startService(url: string): Promise<{ pid: number; address: string; stop: () => void }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), '--import', 'tsx', 'services/llm-judge/src/main.ts', '--port', '0', '--metrics-port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, VERIMESH_LLM_JUDGE_URL: url, VERIMESH_LLM_JUDGE_MODEL: 'bench-judge', VERIMESH_LLM_JUDGE_CONCURRENCY: String(SLOTS), VERIMESH_LOG_LEVEL: 'info', VERIMESH_LLM_JUDGE_CACHE_SIZE: '100000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        try {
          const rec = JSON.parse(line) as { msg?: string; port?: number };
          if (rec.msg === 'serving' && rec.port) {
            child.stderr.removeAllListeners('data');
            child.stderr.resume();
            resolve({ pid: child.pid!, address: `127.0.0.1:${rec.port}`, stop: () => child.kill('SIGTERM') });
            return;
          }
        } catch {
          // not a complete JSON line yet
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`service exited early (${code}): ${buf}`)));
  });
}

function items(from: number, count: number): object[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `k${from + i}`,
    verifier: 'judge.rubric',
    prompt: 'Say thanks.',
    response: `Thank you very much, friend number ${from + i}!`,
    reference_json: JSON.stringify({ rubric: [{ criterion: 'Is polite', weight: 1 }, { criterion: 'At most 20 words', weight: 1, check: { type: 'max_words', value: 20 } }] }),
    params_json: '{}',
  }));
}

function verifyBatch(client: VerifierServiceClient, batch: object[]): Promise<any> {
  return new Promise((resolve, reject) => client.VerifyBatch({ items: batch }, { deadline: Date.now() + 120_000 }, (e, r) => (e ? reject(e) : resolve(r))));
}

/**
 * Latency without load: one judgment at a time through the service, alternating with one bare request, so both see
 * the same machine. The difference is what the service adds to a judgment (its gRPC hop and the wake-ups of one more
 * process included), free of queueing behind other judgments; the embedded run shows the judging code alone.
 */
async function sequential(client: VerifierServiceClient, embedded: ServiceDef, url: string, n: number): Promise<Record<'service' | 'bare' | 'describe' | 'embedded', number[]>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const service: number[] = [];
  const bare: number[] = [];
  const describe: number[] = [];
  const inProcess: number[] = [];
  for (let i = -3; i < n; i++) {
    // The same judgment code in this process, as the embedded mesh runs it: no gRPC hop, no other process to wake.
    let t = performance.now();
    const [r] = await runBatch(embedded, items(3_000_000 + i, 1) as never, { deadline: Date.now() + 60_000 });
    if (r!.result!.status !== 'COMPONENT_STATUS_OK') throw new Error(`embedded judgment failed: ${r!.result!.detail}`);
    if (i >= 0) inProcess.push(performance.now() - t);

    t = performance.now();
    const res = await verifyBatch(client, items(2_000_000 + i, 1));
    if (res.results[0].result.status !== 'COMPONENT_STATUS_OK') throw new Error(`judgment failed: ${res.results[0].result.detail}`);
    if (i >= 0) service.push(performance.now() - t);
    t = performance.now();
    await bareRequest(agent, url);
    if (i >= 0) bare.push(performance.now() - t);
    // The service sat idle for 200 ms as it does before each reply: a Describe now costs the gRPC hop plus waking
    // the process, and no judging work.
    t = performance.now();
    await new Promise((resolve, reject) => client.Describe({}, (e, r) => (e ? reject(e) : resolve(r))));
    if (i >= 0) describe.push(performance.now() - t);
  }
  agent.destroy();
  return { service, bare, describe, embedded: inProcess };
}

async function run(client: VerifierServiceClient, n: number, offset = 0): Promise<{ seconds: number; hits: number; ok: number; batchMs: number[] }> {
  let next = 0;
  let hits = 0;
  let ok = 0;
  const batchMs: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CALLS_IN_FLIGHT }, async () => {
      while (next < n) {
        const from = next;
        next += BATCH;
        const b0 = performance.now();
        const res = await verifyBatch(client, items(offset + from, Math.min(BATCH, n - from)));
        batchMs.push(performance.now() - b0);
        for (const r of res.results) {
          if (r.result.status === 'COMPONENT_STATUS_OK') ok++;
          if (JSON.parse(r.result.metrics_json || '{}').cache_hit === true) hits++;
        }
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, hits, ok, batchMs };
}

/** The backend runs in its own process (as a real vLLM would), so its CPU does not queue behind the load client. */
async function backendProcess(): Promise<void> {
  const backend = new OpenAiServer({ latencyMs: LATENCY_MS, concurrency: SLOTS, record: false });
  backend.chat = () => REPLY;
  const url = await backend.start();
  process.stdout.write(`${url}\n`);
  process.on('message', (m) => {
    if (m === 'max') process.send!({ maxInFlight: backend.maxInFlight });
    if (m === 'reset') backend.maxInFlight = 0;
  });
  process.on('SIGTERM', () => void backend.close().then(() => process.exit(0)));
}

function startBackend(): Promise<{ url: string; maxInFlight: () => Promise<number>; reset: () => void; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/judge.ts', '--backend'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) =>
      resolve({
        url: d.toString().trim(),
        maxInFlight: () =>
          new Promise((r) => {
            child.once('message', (m) => r((m as { maxInFlight: number }).maxInFlight));
            child.send('max');
          }),
        reset: () => child.send('reset'),
        stop: () => child.kill('SIGTERM'),
      }),
    );
    child.once('exit', (code) => reject(new Error(`backend exited early (${code})`)));
  });
}

async function main(): Promise<void> {
  const backend = await startBackend();
  const url = backend.url;
  const svc = await startService(url);
  const client: VerifierServiceClient = new (loadPackage().verimesh.v1.VerifierService)(svc.address, grpc.credentials.createInsecure());
  try {
    await baseline(url, SLOTS * 2); // warm connections
    const base = await baseline(url, N);
    await run(client, SLOTS * 2); // warm-up (JIT, connections); distinct keys below
    const embedded = createService(loadServiceConfig({ env: { VERIMESH_LLM_JUDGE_URL: url, VERIMESH_LLM_JUDGE_MODEL: 'bench-judge' } }), noopLogger);
    const seq = await sequential(client, embedded, url, SEQUENTIAL);
    await embedded.stop?.();
    const offset = 1_000_000;
    backend.reset();
    const cpu0 = cpuMsOf(svc.pid);
    const cold = await run(client, N, offset);
    const cpu1 = cpuMsOf(svc.pid);
    const coldMax = await backend.maxInFlight();
    // The machine's load drifts (other suites run on these 2 cores): the bare client again, right after.
    const baseAfter = await baseline(url, N);
    const warm = await run(client, N, offset);
    const cpu2 = cpuMsOf(svc.pid);
    const coldRate = N / cold.seconds;
    const warmRate = N / warm.seconds;
    // Per judgment each of the 64 slots is busy 64/rate s. Beyond the backend's 200 ms, the bare client's excess is
    // the loopback stack and the backend process; what the service adds on top of that is its overhead.
    const slotOverheadMs = (SLOTS / coldRate - LATENCY_MS / 1000) * 1000;
    const baseOverheadMs = (SLOTS / base - LATENCY_MS / 1000) * 1000;
    const addedMs = slotOverheadMs - baseOverheadMs;
    const cpuPerJudgment = (cpu1 - cpu0) / N;
    const seqAdded = seq.service.map((x, i) => x - seq.bare[i]!);
    const embeddedAdded = seq.embedded.map((x, i) => x - seq.bare[i]!);
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      setup: { backend_latency_ms: LATENCY_MS, backend_slots: SLOTS, service_backend_concurrency: SLOTS, judgments: N, batch: BATCH, grpc_calls_in_flight: CALLS_IN_FLIGHT },
      unloaded_latency: {
        judgments: SEQUENTIAL,
        service_ms_p50: round(pct(seq.service, 50), 2),
        bare_client_ms_p50: round(pct(seq.bare, 50), 2),
        added_ms_p50: round(pct(seqAdded, 50), 2),
        added_ms_p10: round(pct(seqAdded, 10), 2),
        added_ms_p90: round(pct(seqAdded, 90), 2),
        idle_describe_roundtrip_ms_p50: round(pct(seq.describe, 50), 2),
        embedded_ms_p50: round(pct(seq.embedded, 50), 2),
        embedded_added_ms_p50: round(pct(embeddedAdded, 50), 2),
        embedded_added_ms_p90: round(pct(embeddedAdded, 90), 2),
      },
      baseline_http_client_per_s: round(base),
      baseline_http_client_after_per_s: round(baseAfter),
      ideal_per_s: IDEAL,
      uncached: {
        judgments_per_s: round(coldRate),
        vs_ideal: round(coldRate / IDEAL, 3),
        vs_baseline: round(coldRate / base, 3),
        ok: cold.ok,
        cache_hits: cold.hits,
        backend_max_in_flight: coldMax,
        slot_ms_beyond_200ms: round(slotOverheadMs, 2),
        baseline_slot_ms_beyond_200ms: round(baseOverheadMs, 2),
        // Noisy: the difference of two throughputs, each shaken by whatever else the machine runs.
        added_slot_ms_under_load: round(addedMs, 2),
        service_cpu_ms_per_judgment: round(cpuPerJudgment, 3),
        batch_ms_p50: round(pct(cold.batchMs, 50)),
      },
      cache_hit_path: {
        judgments_per_s: round(warmRate),
        ok: warm.ok,
        cache_hits: warm.hits,
        service_cpu_ms_per_judgment: round((cpu2 - cpu1) / N, 3),
        batch_ms_p50: round(pct(warm.batchMs, 50), 2),
        batch_ms_p95: round(pct(warm.batchMs, 95), 2),
      },
      targets: {
        throughput_ge_90pct_of_320: coldRate >= 0.9 * IDEAL,
        service_cpu_lt_1ms_per_judgment: cpuPerJudgment < 1,
        service_added_latency_unloaded_p50_lt_1ms: pct(seqAdded, 50) < 1,
        embedded_added_latency_p50_lt_1ms: pct(embeddedAdded, 50) < 1,
      },
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    client.close();
    svc.stop();
    backend.stop();
  }
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

void (process.argv.includes('--backend') ? backendProcess() : main()).catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
