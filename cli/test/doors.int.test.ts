// One door (issue 11): the same table of good and bad samples through HTTP POST /v1/score, gRPC Score, gRPC ScoreStream,
// the embedded CLI and the CLI with --gateway must come back with identical results (latency aside).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { resultFromProto, startGateway, type RunningGateway } from '@verimesh/gateway';
import { noopLogger } from '@verimesh/kit';
import { loadPackage, type ResultJson, type RewardGatewayServiceClient, type Sample, type ScoreResponse__Output, type ScoreStreamResponse__Output } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedGateway, scoreCommand, type EmbeddedGateway } from '../src/index.js';

type Obj = Record<string, any>;
const nest = (n: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 1; i < n; i++) v = { a: v };
  return { a: v };
};
const exact = (extra: Obj = {}) => ({ components: [{ name: 'answer', verifier: 'text.exact', ...extra }] });
const base = (id: string, extra: Obj = {}): Obj => ({ id, response: '<think>t</think><answer>B</answer>', reference: { answer: 'B' }, reward: exact(), ...extra });

// Rows whose every value the proto can carry: they go through all five doors.
const CARRIED: Obj[] = [
  base('good', { group: 'g1', metadata: { step: 1 } }),
  base('wrong', { group: 'g1', response: '<answer>C</answer>' }),
  base('role-typo', { media: [{ kind: 'image', role: 'outptu', uri: 'examples/media/vision-mask.png' }] }),
  base('kind-typo', { media: [{ kind: 'imgae', uri: 'examples/media/vision-mask.png' }] }),
  base('role-empty', { media: [{ kind: 'image', role: '', uri: 'examples/media/vision-mask.png' }] }),
  base('media-output', { media: [{ kind: 'image', role: 'output', data_b64: 'AAAA', mime: 'image/png' }] }),
  base('params-64', { reward: { components: [{ verifier: 'text.format', params: { pattern: 'think_answer', deep: nest(63) } }] } }),
  base('params-65', { reward: { components: [{ verifier: 'text.format', params: { pattern: 'think_answer', deep: nest(64) } }] } }),
  base('ref-64', { reference: { answer: 'B', deep: nest(63) } }),
  base('ref-65', { reference: { answer: 'B', deep: nest(64) } }),
  base('cref-65', { reward: exact({ reference: { deep: nest(64) } }) }),
  base('meta-64', { metadata: nest(64) }),
  base('meta-65', { metadata: nest(65) }),
  base('unknown-verifier', { reward: { components: [{ verifier: 'text.magic' }] } }),
  base('no-components', { reward: { components: [] } }),
  base('dup-names', { reward: { components: [{ verifier: 'text.exact' }, { verifier: 'text.exact' }] } }),
  base('bad-combine', { reward: { ...exact(), combine: 'avg' } }),
  base('bad-formula', { reward: { ...exact(), combine: { formula: 'answer +' } } }),
  base('timeout-0', { reward: exact({ timeout_ms: 0 }) }),
  base('both', { profile: 'mcq' }),
  base('neither', { reward: undefined }),
  base('profile', { reward: undefined, profile: 'mcq' }),
  base('profile-unknown', { reward: undefined, profile: 'mqc' }),
  base('profile-bad-media', { reward: undefined, profile: 'mcq', media: [{ kind: 'sound' }] }),
  base('constructor', { group: '__proto__' }),
  base('toString', { group: '__proto__', response: 'C' }),
  base('proto-component', { group: 'hasOwnProperty', reward: { components: [{ name: '__proto__', verifier: 'text.exact' }, { name: 'constructor', verifier: 'text.format', params: { pattern: 'think_answer' } }] } }),
  base('gated', { reward: { components: [{ name: 'f', verifier: 'text.format', params: { pattern: 'think_answer' }, gate: { min: 1 } }, { name: 'a', verifier: 'text.exact' }] }, response: 'B' }),
  base('empty-group', { group: '' }),
];
// Rows the proto cannot carry (a string weight, a number as group, ...): over HTTP and both CLI modes only.
const JSON_ONLY: Obj[] = [
  base('weight-string', { reward: exact({ weight: 'heavy' }) }),
  base('group-number', { group: 5 }),
  base('no-response', { response: undefined }),
  base('prompt-number', { prompt: 3 }),
  base('ref-list', { reference: [1, 2] }),
  base('media-object', { media: { kind: 'image' } }),
  base('gate-no-min', { reward: exact({ gate: { value: 0 } }) }),
  base('on-error-number', { reward: exact({ on_error: 0.5 }) }),
  base('unknown-key', { reward: exact({ on_eror: { score: 1 } }) }),
];

