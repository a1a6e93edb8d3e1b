// Gateway benchmark: 1,024-sample batches of text.exact + text.format through a real gateway process over loopback,
// against the naive design (one unary Score per sample) and the transport limit (an echo server, same hops, no work),
// plus the gateway's RSS with 10,000 samples in flight and with one 100,000-sample request. Run: npm run bench:gateway.
// Figures go to bench/RESULTS.md.
import type { ChildProcess } from 'node:child_process';
import type { RewardGatewayServiceClient, Sample } from '@verimesh/proto';
import { replicaMain } from './gateway-replicas.js';
import { gatewayClient, score } from './lib/grpc.js';
import { machine, machineLine } from './lib/machine.js';
import { cpuUs, freePort, killOnExit, rssOf, spawnNode, waitReady } from './lib/proc.js';
import { f0, f1, f2, mb, pct, runCalls, type Run as CallRun } from './lib/stats.js';

const BATCH = 1024;
const args = process.argv.slice(2);

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

interface Run extends CallRun {
  /** CPU time (user + system) the server process spent per sample: insensitive to other load on the machine. */
  serverCpuUs?: number;
}

async function withCpu(pid: number, samples: number, f: () => Promise<Run>): Promise<Run> {
  const c0 = cpuUs(pid);
  const r = await f();
  return { ...r, serverCpuUs: (cpuUs(pid) - c0) / samples };
}

/** `rounds` batches, `inFlight` at a time; latency per batch, throughput over the whole run. */
async function runBatches(c: RewardGatewayServiceClient, rounds: number, inFlight: number, check = false): Promise<Run> {
  const batches = Array.from({ length: inFlight }, (_, k) => makeSamples(BATCH, `b${k}`));
  const { samplesPerSec, p50, p99 } = await runCalls(rounds, inFlight, async (k) => {
    const r = await score(c, batches[k]!);
    if (check && (r.results!.length !== BATCH || r.results!.some((x) => x.status !== 'RESULT_STATUS_OK'))) throw new Error('bad results');
  }, BATCH);
  return { samplesPerSec, p50, p99 };
}

/** The naive design: one unary Score per sample, `concurrency` calls in flight. */
async function runNaive(c: RewardGatewayServiceClient, n: number, concurrency: number): Promise<Run> {
  const samples = makeSamples(n, 'n');
  let next = 0;
  const { samplesPerSec, p50, p99 } = await runCalls(n, concurrency, () => score(c, [samples[next++]!]), 1);
  return { samplesPerSec, p50, p99 };
}

