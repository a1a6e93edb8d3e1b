// bench:gateway --replicas: one service spread over 1, 2 and 4 replica processes behind one gateway process. Each
// replica is a real vision-iou process (services/vision-iou/src/main.ts) on its own loopback address and one shared
// port, the gateway a real process pointed at them with gRPC's `ipv4:a:p,b:p` form (the chunking and failover code is
// the same for dns: targets; discovery is measured at the end with a DNS server). Figures: time per 8,192-sample batch
// of a CPU-bound verifier (vision.mask_iou, 1000×1000 polygons) and CPU per process; chunk sizes; the cost of one replica
// SIGKILLed mid-batch; how long a replica added to DNS waits for its first chunk at the default resolve period.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ReadyMessage } from '@verimesh/kit';
import { scrape } from '@verimesh/kit/testing';
import { startDnsServer } from '@verimesh/gateway/testing';
import type { RewardGatewayServiceClient, Sample } from '@verimesh/proto';
import { gatewayClient, score } from './lib/grpc.js';
import { machineLine } from './lib/machine.js';
import { cpuUs, freePort, killOnExit, spawnNode, waitReady } from './lib/proc.js';
import { f0, f1, f2, median } from './lib/stats.js';

const BATCH = 8192;
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

interface Replica {
  host: string;
  child: ChildProcess;
  metrics: string;
}

function startReplica(host: string, port: number, children: ChildProcess[]): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/vision-iou/src/main.ts', '--host', host, '--port', String(port), '--metrics-port', '0', '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ host, child, metrics: `${host}:${(m as ReadyMessage).metricsPort}` }));
    child.once('exit', (code) => reject(new Error(`replica ${host} exited ${code}`)));
  });
}

interface GatewayProc {
  client: RewardGatewayServiceClient;
  child: ChildProcess;
  /** host:port of its HTTP face (/metrics). */
  http: string;
}

async function startGateway(target: string, extra: string[], children: ChildProcess[]): Promise<GatewayProc> {
  const port = await freePort();
  const httpPort = await freePort();
  const child = spawnNode(['services/gateway/src/main.ts', '--host', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort), '--services', `vision-iou=${target}`, '--log-level', 'error', ...extra]);
  children.push(child);
  const client = gatewayClient(port);
  await waitReady(() => score(client, samples(1, 'probe', 'vision.box_iou')), 300);
  return { client, child, http: `127.0.0.1:${httpPort}` };
}

/** A 24-point polygon around (500, 500), slightly different per k, on a 1000×1000 canvas. */
function polygon(k: number): number[] {
  const pts: number[] = [];
  for (let i = 0; i < 24; i++) {
    const a = (i / 24) * 2 * Math.PI;
    pts.push(500 + (320 + (k % 7)) * Math.cos(a), 500 + (280 + (k % 5)) * Math.sin(a));
  }
  return pts;
}

function samples(n: number, tag: string, verifier = 'vision.mask_iou'): Sample[] {
  return Array.from({ length: n }, (_, i) =>
    verifier === 'vision.mask_iou'
      ? { id: `${tag}${i}`, response: JSON.stringify({ polygon: polygon(i + 1) }), reference_json: JSON.stringify({ mask: [polygon(i)], width: 1000, height: 1000 }), reward: { components: [{ name: 'm', verifier }] } }
      : { id: `${tag}${i}`, response: `[${i % 50}, 10, ${100 + (i % 50)}, 110]`, reference_json: '{"box":[0,10,100,110]}', reward: { components: [{ name: 'b', verifier }] } },
  );
}

interface Timed {
  ms: number;
  ok: number;
  /** CPU seconds of each replica, of the gateway and of this client process during the batch. */
  cpu: number[];
  gatewayCpu: number;
  clientCpu: number;
}