/** What any gRPC client writes for a SPEC sample: the fields as they are, free-form parts as JSON text. */
function naiveProto(s: Obj): Sample {
  const j = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
  const r = s.reward as Obj | undefined;
  return {
    id: s.id,
    group: s.group,
    prompt: s.prompt,
    response: s.response,
    reference_json: j(s.reference),
    metadata_json: j(s.metadata),
    profile: s.profile,
    media: s.media,
    reward: r && {
      components: (r.components as Obj[]).map((c) => ({ name: c.name, verifier: c.verifier, weight: c.weight, reference_json: j(c.reference), params_json: j(c.params), gate: c.gate, timeout_ms: c.timeout_ms, on_error: c.on_error })),
      combine: typeof r.combine === 'string' ? r.combine : undefined,
      formula: r.combine?.formula,
    },
  } as Sample;
}

/** Results compared field by field, latency aside (it differs by nature), sorted by id. */
function comparable(rs: ResultJson[]): Obj[] {
  const strip = (r: ResultJson): Obj => {
    const components: Obj = Object.create(null);
    for (const [k, c] of Object.entries(r.components)) {
      const { latency_ms: _latency, ...rest } = c as Obj;
      components[k] = rest;
    }
    return { ...r, components };
  };
  return rs.map(strip).sort((a, b) => (a.id < b.id ? -1 : 1));
}

const sink = (): Writable & { text: string } => {
  const w = new Writable({ write: (c, _e, cb) => ((w.text += String(c)), cb()) }) as Writable & { text: string };
  w.text = '';
  return w;
};

let dir: string;
let profiles: string;
let mesh: EmbeddedGateway;
let running: RunningGateway;
let client: RewardGatewayServiceClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verimesh-doors-'));
  profiles = join(dir, 'profiles.yaml');
  writeFileSync(profiles, 'profiles:\n  mcq:\n    components:\n      - verifier: text.exact\n');
  mesh = await createEmbeddedGateway({ profiles: [profiles], only: new Set(['gateway']), log: noopLogger });
  running = await startGateway(mesh.gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log: noopLogger });
  client = new (loadPackage().verimesh.v1.RewardGatewayService)(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
}, 60_000);
afterAll(async () => {
  client?.close();
  await running?.shutdown();
  await mesh?.gateway.close();
});

