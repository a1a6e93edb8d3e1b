// `verimesh score` end to end: the real bin in a child process, embedded mesh and a gateway started with `verimesh serve`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadPackage } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, runCli, startServe, type Served } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'verimesh-cli-'));
const exact = { components: [{ name: 'answer', verifier: 'text.exact' }] };
// Expected rewards are read off the SPEC rules by hand: "(B)" is choice B; 41.5 is 1.2% from 42 (<= 5%); 50 is 19% off.
const LINES = [
  JSON.stringify({ id: 'mc', response: '<answer>The answer is (B).</answer>', reference: { answer: 'B' }, reward: exact }),
  JSON.stringify({ id: 'num-ok', response: 'about 41.5', reference: { answer: 42 }, reward: { components: [{ verifier: 'text.numeric' }] } }),
  '',
  '{"id": "broken", "response": ',
  JSON.stringify({ id: 'num-bad', response: 'about 50', reference: { answer: 42 }, reward: { components: [{ verifier: 'text.numeric' }] } }),
  JSON.stringify({ response: 'no id', reward: exact }),
  JSON.stringify({
    id: 'gated',
    response: 'plain text, no tags',
    reference: { answer: 'plain text, no tags' },
    reward: { components: [{ name: 'format', verifier: 'text.format', gate: { min: 1 } }, { name: 'answer', verifier: 'text.exact' }] },
  }),
  JSON.stringify({ id: 'bad-ref', response: '7', reference: { answer: 'seven' }, reward: { components: [{ verifier: 'text.numeric' }] } }),
];
const EXPECTED: Record<string, { reward: number; status: string }> = {
  mc: { reward: 1, status: 'ok' },
  'num-ok': { reward: 1, status: 'ok' },
  'line-4': { reward: 0, status: 'invalid' },
  'num-bad': { reward: 0, status: 'ok' },
  'line-6': { reward: 0, status: 'invalid' },
  gated: { reward: 0, status: 'ok' },
  'bad-ref': { reward: 0, status: 'invalid' },
};
const input = join(dir, 'samples.jsonl');
writeFileSync(input, LINES.join('\n') + '\n');

function checkResults(results: Record<string, unknown>[]): void {
  expect(results).toHaveLength(Object.keys(EXPECTED).length); // one per non-blank line
  const byId = new Map(results.map((r) => [r.id as string, r]));
  for (const [id, want] of Object.entries(EXPECTED)) expect(byId.get(id), id).toMatchObject(want);
  expect((byId.get('gated')!.components as Record<string, { status: string }>).answer!.status).toBe('skipped');
  expect(byId.get('line-4')!.error).toMatch(/line 4: not valid JSON/);
  expect(byId.get('bad-ref')!.error).toMatch(/reference.answer/);
}

