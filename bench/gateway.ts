// Gateway benchmark: 1,024-sample batches of text.exact + text.format through a real gateway process over loopback,
// against the naive design (one unary Score per sample) and the transport limit (an echo server, same hops, no work),
// plus the gateway's RSS with 10,000 samples in flight. Run: npm run bench:gateway. Figures go to bench/gateway.RESULTS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { noopLogger, startServer } from '@verimesh/kit';
import {
  loadPackage,
  type RewardGatewayServiceClient,
  type Sample,
  type ScoreRequest__Output,
  type ScoreResponse,
  type VerifyBatchRequest__Output,
  type VerifyBatchResponse,
} from '@verimesh/proto';

const BATCH = 1024;
const args = process.argv.slice(2);

// ---------- server modes (this file re-spawned as a child process) ----------

/** Echo: a RewardGatewayService whose Score answers each sample with a result of the gateway's shape, doing no work. */
async function echoServer(port: number): Promise<void> {
  const pkg = loadPackage();
  await startServer({
    name: 'echo',
    host: '127.0.0.1',
    port,
    log: noopLogger,
    register: (server) =>
      server.addService(pkg.verimesh.v1.RewardGatewayService.service, {
        Score: (call: grpc.ServerUnaryCall<ScoreRequest__Output, ScoreResponse>, cb: grpc.sendUnaryData<ScoreResponse>) => {
          const results = call.request.samples.map((s) => ({
            id: s.id,
            reward: 1,
            status: 'RESULT_STATUS_OK' as const,
            error: '',
            metadata_json: s.metadata_json,
            components: s.reward!.components.map((c) => ({
              name: c.name || c.verifier,
              score: 1,
              status: 'COMPONENT_STATUS_OK' as const,
              detail: 'choice B matches',
              metrics_json: '{"match":"letter","letter":"B"}',
              latency_ms: 0.01,
            })),
          }));
          cb(null, { results, groups: [] });
        },
        ScoreStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
        ListVerifiers: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { verifiers: [] }),
      }),
  });
}

/** A VerifierService that holds every batch for `delayMs` then scores each item 1 (keeps samples in flight for the RSS probe). */
async function slowVerifier(port: number, delayMs: number): Promise<void> {
  const pkg = loadPackage();
  await startServer({
    name: 'slow',
    host: '127.0.0.1',
    port,
    log: noopLogger,
    register: (server) =>
      server.addService(pkg.verimesh.v1.VerifierService.service, {
        VerifyBatch: (call: grpc.ServerUnaryCall<VerifyBatchRequest__Output, VerifyBatchResponse>, cb: grpc.sendUnaryData<VerifyBatchResponse>) => {
          setTimeout(() => cb(null, { results: call.request.items.map((it) => ({ key: it.key, result: { score: 1, status: 'COMPONENT_STATUS_OK' } })) }), delayMs);
        },
        Describe: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { service: 'vision-iou', version: 'bench', verifiers: [] }),
      }),
  });
}

// ---------- helpers ----------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

function spawnNode(argv: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...argv], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, VERIMESH_LOG_LEVEL: 'error' } });
  return child;
}

function client(port: number): RewardGatewayServiceClient {
  const Ctor = loadPackage().verimesh.v1.RewardGatewayService;
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 << 20, 'grpc.max_send_message_length': 256 << 20 });
}

function score(c: RewardGatewayServiceClient, samples: Sample[]): Promise<ScoreResponse> {
  return new Promise((resolve, reject) => c.Score({ samples }, { deadline: Date.now() + 120_000 }, (e, r) => (e ? reject(e) : resolve(r as ScoreResponse))));
}

async function waitReady(c: RewardGatewayServiceClient, probe: Sample[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await score(c, probe);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('server did not come up');
}

const RESPONSE_BODY = 'Let me look at the options carefully. '.repeat(4);
function makeSamples(n: number, prefix: string, extra: object[] = []): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    group: `g${i >> 3}`,
    response: `<think>${RESPONSE_BODY}${i}</think><answer>${i % 3 === 0 ? 'C' : 'B'}</answer>`,
    reference_json: '{"answer":"B"}',
    reward: {
      components: [
        { name: 'format', verifier: 'text.format', params_json: '{"pattern":"think_answer"}', weight: 0.2 },
        { name: 'exact', verifier: 'text.exact' },
        ...extra,
      ],
      combine: 'sum',
    },
  }));
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Run {
  samplesPerSec: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) the server process spent per sample: insensitive to other load on the machine. */
  serverCpuUs?: number;
}