async function timed(client: RewardGatewayServiceClient, batch: Sample[], replicas: Replica[], gateway: ChildProcess): Promise<Timed> {
  const c0 = replicas.map((r) => cpuUs(r.child.pid!));
  const g0 = cpuUs(gateway.pid!);
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await score(client, batch);
  const ms = performance.now() - t0;
  return {
    ms,
    ok: res.results!.filter((r) => r.status === 'RESULT_STATUS_OK').length,
    cpu: replicas.map((r, k) => (r.child.exitCode === null && r.child.signalCode === null ? (cpuUs(r.child.pid!) - c0[k]!) / 1e6 : Number.NaN)),
    gatewayCpu: (cpuUs(gateway.pid!) - g0) / 1e6,
    clientCpu: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(u0)),
  };
}

const target = (port: number, n: number) => `ipv4:${HOSTS.slice(0, n).map((h) => `${h}:${port}`).join(',')}`;

export async function replicaMain(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rounds = Number(flag('--rounds') ?? 3);
  const children: ChildProcess[] = [];
  const cleanup = killOnExit(children);
  const out: string[] = [machineLine(), ''];
  const log = (line: string) => {
    out.push(line);
    process.stderr.write(line + '\n');
  };
  try {
    const port = await freePort();
    const replicas = await Promise.all(HOSTS.map((h) => startReplica(h, port, children)));
    const gateways = new Map<number, GatewayProc>();
    for (const n of [1, 2, 4]) gateways.set(n, await startGateway(target(port, n), [], children));
    const batch = samples(BATCH, 'r');
    for (const [n, g] of gateways) await timed(g.client, batch, replicas.slice(0, n), g.child); // warm-up: JIT, channels

    // 1. Scaling: rounds interleaved over 1, 2, 4 replicas so each sees the same load from the rest of the machine.
    const runs = new Map<number, Timed[]>([[1, []], [2, []], [4, []]]);
    for (let r = 0; r < rounds; r++) for (const [n, g] of gateways) runs.get(n)!.push(await timed(g.client, batch, replicas.slice(0, n), g.child));
    const base = median(runs.get(1)!.map((t) => t.ms));
    log(`### One ${f0(BATCH)}-sample batch of vision.mask_iou (1000×1000 polygons) over 1, 2 and 4 replica processes`);
    log('');
    log('| replicas | batch ms (median) | speed-up vs 1 | CPU s per replica per batch | replicas CPU s | gateway CPU s | client CPU s | wall-clock floor on 2 cores (all CPU / 2) | results ok |');
    log('|---:|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const [n, ts] of runs) {
      const ms = median(ts.map((t) => t.ms));
      const per = replicas.slice(0, n).map((_, k) => median(ts.map((t) => t.cpu[k]!)));
      const all = per.reduce((a, b) => a + b, 0);
      const gw = median(ts.map((t) => t.gatewayCpu));
      const cl = median(ts.map((t) => t.clientCpu));
      log(`| ${n} | ${f0(ms)} | ${f2(base / ms)}× | ${per.map(f2).join(' / ')} | ${f2(all)} | ${f2(gw)} | ${f2(cl)} | ${f0(((all + gw + cl) / 2) * 1000)} ms | ${Math.min(...ts.map((t) => t.ok))} / ${BATCH} |`);
    }
    log('');

    // 2. Chunk sizes over 2 replicas, for a CPU-bound verifier and a cheap one (where per-call overhead shows).
    log('### Chunk size (`--chunk-items`) over 2 replicas, 8,192-sample batches');
    log('');
    log('| chunk items | mask_iou batch ms | box_iou batch ms | gateway CPU µs/sample (box_iou) |');
    log('|---:|---:|---:|---:|');
    const cheap = samples(BATCH, 'c', 'vision.box_iou');
    const sizes = [64, 256, 512, 1024, 4096];
    const chunkGws = new Map<number, GatewayProc>();
    for (const size of sizes) chunkGws.set(size, await startGateway(target(port, 2), ['--chunk-items', String(size)], children));
    const chunkRuns = new Map<number, { mask: number[]; box: number[]; cpu: number[] }>(sizes.map((s) => [s, { mask: [], box: [], cpu: [] }]));
    for (const g of chunkGws.values()) {
      await timed(g.client, cheap, replicas.slice(0, 2), g.child);
      await timed(g.client, batch, replicas.slice(0, 2), g.child);
    }
    for (let r = 0; r < rounds; r++) {
      for (const [size, g] of chunkGws) {
        const acc = chunkRuns.get(size)!;
        acc.mask.push((await timed(g.client, batch, replicas.slice(0, 2), g.child)).ms);
        const b = await timed(g.client, cheap, replicas.slice(0, 2), g.child);
        acc.box.push(b.ms);
        acc.cpu.push((b.gatewayCpu * 1e6) / BATCH);
      }
    }
    for (const [size, acc] of chunkRuns) log(`| ${size} | ${f0(median(acc.mask))} | ${f0(median(acc.box))} | ${f1(median(acc.cpu))} |`);
    for (const g of chunkGws.values()) {
      g.client.close();
      g.child.kill('SIGKILL');
    }
    log('');

    // 3. Failover: the same batch with one replica SIGKILLed 40% into it, against the median without.
    log('### Failover: one replica SIGKILLed 40% into the batch');
    log('');
    log('| replicas | batch ms without | batch ms with one killed | cost | results ok | chunk retries |');
    log('|---:|---:|---:|---:|---:|---:|');
    for (const n of [2, 4]) {
      const g = gateways.get(n)!;
      const without = median(runs.get(n)!.map((t) => t.ms));
      const victim = replicas[n - 1]!;
      setTimeout(() => victim.child.kill('SIGKILL'), 0.4 * without);
      const t = await timed(g.client, batch, replicas.slice(0, n - 1), g.child);
      log(`| ${n} | ${f0(without)} | ${f0(t.ms)} | ${f2(t.ms / without)}× | ${t.ok} / ${BATCH} | ${await retries(g)} |`);
      // Back on the same address for what follows (the gateway reconnects; it may keep it ejected for 10 s).
      replicas[n - 1] = await startReplica(victim.host, port, children);
    }
    log('');

    // 4. Discovery at the defaults: a gateway on a dns:// name resolving to one replica; a second address added to DNS;
    // time to its first chunk (given up after 120 s: SPEC 5 asks for 30).
    const dns = await startDnsServer();
    dns.set('vision.bench', [HOSTS[0]!]);
    const g = await startGateway(`dns://${dns.address}/vision.bench:${port}`, [], children);
    const late = replicas[1]!;
    const before = await servedBy(late);
    dns.set('vision.bench', [HOSTS[0]!, HOSTS[1]!]);
    const t0 = Date.now();
    while ((await servedBy(late)) === before && Date.now() - t0 < 120_000) await score(g.client, samples(64, `d${Date.now()}`, 'vision.box_iou'));
    const took = Date.now() - t0;
    const served = (await servedBy(late)) !== before;
    await dns.close();
    log(
      served
        ? `### Discovery: a replica added to DNS served its first chunk ${f1(took / 1000)} s after the change (default --resolve-interval-ms 10000; the gateway scoring 64-sample batches meanwhile)`
        : `### Discovery: a replica added to DNS got NO chunk within ${f0(took / 1000)} s of the change (default --resolve-interval-ms 10000)`,
    );
    log('');
    log(`After: ${machineLine()}`);
    for (const x of gateways.values()) x.client.close();
    g.client.close();
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    cleanup();
  }
}

async function servedBy(r: Replica): Promise<number> {
  const f = await scrape(r.metrics);
  return (f.get('verimesh_verifier_results_total')?.samples ?? []).reduce((n, s) => n + s.value, 0);
}

/** The gateway's chunk retries so far, by reason, from its own /metrics. */
async function retries(g: GatewayProc): Promise<string> {
  const f = await scrape(g.http);
  return (f.get('verimesh_gateway_chunk_retries_total')?.samples ?? []).filter((s) => s.value > 0).map((s) => `${s.value} ${s.labels.reason}`).join(', ') || '0';
}