describe('verimesh score (embedded mesh)', () => {
  it('hostile lines (issue 10): a 20,000-deep params, a 5,000-deep reference, an integer id: one result each, exit 0', async () => {
    // Before: the embedded CLI exited 13 with 1 of 3 results and no message (deep params), or scored the whole file 0 (deep reference).
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const hostile = join(dir, 'hostile.jsonl');
    writeFileSync(
      hostile,
      [
        JSON.stringify({ id: 'first', response: 'B', reference: { answer: 'B' }, reward: exact }),
        `{"id":"deep-params","response":"B","reference":{"answer":"B"},"reward":{"components":[{"verifier":"text.exact","params":${deep(20_000)}}]}}`,
        `{"id":"deep-ref","response":"B","reference":${deep(5_000)},"reward":{"components":[{"verifier":"text.exact"}]}}`,
        JSON.stringify({ id: 7, response: 'B', reference: { answer: 'B' }, reward: exact }),
        JSON.stringify({ id: 'last', response: 'B', reference: { answer: 'B' }, reward: exact }),
      ].join('\n') + '\n',
    );
    const out = join(dir, 'hostile-out.jsonl');
    const r = await runCli(['score', '--in', hostile, '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const byId = new Map(parseJsonl(readFileSync(out, 'utf8')).map((x) => [x.id as string, x]));
    expect([...byId.keys()].sort()).toEqual(['deep-params', 'deep-ref', 'first', 'last', 'line-4']);
    expect(byId.get('first')).toMatchObject({ status: 'ok', reward: 1 });
    expect(byId.get('last')).toMatchObject({ status: 'ok', reward: 1 });
    expect(byId.get('deep-params')).toMatchObject({ status: 'invalid', error: expect.stringMatching(/^reward\.components\[0\]\.params nests deeper than 64 levels/) });
    expect(byId.get('deep-ref')).toMatchObject({ status: 'invalid', error: expect.stringMatching(/^reference nests deeper than 64 levels/) });
    expect(byId.get('line-4')).toMatchObject({ status: 'invalid', error: 'line 4: id must be a string, got the number 7' });
  });

  it('writes one result per line to --out, a summary and a table to stdout, and exits 0', async () => {
    const out = join(dir, 'out.jsonl');
    const r = await runCli(['score', '--in', input, '--out', out, '--table']);
    expect(r.code, r.stderr).toBe(0);
    checkResults(parseJsonl(readFileSync(out, 'utf8')));
    // mean reward = (1 + 1 + 0 + 0 + 0 + 0 + 0) / 7 = 0.2857
    expect(r.stdout).toMatch(/scored 7 samples: mean reward 0.2857; invalid 3, ok 4/);
    expect(r.stdout).toMatch(/^mc\s+1\s+ok\s+answer=1/m);
    expect(r.stdout).toMatch(/^gated\s+0\s+ok\s+format=0 answer=0\(skipped\)/m);
  });

  it('streams JSONL to stdout (nothing else there) and reads stdin with --in -', async () => {
    const r = await runCli(['score', '--in', '-'], { input: LINES.join('\n') });
    expect(r.code, r.stderr).toBe(0);
    checkResults(parseJsonl(r.stdout));
    expect(r.stderr).toMatch(/scored 7 samples/);
  });

  it('exits non-zero when the input cannot be read or the gateway is down', async () => {
    const missing = await runCli(['score', '--in', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --in/);
    // Port 1 on loopback: nothing listens there, the connection is refused.
    const down = await runCli(['score', '--in', input, '--gateway', '127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/not reachable/);
    const usage = await runCli(['score']);
    expect(usage.code).toBe(2);
  });
});

describe('verimesh score --gateway against a gateway that never answers', () => {
  // A real gRPC server on loopback whose ScoreStream accepts the stream, reads the samples and never replies.
  const server = new grpc.Server();
  const streams: grpc.ServerDuplexStream<unknown, unknown>[] = [];
  let target = '';
  beforeAll(async () => {
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>): void => cb({ code: grpc.status.UNIMPLEMENTED, details: 'silent test gateway' });
    server.addService(loadPackage().verimesh.v1.RewardGatewayService.service, {
      Score: unimplemented,
      ListVerifiers: unimplemented,
      ScoreStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        streams.push(call);
        call.on('data', () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    target = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  it('gives up after --timeout-ms without a result and exits 1 instead of hanging', async () => {
    const r = await runCli(['score', '--in', input, '--gateway', target, '--timeout-ms', '1500'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sent no result for 1500 ms with 5 samples unanswered/);
    // The lines the CLI judged itself (bad JSON, no id) still got their results before the gateway went silent.
    expect(parseJsonl(r.stdout).map((x) => x.id).sort()).toEqual(['line-4', 'line-6']);
    expect(streams.length).toBe(1);
  });

  it('rejects a malformed --timeout-ms as bad usage', async () => {
    const r = await runCli(['score', '--in', input, '--gateway', target, '--timeout-ms', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout-ms must be an integer/);
  });
});

describe('verimesh score --gateway against verimesh serve', () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServe(['--only', 'gateway', '--host', '127.0.0.1', '--port', '0', '--http-port', '0']);
  });
  afterAll(async () => {
    const end = await served?.stop();
    expect(end?.code).toBe(0);
  });

  it('gets the same results over gRPC ScoreStream as the embedded mesh', async () => {
    const r = await runCli(['score', '--in', input, '--gateway', served.gateway, '--batch', '2']);
    expect(r.code, r.stderr).toBe(0);
    checkResults(parseJsonl(r.stdout));
  });

  it('lists the catalogue from the remote gateway', async () => {
    const r = await runCli(['verifiers', '--gateway', served.gateway, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; available: boolean; params: Record<string, string> }[];
    const exactRow = rows.find((v) => v.name === 'text.exact');
    expect(exactRow?.available).toBe(true);
    expect(Object.keys(exactRow?.params ?? {})).toContain('normalize');
  });
});

describe('verimesh serve with a domain service behind the gateway', () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServe(['--only', 'gateway,vision-iou', '--host', '127.0.0.1', '--port', '0', '--http-port', '0']);
  });
  afterAll(async () => {
    expect((await served?.stop())?.code).toBe(0);
  });

  it('serves vision-iou on its own port and the gateway reaches it over loopback gRPC', async () => {
    expect(served.lines.some((l) => /^verimesh: vision-iou grpc=127\.0\.0\.1:\d+ metrics=127\.0\.0\.1:\d+$/.test(l))).toBe(true);
    const file = join(dir, 'box.jsonl');
    // IoU of [0,0,10,10] and [5,5,15,15]: intersection 5·5 = 25, union 100 + 100 − 25 = 175, IoU = 1/7.
    writeFileSync(
      file,
      JSON.stringify({ id: 'box', response: '<answer>[0, 0, 10, 10]</answer>', reference: { box: [5, 5, 15, 15] }, reward: { components: [{ name: 'iou', verifier: 'vision.box_iou' }] } }) + '\n',
    );
    const r = await runCli(['score', '--in', file, '--gateway', served.gateway]);
    expect(r.code, r.stderr).toBe(0);
    const [res] = parseJsonl(r.stdout);
    expect(res).toMatchObject({ id: 'box', status: 'ok' });
    expect(res!.reward as number).toBeCloseTo(1 / 7, 6);
  });
});
