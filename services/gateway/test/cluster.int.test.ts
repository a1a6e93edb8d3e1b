// A loopback cluster: a DNS server on 127.0.0.1 answering one name with several 127.0.0.x addresses (what a Kubernetes
// headless Service gives the gateway's dns: target), real replica processes behind it (the kit's runMain, each with its
// own /metrics, which is how the test counts what each replica served), and the gateway's grpcBackend in front.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { noopLogger, startServer, type ReadyMessage, type RunningServer } from '@verimesh/kit';
import { parsePrometheus, sampleValue, scrape } from '@verimesh/kit/testing';
import { loadPackage, type VerifyBatchRequest__Output, type VerifyBatchResponse } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, grpcBackend, type VerifierBackend } from '../src/index.js';
import { startDnsServer, type DnsServer } from '../testing/index.js';

const REPLICA = new URL('./replica.ts', import.meta.url).pathname;
const NAME = 'vision-iou.verimesh.test';

interface Replica {
  host: string;
  child: ChildProcess;
  metrics: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startReplica(host: string, port: number): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', REPLICA, '--host', host, '--port', String(port), '--metrics-port', '0', '--max-in-flight', '5000', '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ReadyMessage));
    child.once('exit', (code) => reject(new Error(`replica on ${host} exited (${code}) before it was ready`)));
  });
  expect(ready).toMatchObject({ verimesh: 'ready', service: 'vision-iou', port });
  return { host, child, metrics: `${host}:${ready.metricsPort}` };
}

/** Items a replica has answered so far, from its own /metrics. */
async function served(r: Replica): Promise<number> {
  const fams = await scrape(r.metrics);
  return (fams.get('verimesh_verifier_results_total')?.samples ?? []).reduce((n, s) => n + s.value, 0);
}

const samples = (n: number, tag: string, params: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, response: 'x', reference: { score: 1 }, reward: { components: [{ name: 'iou', verifier: 'vision.box_iou', params }] } }));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

let dns: DnsServer;
const same = (keys: readonly string[], hosts: string[]) => keys.join() === hosts.map((h) => `${h}:${port}`).join();
let port: number;
const replicas: Replica[] = [];
let backend: VerifierBackend;
let gateway: Gateway;
const ip = (k: number) => replicas[k]!.host;

beforeAll(async () => {
  dns = await startDnsServer();
  port = await freePort();
  replicas.push(...(await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((h) => startReplica(h, port)))));
  dns.set(NAME, [ip(0), ip(1)]);
  backend = grpcBackend('vision-iou', `dns://${dns.address}/${NAME}:${port}`, { resolveIntervalMs: 250, chunkItems: 256, ejectAfter: 3, ejectMs: 60_000, channelOptions: { 'grpc.max_reconnect_backoff_ms': 500 } });
  gateway = new Gateway({ backends: { 'vision-iou': backend }, maxInFlight: 100_000 });
}, 120_000);
afterAll(async () => {
  await gateway?.close();
  for (const r of replicas) r.child.kill('SIGKILL');
  await dns?.close();
});

