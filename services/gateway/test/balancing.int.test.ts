// Every address of a target is a replica with its own channel (replicas.ts): two replicas of a service behind one
// target both get calls (ties between idle replicas rotate).
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, grpcBackend } from '../src/index.js';
import { testService } from './fixtures.js';

const a = testService();
const b = testService();
let ra: RunningServer;
let rb: RunningServer;
let gateway: Gateway;
beforeAll(async () => {
  ra = await serve(a.service, { host: '127.0.0.1', port: 0, log: noopLogger });
  // The same port on another loopback address: one target that resolves to two replicas, as a headless service does.
  rb = await serve(b.service, { host: '127.0.0.2', port: ra.port, log: noopLogger });
  gateway = new Gateway({ backends: { 'vision-iou': grpcBackend('vision-iou', `ipv4:127.0.0.1:${ra.port},127.0.0.2:${ra.port}`) } });
});
afterAll(async () => {
  await gateway.close();
  await ra.shutdown(100);
  await rb.shutdown(100);
});

describe('load balancing', () => {
  it('spreads VerifyBatch calls over the replicas of one target', async () => {
    for (let i = 0; i < 10; i++) {
      const { results } = await gateway.score([{ id: `s${i}`, response: 'x', reference: { score: 0.5 }, reward: { components: [{ verifier: 'vision.box_iou' }] } }]);
      expect(results[0]).toMatchObject({ status: 'ok', reward: 0.5 });
    }
    expect(a.seen.length + b.seen.length).toBe(10);
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
  });
});