async function viaHttp(samples: Obj[]): Promise<{ results: ResultJson[]; groups: Obj }> {
  const res = await fetch(`http://127.0.0.1:${running.httpPort}/v1/score`, { method: 'POST', body: JSON.stringify({ samples }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { results: ResultJson[]; groups: Obj };
}
function viaScore(samples: Obj[]): Promise<{ results: ResultJson[]; groups: Obj }> {
  return new Promise((resolve, reject) =>
    client.Score({ samples: samples.map(naiveProto) }, { deadline: Date.now() + 30_000 }, (err, res?: ScoreResponse__Output) => {
      if (err) return reject(err);
      const groups: Obj = Object.create(null);
      for (const { group, ...g } of res!.groups) groups[group] = g;
      resolve({ results: res!.results.map(resultFromProto), groups });
    }),
  );
}
function viaStream(samples: Obj[]): Promise<ResultJson[]> {
  return new Promise((resolve, reject) => {
    const call = client.ScoreStream({ deadline: Date.now() + 30_000 });
    const out: ResultJson[] = [];
    call.on('data', (m: ScoreStreamResponse__Output) => m.result && out.push(resultFromProto(m.result)));
    call.on('end', () => resolve(out));
    call.on('error', reject);
    // Several messages, so that samples of one message and of the next share micro-batches as a trainer's would.
    for (let i = 0; i < samples.length; i += 7) call.write({ samples: samples.slice(i, i + 7).map(naiveProto) });
    call.end();
  });
}
async function viaCli(samples: Obj[], remote: boolean): Promise<ResultJson[]> {
  const input = join(dir, `in-${remote}.jsonl`);
  const output = join(dir, `out-${remote}.jsonl`);
  writeFileSync(input, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  const stdout = sink();
  const stderr = sink();
  const code = await scoreCommand(
    { in: input, out: output, batch: 5, table: false, progress: false, ...(remote ? { gateway: `127.0.0.1:${running.grpcPort}` } : { profiles }) },
    { stdout, stderr },
  );
  expect(code, stderr.text).toBe(0);
  return readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ResultJson);
}

describe('one door: the same verdict whichever door a sample enters', () => {
  it('HTTP, gRPC Score, ScoreStream, the embedded CLI and the CLI with --gateway agree on every row', async () => {
    const http = await viaHttp(CARRIED);
    const score = await viaScore(CARRIED);
    const stream = await viaStream(CARRIED);
    const embedded = await viaCli(CARRIED, false);
    const remote = await viaCli(CARRIED, true);
    const want = comparable(http.results);
    expect(want).toHaveLength(CARRIED.length);
    expect(comparable(score.results)).toEqual(want);
    expect(comparable(stream)).toEqual(want);
    expect(comparable(embedded)).toEqual(want);
    // The one documented difference: --gateway does not know the remote gateway's profiles, so a sample naming one that
    // is invalid for another reason is answered by the CLI without the profile's component keys.
    const rowOf = (id: string) => want.find((r) => r.id === id)!;
    const remoteWant = want.map((r) => (r.id === 'profile-bad-media' ? { ...r, components: {} } : r));
    expect(comparable(remote)).toEqual(remoteWant);
    expect(Object.keys(rowOf('profile-bad-media').components)).toEqual(['text.exact']);
    // Groups: a group named like an object internal keeps its statistics (and only its own samples).
    // (Per-group flag counts are the sentinels' part and compared there.)
    const noFlags = (gs: Obj) => Object.fromEntries(Object.entries(gs).map(([k, { flags: _f, ...g }]) => [k, g]));
    expect(noFlags(score.groups)).toEqual(noFlags(http.groups));
    expect(Object.keys(http.groups).sort()).toEqual(['__proto__', 'g1', 'hasOwnProperty']);
    expect(http.groups.__proto__).toMatchObject({ count: 2, min: 0, max: 1, all_equal: false });

    // The verdicts themselves, by hand from SPEC sections 1, 2 and 6 and the gateway README.
    const verdict = Object.fromEntries(want.map((r) => [r.id, [r.status, r.error]]));
    expect(verdict).toMatchObject({
      good: ['ok', null],
      wrong: ['ok', null],
      'role-typo': ['invalid', 'media[0].role must be "input" or "output"'],
      'kind-typo': ['invalid', 'media[0].kind must be "image" or "video"'],
      'role-empty': ['ok', null],
      'media-output': ['ok', null],
      'params-64': ['ok', null],
      'params-65': ['invalid', 'reward.components[0].params nests deeper than 64 levels of arrays and objects (the limit for JSON parts)'],
      'ref-64': ['ok', null],
      'ref-65': ['invalid', 'reference nests deeper than 64 levels of arrays and objects (the limit for JSON parts)'],
      'cref-65': ['invalid', 'reward.components[0].reference nests deeper than 64 levels of arrays and objects (the limit for JSON parts)'],
      'meta-64': ['ok', null],
      'meta-65': ['invalid', 'metadata nests deeper than 64 levels of arrays and objects (the limit for JSON parts)'],
      'unknown-verifier': ['invalid', 'reward.components[0].verifier names an unknown verifier "text.magic"'],
      'timeout-0': ['invalid', 'reward.components[0].timeout_ms must be an integer from 1 to 3600000, got 0'],
      both: ['invalid', 'reward and profile: give one of them, not both'],
      profile: ['ok', null],
      'profile-unknown': ['invalid', 'profile: unknown profile "mqc" (known: mcq)'],
      constructor: ['ok', null],
      toString: ['ok', null],
      'proto-component': ['ok', null],
      'empty-group': ['ok', null],
    });
    expect(rowOf('good')).toMatchObject({ reward: 1, metadata: { step: 1 } });
    expect(rowOf('meta-64').metadata).toEqual(nest(64));
    expect(rowOf('meta-65')).not.toHaveProperty('metadata');
    expect(Object.keys(rowOf('proto-component').components).sort()).toEqual(['__proto__', 'constructor']);
    expect(rowOf('proto-component').reward).toBe(2);
    expect(rowOf('gated').components).toMatchObject({ f: { status: 'ok', score: 0 }, a: { status: 'skipped' } });
  }, 120_000);

  it('rows the proto cannot carry get the same verdict over HTTP, the embedded CLI and the CLI with --gateway', async () => {
    const http = comparable((await viaHttp(JSON_ONLY)).results);
    expect(comparable(await viaCli(JSON_ONLY, false))).toEqual(http);
    expect(comparable(await viaCli(JSON_ONLY, true))).toEqual(http);
    expect(http.map((r) => [r.id, r.status])).toEqual(JSON_ONLY.map((s) => [s.id, 'invalid']).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    const error = Object.fromEntries(http.map((r) => [r.id, r.error]));
    expect(error).toMatchObject({
      'weight-string': 'reward.components[0].weight must be a finite number, got "heavy"',
      'group-number': 'group must be a string',
      'no-response': 'response is required (a string)',
      'ref-list': 'reference must be an object',
      'media-object': 'media must be a list of {kind, role?, uri? | data_b64?, mime?}',
    });
  }, 120_000);
});
