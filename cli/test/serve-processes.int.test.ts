// `verimesh serve --processes`: every service in its own OS process (its main.ts, as a pod runs it), the gateway in
// another, pointed at them; every service's /metrics scraped and parsed strictly, moving with load; SIGTERM stops all.
import { readFileSync } from 'node:fs';
import { parsePrometheus, sampleValue, scrape, type PromFamily } from '@verimesh/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServe, type Served } from './helpers.js';

let served: Served;
const services = new Map<string, { grpc: string; metrics: string; pid: number }>();
let gatewayPid = 0;

beforeAll(async () => {
  served = await startServe(['--processes', '--host', '127.0.0.1', '--port', '0', '--http-port', '0'], {}, 240_000);
  for (const line of served.lines) {
    const m = /^verimesh: (\S+) grpc=(\S+)(?: http=\S+)?(?: metrics=(\S+))? pid=(\d+)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'gateway') gatewayPid = Number(m[4]);
    else services.set(m[1]!, { grpc: m[2]!, metrics: m[3]!, pid: Number(m[4]) });
  }
}, 300_000);
afterAll(async () => {
  await served?.stop();
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const post = async (samples: unknown[]) => {
  const res = await fetch(`http://${served.http}/v1/score`, { method: 'POST', body: JSON.stringify({ samples }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Array<{ id: string; status: string; components: Record<string, { status: string }> }> }).results;
};
const finished = (f: Map<string, PromFamily>, service: string): number =>
  (f.get('verimesh_verifier_results_total')?.samples ?? []).filter((s) => s.labels.service === service).reduce((n, s) => n + s.value, 0);

describe('verimesh serve --processes', () => {
  it('runs each service and the gateway as its own process, each from its own main.ts', () => {
    expect([...services.keys()].sort()).toEqual(['code-exec', 'llm-judge', 'math', 'ocr-table', 'video-temporal', 'vision-iou']);
    const pids = [...services.values()].map((s) => s.pid).concat(gatewayPid);
    expect(new Set(pids).size).toBe(7);
    expect(pids).not.toContain(served.child.pid);
    for (const [name, s] of services) expect(readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0')).toContain(`${ROOT}services/${name}/src/main.ts`);
    expect(readFileSync(`/proc/${gatewayPid}/cmdline`, 'utf8')).toContain('services/gateway/src/main.ts');
  });

  it('every service serves /metrics with the D6 names; values move with load', async () => {
    for (const [name, s] of services) {
      const f = await scrape(s.metrics);
      expect(sampleValue(f, 'verimesh_items_in_flight', { service: name }), name).toBe(0);
      expect(sampleValue(f, 'verimesh_items_queued', { service: name }), name).toBe(0);
      for (const reason of ['in_flight_limit', 'queue_full', 'draining']) expect(sampleValue(f, 'verimesh_admission_refusals_total', { service: name, reason }), name).toBe(0);
    }
    const pools = async (name: string) => (await scrape(services.get(name)!.metrics)).get('verimesh_pool_capacity')!.samples.map((s) => s.labels.pool).sort();
    expect(await pools('code-exec')).toEqual(expect.arrayContaining(['lp_worker', 'sandbox']));
    expect(await pools('math')).toEqual(['math_worker']);
    expect(await pools('ocr-table')).toEqual(['ocr_session']);

    // A program that sleeps 2 s: while it runs, code-exec has one item in flight and one sandbox slot busy, and the
    // gateway one code-exec item outstanding.
    const slow = { id: 'slow', response: '```python\nimport time\ntime.sleep(2)\nprint(1)\n```', reference: { language: 'python', tests: [{ stdin: '', stdout: '1' }] }, reward: { components: [{ name: 't', verifier: 'code.tests' }] } };
    const pending = post([slow]);
    const exec = services.get('code-exec')!.metrics;
    let during: Map<string, PromFamily> | undefined;
    for (let i = 0; i < 150; i++) {
      const f = await scrape(exec);
      if (sampleValue(f, 'verimesh_pool_busy', { service: 'code-exec', pool: 'sandbox' })! >= 1) {
        during = f;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(during, 'code-exec never showed a busy sandbox').toBeDefined();
    expect(sampleValue(during!, 'verimesh_items_in_flight', { service: 'code-exec' })).toBe(1);
    const gw = parsePrometheus(await (await fetch(`http://${served.http}/metrics`)).text());
    expect(sampleValue(gw, 'verimesh_gateway_service_items_in_flight', { service: 'code-exec' })).toBe(1);
    expect((await pending)[0]!.status).toBe('ok');
    const after = await scrape(exec);
    expect(sampleValue(after, 'verimesh_items_in_flight', { service: 'code-exec' })).toBe(0);
    expect(sampleValue(after, 'verimesh_pool_busy', { service: 'code-exec', pool: 'sandbox' })).toBe(0);
    expect(sampleValue(after, 'verimesh_verifier_results_total', { service: 'code-exec', verifier: 'code.tests', status: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'verimesh_verifier_duration_seconds_count', { service: 'code-exec', verifier: 'code.tests' })).toBeGreaterThanOrEqual(1);

    // The demo catalogue through the gateway: every service that answered a component counts it in its own metrics.
    const before = new Map(await Promise.all([...services].map(async ([n, s]) => [n, finished(await scrape(s.metrics), n)] as const)));
    const demo = readFileSync(`${ROOT}examples/demo.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const results = await post(demo);
    expect(results).toHaveLength(demo.length);
    for (const [name, s] of services) {
      const now = finished(await scrape(s.metrics), name);
      if (name === 'llm-judge') expect(now).toBeGreaterThanOrEqual(before.get(name)!);
      else expect(now, name).toBeGreaterThan(before.get(name)!);
    }
  });

  it('SIGTERM stops the gateway and every service process', async () => {
    const { code } = await served.stop();
    expect(code).toBe(0);
    for (const pid of [...[...services.values()].map((s) => s.pid), gatewayPid]) expect(alive(pid), `pid ${pid}`).toBe(false);
  });
});