async function main(): Promise<void> {
  if (args.includes('--replicas')) return replicaMain(args);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rounds = Number(flag('--rounds') ?? 20);
  // The machine, date and load at the start (RESULTS.md records them with every figure); the load again at the end.
  const start = machineLine();
  const loadAvg = machine().loadavg;
  const children: ChildProcess[] = [];
  const cleanup = killOnExit(children);
  try {
    const gwPort = await freePort();
    const echoPort = await freePort();
    const slowPort = await freePort();
    // --chunks-per-replica 256: every chunk of the RSS probes below reaches the slow verifier at once (it holds each call
    // 3 s whatever its size), so the samples sit in the gateway together as the probes intend.
    const gw = spawnNode(['services/gateway/src/main.ts', '--host', '127.0.0.1', '--port', String(gwPort), '--http-port', '0', '--services', `vision-iou=127.0.0.1:${slowPort}`, '--chunks-per-replica', '256', '--log-level', 'error']);
    const echo = spawnNode(['bench/lib/echo.ts', '--echo-score', '--port', String(echoPort)]);
    const directPort = await freePort();
    const direct = spawnNode(['bench/lib/echo.ts', '--echo-score', '--direct', '--port', String(directPort)]);
    const slow = spawnNode(['bench/lib/echo.ts', '--echo-verifier', '--port', String(slowPort), '--delay-ms', '3000']);
    children.push(gw, echo, slow, direct);
    const gwc = gatewayClient(gwPort);
    const echoc = gatewayClient(echoPort);
    const directc = gatewayClient(directPort);
    const probe = makeSamples(1, 'probe');
    await waitReady(() => score(gwc, probe), 200);
    await waitReady(() => score(echoc, probe), 200);
    await waitReady(() => score(directc, probe), 200);

    // Warm-up (JIT, channel, spec cache) on both.
    await runBatches(gwc, 10, 1, true);
    await runBatches(echoc, 10, 1);
    await runBatches(directc, 10, 1);

    // Interleaved trials, medians reported: other work on a shared 2-core machine makes single runs noisy.
    const trials = Number(flag('--trials') ?? 3);
    const kinds = [
      'gateway, 1 batch in flight',
      'echo, 1 batch in flight',
      'gateway, 2 batches in flight',
      'echo, 2 batches in flight',
      "echo with the gateway's reply encoder, 1 batch in flight",
    ] as const;
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
      (runs[kinds[4]] ??= []).push(await withCpu(direct.pid!, n, () => runBatches(directc, rounds, 1)));
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
    const vsDirect = perTrial((t) => runs[kinds[0]]![t]!.samplesPerSec / runs[kinds[4]]![t]!.samplesPerSec);

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

    // PLAN D4: one request of the documented maximum, 100,000 samples, held 3 s in the gateway by the same slow verifier;
    // RSS during it and the peak are what the default in-flight limit (100,000) costs.
    const big = makeSamples(100_000, 'max', [{ name: 'iou', verifier: 'vision.box_iou' }]);
    let bigFinished = false;
    const bigPending = score(gwc, big, 300_000).finally(() => (bigFinished = true));
    const bigDuring = { rss: 0 };
    while (!bigFinished) {
      bigDuring.rss = Math.max(bigDuring.rss, rssOf(gw.pid!).rss);
      await new Promise((r) => setTimeout(r, 100));
    }
    const bigDone = await bigPending;
    const bigOk = bigDone.results!.length === 100_000 && bigDone.results!.every((x) => x.status === 'RESULT_STATUS_OK');
    const bigAfter = rssOf(gw.pid!);
    // Issue 15.4: is the burst's memory given back? RSS 10, 30 and 60 s after it, against the idle figure (`before`).
    // No global.gc in production: whatever returns, returns by itself.
    const settle: number[] = [];
    for (const wait of !args.includes('--no-settle') ? [10, 20, 30] : []) {
      await new Promise((r) => setTimeout(r, wait * 1000));
      settle.push(rssOf(gw.pid!).rss);
    }

    gwc.close();
    echoc.close();
    directc.close();

    const g1 = results[kinds[0]]!;
    const g2 = results[kinds[2]]!;
    const lines = [
      start,
      '',
      `| run | samples/s | p50 batch ms | p99 batch ms | server CPU µs/sample |`,
      `|---|---:|---:|---:|---:|`,
      ...Object.entries(results).map(([k, r]) => `| ${k} | ${f0(r.samplesPerSec)} | ${f1(r.p50)} | ${f1(r.p99)} | ${f1(r.serverCpuUs!)} |`),
      `| naive: one unary Score per sample, 64 in flight | ${f0(naive.samplesPerSec)} | ${f1(naive.p50)} (per call) | ${f1(naive.p99)} (per call) | ${f1(naive.serverCpuUs!)} |`,
      `| naive: one unary Score per sample, 1 in flight | ${f0(naive1.samplesPerSec)} | ${f1(naive1.p50)} (per call) | ${f1(naive1.p99)} (per call) | ${f1(naive1.serverCpuUs!)} |`,
      '',
      `(medians of ${trials} interleaved trials of ${rounds} batches each; ratios are medians of per-trial ratios; load average at start ${loadAvg}, at the end ${machine().loadavg})`,
      '',
      `- gateway vs naive (best gateway mode / best naive mode, same trial): ${f1(vsNaive)}x (target >= 20x)`,
      `- gateway vs echo: ${f0(100 * vsEcho1)}% with 1 batch in flight, ${f0(100 * vsEcho2)}% with 2 (target >= 50%; issue 15.4: >= 70% with 1)`,
      `- gateway vs an echo whose reply goes through the gateway's own encoder (reply.ts), 1 batch in flight: ${f0(100 * vsDirect)}%`,
      `- server CPU per sample, gateway vs naive: ${f1(naive.serverCpuUs! / g1.serverCpuUs!)}x less; gateway vs echo: ${f1(g1.serverCpuUs!)} vs ${f1(results[kinds[1]]!.serverCpuUs!)} µs`,
      `- best gateway throughput: ${f0(Math.max(g1.samplesPerSec, g2.samplesPerSec))} samples/s (target >= 20,000)`,
      `- gateway RSS: ${mb(before.rss)} before, ${mb(during.rss)} with 10,000 samples in flight, peak (VmHWM) ${mb(after.hwm)} (target < 300 MB); all 10,000 ok: ${okAll}`,
      `- one 100,000-sample request (the documented maximum, PLAN D4): RSS at most ${mb(bigDuring.rss)} while it is in the gateway, peak (VmHWM) ${mb(bigAfter.hwm)}; all 100,000 ok: ${bigOk}`,
      ...(settle.length
        ? [`- after that burst (issue 15.4: back within 20% of idle a minute later): RSS ${settle.map((r, i) => `${mb(r)} at ${[10, 30, 60][i]} s`).join(', ')}; ${f2(settle.at(-1)! / before.rss)}x the idle ${mb(before.rss)}`]
        : []),
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