describe('gateway over a replicated service', () => {
  it('one large batch spreads over every replica; exactly one ok result per sample', async () => {
    const before = await Promise.all(replicas.map(served));
    const { results } = await gateway.score(samples(6_000, 'spread'));
    expect(results).toHaveLength(6_000);
    expect(results.every((r, i) => r.id === `spread${i}` && r.status === 'ok' && r.reward === 1)).toBe(true);
    const got = (await Promise.all(replicas.map(served))).map((n, k) => n - before[k]!);
    expect(got[0]! + got[1]!).toBe(6_000);
    expect(got[0]).toBeGreaterThan(0);
    expect(got[1]).toBeGreaterThan(0);
    expect(got[2]).toBe(0); // not in DNS yet
  });

  it('a batch larger than one replica admits succeeds when the replicas together can take it', async () => {
    // Replicas admit 5,000 items each; chunks as large as 5,000 still spread 6,000 items as 3,000 + 3,000.
    const big = grpcBackend('vision-iou', `dns://${dns.address}/${NAME}:${port}`, { chunkItems: 5_000, chunksPerReplica: 1 });
    const g = new Gateway({ backends: { 'vision-iou': big }, maxInFlight: 100_000 });
    try {
      const { results } = await g.score(samples(6_000, 'limit'));
      expect(results.filter((r) => r.status === 'ok')).toHaveLength(6_000);
      expect(big.stats!().retries).toEqual({ unavailable: 0, overloaded: 0, malformed: 0 });
    } finally {
      await g.close();
    }
  });

  it('a replica added to DNS gets traffic within 30 s; a removed one stops getting it', async () => {
    dns.set(NAME, [ip(0), ip(1), ip(2)]);
    const t0 = Date.now();
    const base = await served(replicas[2]!);
    let batches = 0;
    await until('the new replica serves', async () => {
      await gateway.score(samples(600, `add${batches++}`));
      return (await served(replicas[2]!)) > base;
    });
    const took = Date.now() - t0;
    expect(took).toBeLessThan(30_000);
    process.stdout.write(`cluster: a replica added to DNS served its first chunk after ${took} ms (resolve interval 250 ms)\n`);

    dns.set(NAME, [ip(0), ip(2)]);
    await until('the gateway drops the removed replica', () => same(backend.stats!().addresses, [ip(0), ip(2)]));
    const removed = await served(replicas[1]!);
    for (let i = 0; i < 3; i++) expect((await gateway.score(samples(600, `rm${i}`))).results.every((r) => r.status === 'ok')).toBe(true);
    expect(await served(replicas[1]!)).toBe(removed);
  });

  it('SIGKILL of a replica mid-batch loses no sample: its chunks are retried on the survivors', async () => {
    dns.set(NAME, [ip(0), ip(1), ip(2)]);
    await until('three replicas', () => same(backend.stats!().addresses, [ip(0), ip(1), ip(2)]));
    const retried = backend.stats!().retries.unavailable;
    // 3,000 items that take 600 ms each: 12 chunks of 256, two in flight per replica.
    const pending = gateway.score(samples(3_000, 'kill', { mode: 'slow', ms: 600 }));
    await new Promise((r) => setTimeout(r, 300));
    const during = parsePrometheus(gateway.metricsText());
    expect(sampleValue(during, 'verimesh_gateway_service_items_in_flight', { service: 'vision-iou' })).toBe(3_000);
    replicas[2]!.child.kill('SIGKILL');
    const { results } = await pending;
    expect(results).toHaveLength(3_000);
    const bad = results.filter((r) => r.status !== 'ok');
    expect(bad.map((r) => r.error)).toEqual([]);
    expect(backend.stats!().retries.unavailable).toBeGreaterThan(retried);
    const after = parsePrometheus(gateway.metricsText());
    expect(sampleValue(after, 'verimesh_gateway_service_items_in_flight', { service: 'vision-iou' })).toBe(0);
    expect(sampleValue(after, 'verimesh_gateway_chunk_retries_total', { service: 'vision-iou', reason: 'unavailable' })).toBeGreaterThan(retried);
    expect(sampleValue(after, 'verimesh_gateway_service_replicas', { service: 'vision-iou' })).toBe(3);
  });

  it('a replica answering garbage is ejected while the others serve', async () => {
    // A gRPC server at a fourth address answering VerifyBatch with results for keys nobody sent.
    let garbageCalls = 0;
    const Service = loadPackage().verimesh.v1.VerifierService.service;
    const garbage: RunningServer = await startServer({
      name: 'garbage',
      host: '127.0.0.5',
      port,
      log: noopLogger,
      register: (server) =>
        server.addService(Service, {
          VerifyBatch: (call: grpc.ServerUnaryCall<VerifyBatchRequest__Output, VerifyBatchResponse>, cb: grpc.sendUnaryData<VerifyBatchResponse>) => {
            garbageCalls++;
            cb(null, { results: (call.request.items ?? []).map((_, k) => ({ key: `nobody-${k}`, result: { score: 1, status: 'COMPONENT_STATUS_OK' } })) });
          },
          Describe: (_c: unknown, cb: grpc.sendUnaryData<never>) => cb({ code: grpc.status.UNIMPLEMENTED }),
        }),
    });
    try {
      dns.set(NAME, [ip(0), ip(1), '127.0.0.5']);
      await until('the garbage replica is resolved', () => same(backend.stats!().addresses, [ip(0), ip(1), '127.0.0.5']));
      const malformed = backend.stats!().retries.malformed;
      for (let i = 0; i < 8 && backend.stats!().ejected === 0; i++) {
        const { results } = await gateway.score(samples(1_500, `g${i}`));
        expect(results.filter((r) => r.status !== 'ok').map((r) => r.error)).toEqual([]);
      }
      expect(backend.stats!().ejected).toBe(1);
      expect(backend.stats!().retries.malformed).toBeGreaterThan(malformed);
      expect(garbageCalls).toBeGreaterThanOrEqual(3);
      const calls = garbageCalls;
      for (let i = 0; i < 3; i++) expect((await gateway.score(samples(1_500, `e${i}`))).results.every((r) => r.status === 'ok')).toBe(true);
      expect(garbageCalls).toBe(calls);
      expect(sampleValue(parsePrometheus(gateway.metricsText()), 'verimesh_gateway_service_replicas_ejected', { service: 'vision-iou' })).toBe(1);
    } finally {
      await garbage.shutdown(0);
    }
  });
});
