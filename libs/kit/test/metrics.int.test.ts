// A served service's GET /metrics (PLAN D6 names), scraped over HTTP and parsed strictly, while load moves it.
import * as grpc from '@grpc/grpc-js';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedPool, noopLogger, serve, type RunningService, type ServiceDef } from '../src/index.js';
import { sampleValue, scrape } from '../testing/index.js';

// Two sandbox slots and two places in the queue: a third waiting run is refused (queue_full).
const pool = new BoundedPool(2, 2);
let release!: () => void;
let gate = new Promise<void>((r) => (release = r));
const service: ServiceDef = {
  name: 'metered',
  version: '0',
  concurrency: 4,
  verifiers: [
    { name: 'm.held', description: 'waits for the test in a pool slot', params: {}, reference: {}, verify: () => pool.run(async () => (await gate, { score: 1 })) },
    { name: 'm.fast', description: 'answers at once', params: {}, reference: {}, verify: () => ({ score: 0.5 }) },
  ],
  pools: () => [{ pool: 'sandbox', busy: pool.active, capacity: pool.concurrency, queued: pool.queued, refusals: pool.refusals }],
};

let srv: RunningService;
let client: VerifierServiceClient;
let at: string;
beforeAll(async () => {
  srv = await serve(service, { host: '127.0.0.1', port: 0, metricsPort: 0, maxInFlight: 12, log: noopLogger });
  at = `127.0.0.1:${srv.metricsPort}`;
  client = new (loadPackage().verimesh.v1.VerifierService)(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(100);
});

const call = (verifier: string, n: number, tag: string) =>
  new Promise<{ err: grpc.ServiceError | null; res: any }>((resolve) =>
    client.VerifyBatch({ items: Array.from({ length: n }, (_, k) => ({ key: `${tag}${k}`, verifier })) }, { deadline: Date.now() + 10_000 }, (err, res) => resolve({ err, res })),
  );
const svc = { service: 'metered' };
const until = async (ok: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('kit /metrics', () => {
  it('in-flight, queued, pools, refusals and per-verifier results move with load', async () => {
    const idle = await scrape(at);
    expect(sampleValue(idle, 'verimesh_items_in_flight', svc)).toBe(0);
    expect(sampleValue(idle, 'verimesh_items_queued', svc)).toBe(0);
    for (const reason of ['in_flight_limit', 'queue_full', 'draining']) expect(sampleValue(idle, 'verimesh_admission_refusals_total', { ...svc, reason })).toBe(0);
    expect(sampleValue(idle, 'verimesh_pool_capacity', { ...svc, pool: 'sandbox' })).toBe(2);

    // 5 held items: 4 lanes take 4 (2 in the pool's slots, 2 in its queue), 1 waits for a lane.
    const held = call('m.held', 5, 'h');
    await until(async () => sampleValue(await scrape(at), 'verimesh_pool_queued', { ...svc, pool: 'sandbox' }) === 2);
    const busy = await scrape(at);
    expect(sampleValue(busy, 'verimesh_items_in_flight', svc)).toBe(5);
    expect(sampleValue(busy, 'verimesh_pool_busy', { ...svc, pool: 'sandbox' })).toBe(2);
    expect(sampleValue(busy, 'verimesh_items_queued', svc)).toBe(3);

    // 10 more items do not fit the 12 admitted: refused whole (in_flight_limit).
    const refused = await call('m.fast', 10, 'r');
    expect(refused.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // 2 more held items are admitted, but the pool's queue is full: both refused by the pool (queue_full), status unavailable.
    const overflow = await call('m.held', 2, 'o');
    expect(overflow.res.results.map((r: any) => r.result.status)).toEqual(['COMPONENT_STATUS_UNAVAILABLE', 'COMPONENT_STATUS_UNAVAILABLE']);
    const loaded = await scrape(at);
    expect(sampleValue(loaded, 'verimesh_admission_refusals_total', { ...svc, reason: 'in_flight_limit' })).toBe(1);
    expect(sampleValue(loaded, 'verimesh_admission_refusals_total', { ...svc, reason: 'queue_full' })).toBe(2);

    release();
    gate = Promise.resolve();
    const done = await held;
    expect(done.err).toBeNull();
    await call('m.fast', 3, 'f');
    const after = await scrape(at);
    expect(sampleValue(after, 'verimesh_items_in_flight', svc)).toBe(0);
    expect(sampleValue(after, 'verimesh_items_queued', svc)).toBe(0);
    expect(sampleValue(after, 'verimesh_pool_busy', { ...svc, pool: 'sandbox' })).toBe(0);
    expect(sampleValue(after, 'verimesh_verifier_results_total', { ...svc, verifier: 'm.held', status: 'ok' })).toBe(5);
    expect(sampleValue(after, 'verimesh_verifier_results_total', { ...svc, verifier: 'm.held', status: 'unavailable' })).toBe(2);
    expect(sampleValue(after, 'verimesh_verifier_results_total', { ...svc, verifier: 'm.fast', status: 'ok' })).toBe(3);
    expect(sampleValue(after, 'verimesh_verifier_duration_seconds_count', { ...svc, verifier: 'm.held' })).toBe(7);
    // The held items waited for the gate: their durations land above the first buckets.
    expect(sampleValue(after, 'verimesh_verifier_duration_seconds_bucket', { ...svc, verifier: 'm.fast', le: '+Inf' })).toBe(3);
    expect(sampleValue(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('answers only GET /metrics', async () => {
    expect((await fetch(`http://${at}/other`)).status).toBe(404);
    expect((await fetch(`http://${at}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