/** utime + stime of a process in microseconds (from /proc, clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10_000;
}

async function withCpu(pid: number, samples: number, f: () => Promise<Run>): Promise<Run> {
  const c0 = cpuUs(pid);
  const r = await f();
  return { ...r, serverCpuUs: (cpuUs(pid) - c0) / samples };
}

/** `rounds` batches, `inFlight` at a time; latency per batch, throughput over the whole run. */
async function runBatches(c: RewardGatewayServiceClient, rounds: number, inFlight: number, check = false): Promise<Run> {
  const batches = Array.from({ length: inFlight }, (_, k) => makeSamples(BATCH, `b${k}`));
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    batches.map(async (b) => {
      while (next < rounds) {
        next++;
        const s = performance.now();
        const r = await score(c, b);
        lat.push(performance.now() - s);
        if (check && (r.results!.length !== BATCH || r.results!.some((x) => x.status !== 'RESULT_STATUS_OK'))) throw new Error('bad results');
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { samplesPerSec: (rounds * BATCH) / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** The naive design: one unary Score per sample, `concurrency` calls in flight. */
async function runNaive(c: RewardGatewayServiceClient, n: number, concurrency: number): Promise<{ samplesPerSec: number; p50: number; p99: number }> {
  const samples = makeSamples(n, 'n');
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < samples.length) {
        const s = samples[next++]!;
        const t = performance.now();
        await score(c, [s]);
        lat.push(performance.now() - t);
      }
    }),
  );
  return { samplesPerSec: n / ((performance.now() - t0) / 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const f1 = (x: number) => x.toFixed(1);

async function main(): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--echo-server')) return echoServer(Number(flag('--port')));
  if (args.includes('--slow-verifier')) return slowVerifier(Number(flag('--port')), Number(flag('--delay-ms') ?? 2000));

  const rounds = Number(flag('--rounds') ?? 20);
  const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const children: ChildProcess[] = [];
  const cleanup = () => children.forEach((c) => c.kill('SIGKILL'));
  process.on('exit', cleanup);
  try {
    const gwPort = await freePort();
    const echoPort = await freePort();
    const slowPort = await freePort();
    const gw = spawnNode(['services/gateway/src/main.ts', '--host', '127.0.0.1', '--port', String(gwPort), '--http-port', '0', '--services', `vision-iou=127.0.0.1:${slowPort}`, '--log-level', 'error']);
    const echo = spawnNode(['bench/gateway.ts', '--echo-server', '--port', String(echoPort)]);
    const slow = spawnNode(['bench/gateway.ts', '--slow-verifier', '--port', String(slowPort), '--delay-ms', '3000']);
    children.push(gw, echo, slow);
    const gwc = client(gwPort);
    const echoc = client(echoPort);
    await waitReady(gwc, makeSamples(1, 'probe'));
    await waitReady(echoc, makeSamples(1, 'probe'));

    // Warm-up (JIT, channel, spec cache) on both.
    await runBatches(gwc, 10, 1, true);
    await runBatches(echoc, 10, 1);

    // Interleaved trials, medians reported: other work on a shared 2-core machine makes single runs noisy.
    const trials = Number(flag('--trials') ?? 3);
    const kinds = ['gateway, 1 batch in flight', 'echo, 1 batch in flight', 'gateway, 2 batches in flight', 'echo, 2 batches in flight'] as const;
    const runs: Record<string, Run[]> = {};
    const naiveRuns: Run[] = [];
    const naive1Runs: Run[] = [];
    await runNaive(gwc, 500, 64); // warm-up
    for (let t = 0; t < trials; t++) {
      const n = rounds * BATCH;
      (runs[kinds[0]] ??= []).push(await withCpu(gw.pid!, n, () => runBatches(gwc, rounds, 1, true)));
      (runs[kinds[1]] ??= []).push(await withCpu(echo.pid!, n, () => runBatches(echoc, rounds, 1)));
      (runs[kinds[2]] ??= []).push(await withCpu(gw.pid!, n, () => runBatches(gwc, rounds, 2, true)));
      (runs[kinds[3]] ??= []).push(await withCpu(echo.pid!, n, () => runBatches(echoc, rounds, 2)));
      naiveRuns.push(await withCpu(gw.pid!, 3000, () => runNaive(gwc, 3000, 64)));
      naive1Runs.push(await withCpu(gw.pid!, 1000, () => runNaive(gwc, 1000, 1)));
    }
    const med = (rs: Run[]): Run => ({
      samplesPerSec: pct(rs.map((r) => r.samplesPerSec), 50),
      p50: pct(rs.map((r) => r.p50), 50),
      p99: pct(rs.map((r) => r.p99), 50),
      serverCpuUs: pct(rs.map((r) => r.serverCpuUs ?? 0), 50),
    });
    const results: Record<string, Run> = Object.fromEntries(kinds.map((k) => [k, med(runs[k]!)]));
    const naive = med(naiveRuns);
    const naive1 = med(naive1Runs);
    const perTrial = (f: (t: number) => number) => pct(Array.from({ length: trials }, (_, t) => f(t)), 50);
    const bestGw = (t: number) => Math.max(runs[kinds[0]]![t]!.samplesPerSec, runs[kinds[2]]![t]!.samplesPerSec);
    const vsNaive = perTrial((t) => bestGw(t) / Math.max(naiveRuns[t]!.samplesPerSec, naive1Runs[t]!.samplesPerSec));
    const vsEcho1 = perTrial((t) => runs[kinds[0]]![t]!.samplesPerSec / runs[kinds[1]]![t]!.samplesPerSec);
    const vsEcho2 = perTrial((t) => runs[kinds[2]]![t]!.samplesPerSec / runs[kinds[3]]![t]!.samplesPerSec);

    // RSS with 10,000 samples in flight: each sample also has a vision.box_iou component served by a verifier that
    // holds every batch for 3 s, so all 10 requests of 1,000 samples sit in the gateway at once.
    const before = rssOf(gw.pid!);
    const held = Array.from({ length: 10 }, (_, k) => makeSamples(1000, `rss${k}`, [{ name: 'iou', verifier: 'vision.box_iou' }]));
    const pending = held.map((b) => score(gwc, b));
    await new Promise((r) => setTimeout(r, 1500));
    const during = rssOf(gw.pid!);
    const done = await Promise.all(pending);
    const okAll = done.every((r) => r.results!.length === 1000 && r.results!.every((x) => x.status === 'RESULT_STATUS_OK'));
    const after = rssOf(gw.pid!);

    gwc.close();
    echoc.close();

    const g1 = results[kinds[0]]!;
    const g2 = results[kinds[2]]!;
    const lines = [
      `| run | samples/s | p50 batch ms | p99 batch ms | server CPU µs/sample |`,
      `|---|---:|---:|---:|---:|`,
      ...Object.entries(results).map(([k, r]) => `| ${k} | ${f0(r.samplesPerSec)} | ${f1(r.p50)} | ${f1(r.p99)} | ${f1(r.serverCpuUs!)} |`),
      `| naive: one unary Score per sample, 64 in flight | ${f0(naive.samplesPerSec)} | ${f1(naive.p50)} (per call) | ${f1(naive.p99)} (per call) | ${f1(naive.serverCpuUs!)} |`,
      `| naive: one unary Score per sample, 1 in flight | ${f0(naive1.samplesPerSec)} | ${f1(naive1.p50)} (per call) | ${f1(naive1.p99)} (per call) | ${f1(naive1.serverCpuUs!)} |`,
      '',
      `(medians of ${trials} interleaved trials of ${rounds} batches each; ratios are medians of per-trial ratios; load average at start ${loadAvg})`,
      '',
      `- gateway vs naive (best gateway mode / best naive mode, same trial): ${f1(vsNaive)}x (target >= 20x)`,
      `- gateway vs echo: ${f0(100 * vsEcho1)}% with 1 batch in flight, ${f0(100 * vsEcho2)}% with 2 (target >= 50%)`,
      `- server CPU per sample, gateway vs naive: ${f1(naive.serverCpuUs! / g1.serverCpuUs!)}x less; gateway vs echo: ${f1(g1.serverCpuUs!)} vs ${f1(results[kinds[1]]!.serverCpuUs!)} µs`,
      `- best gateway throughput: ${f0(Math.max(g1.samplesPerSec, g2.samplesPerSec))} samples/s (target >= 20,000)`,
      `- gateway RSS: ${mb(before.rss)} before, ${mb(during.rss)} with 10,000 samples in flight, peak (VmHWM) ${mb(after.hwm)} (target < 300 MB); all 10,000 ok: ${okAll}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    cleanup();
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
