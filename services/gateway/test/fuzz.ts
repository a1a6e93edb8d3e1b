// Seeded fuzzing of the gateway's three doors (HTTP, gRPC Score, gRPC ScoreStream) with malformed and random samples.
// The CI test (fuzz.int.test.ts) runs a few thousand; `npm run fuzz` runs many more rounds for nightly runs:
//   npm run fuzz -- [--seed N] [--rounds R] [--samples S]     (S samples per door per round; defaults 20, 3000)
// What must hold, whatever the input: exactly one result per sample, every reward finite, no HTTP 5xx, no gRPC
// INTERNAL, no "internal error" in any result, and the gateway's in-flight count back to 0 afterwards.
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { noopLogger } from '@verimesh/kit';
import { seededRandom } from '@verimesh/kit/testing';
import { loadPackage, type ResultJson, type RewardGatewayServiceClient, type Sample, type ScoreResponse__Output, type ScoreStreamResponse__Output } from '@verimesh/proto';
import { Gateway, inProcessBackend, resultFromProto, startGateway } from '../src/index.js';
import { testService } from './fixtures.js';

type Rng = () => number;

/** The seeded PRNG the fuzzer draws from, so that a failing run is replayed from its seed. */
export const rng: (seed: number) => Rng = seededRandom;

const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const chance = (r: Rng, p: number): boolean => r() < p;
/** Samples are either tame (every field plausible, so scoring paths run too) or wild (any field may be garbage). */
let wild = true;
/** Whether this field takes its plausible value: always for a tame sample, with probability p for a wild one. */
const tame = (r: Rng, p: number): boolean => !wild || r() < p;

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '', ' ', 'a.b', 'answer', 'ünï', '\u0000', 'x'.repeat(300)];
const VERIFIERS = ['text.exact', 'text.numeric', 'text.format', 'text.length', 'vision.box_iou', 'vision.point', 'text.magic', '', 'constructor', 'code.tests'];
const FORMULAS = ['answer', 'answer * 2', 'min(answer, 1)', 'if(answer > 0.5, 1, 0)', 'answer +', '((((answer', 'process.exit()', 'constructor', '__proto__ * 2', 'clamp(answer)', '1/0', '('.repeat(100) + '1' + ')'.repeat(100)];
const RESPONSES = ['<answer>B</answer>', '<think>x</think><answer>42</answer>', 'B', '', '\u{1F600}'.repeat(50), '<answer>', '\\boxed{3}', 'null', '{"a":1}'];

/** A deep JSON value, as text: around the limit, and far past what JSON.stringify or a recursive walk survives. */
function deepText(r: Rng): string {
  const n = pick(r, [63, 64, 65, 66, 100, 1000, 5000, 20_000]);
  return chance(r, 0.5) ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

/** A random JSON value (small unless deep), as text. */
function valueText(r: Rng, depth = 0): string {
  const k = int(r, depth > 3 ? 6 : 9);
  switch (k) {
    case 0:
      return 'null';
    case 1:
      return pick(r, ['true', 'false']);
    case 2:
      return pick(r, ['0', '-1', '1e308', '-0', '0.5', '12345678901234567890', '3.14']);
    case 3:
      return JSON.stringify(pick(r, [...NAMES, ...RESPONSES]));
    case 4:
      return '""';
    case 5:
      return '{}';
    case 6:
      return `[${Array.from({ length: int(r, 4) }, () => valueText(r, depth + 1)).join(',')}]`;
    case 7:
      return `{${Array.from({ length: int(r, 4) }, () => `${JSON.stringify(pick(r, NAMES))}:${valueText(r, depth + 1)}`).join(',')}}`;
    default:
      return deepText(r);
  }
}

/** A component as JSON text: mostly plausible, sometimes broken in one or several fields. */
function componentText(r: Rng): string {
  const f: string[] = [];
  if (chance(r, 0.9)) f.push(`"verifier":${tame(r, 0.85) ? JSON.stringify(pick(r, VERIFIERS.slice(0, 6))) : valueText(r)}`);
  if (chance(r, 0.5)) f.push(`"name":${tame(r, 0.8) ? JSON.stringify(pick(r, NAMES)) : valueText(r)}`);
  if (chance(r, 0.4)) f.push(`"weight":${tame(r, 0.8) ? pick(r, ['1', '0.5', '-2', '0', '1e300']) : valueText(r)}`);
  if (chance(r, 0.4)) f.push(`"params":${tame(r, 0.6) ? pick(r, ['{"pattern":"think_answer"}', '{"mode":"throw"}', '{"mode":"unavailable"}', '{"mode":"invalid"}', '{"mode":"slow","ms":5}', '{"max_tokens":3}', '{"extract":"boxed"}']) : valueText(r)}`);
  if (chance(r, 0.2)) f.push(`"reference":${tame(r, 0.5) ? '{"answer":"B","score":0.25}' : valueText(r)}`);
  if (chance(r, 0.2)) f.push(`"gate":${tame(r, 0.6) ? '{"min":0.5}' : valueText(r)}`);
  if (chance(r, 0.15)) f.push(`"timeout_ms":${pick(r, ['1', '50', '0', '-5', '3600001', '1.5', '"10"'])}`);
  if (chance(r, 0.15)) f.push(`"on_error":${tame(r, 0.6) ? '{"score":0.1}' : valueText(r)}`);
  if (wild && chance(r, 0.05)) f.push(`${JSON.stringify(pick(r, NAMES))}:${valueText(r)}`);
  return `{${f.join(',')}}`;
}

function rewardText(r: Rng): string {
  if (wild && chance(r, 0.05)) return valueText(r);
  const n = wild && chance(r, 0.03) ? pick(r, [0, 33, 40]) : 1 + int(r, 3);
  const comps = `[${Array.from({ length: n }, () => componentText(r)).join(',')}]`;
  const combine = chance(r, 0.3) ? `,"combine":${chance(r, 0.5) ? JSON.stringify(pick(r, ['sum', 'mean', 'min', 'product', 'avg', ''])) : `{"formula":${JSON.stringify(pick(r, FORMULAS))}}`}` : '';
  return `{"components":${comps}${combine}}`;
}

function mediaText(r: Rng): string {
  if (!tame(r, 0.8)) return valueText(r);
  const one = (): string =>
    `{"kind":${JSON.stringify(pick(r, ['image', 'video', 'imgae', '', 'audio']))},"role":${JSON.stringify(pick(r, ['input', 'output', 'outptu', '', 'INPUT']))}${chance(r, 0.5) ? ',"uri":"file:///nonexistent.png"' : ''}${chance(r, 0.2) ? ',"data_b64":"AAAA","mime":"image/png"' : ''}}`;
  return `[${Array.from({ length: int(r, 3) }, one).join(',')}]`;
}

/** One SPEC JSON sample as text; `id` is always a unique string (request-level id errors are fuzzed separately). */
export function jsonSampleText(r: Rng, id: string): string {
  wild = chance(r, 0.6);
  const f = [`"id":${JSON.stringify(id)}`];
  if (chance(r, 0.95)) f.push(`"response":${tame(r, 0.9) ? JSON.stringify(pick(r, RESPONSES)) : valueText(r)}`);
  if (chance(r, 0.7)) f.push(`"reference":${tame(r, 0.7) ? pick(r, ['{"answer":"B"}', '{"answer":42,"score":0.5}', '{"answer":["B","C"]}']) : valueText(r)}`);
  if (chance(r, 0.5)) f.push(`"group":${tame(r, 0.8) ? JSON.stringify(pick(r, NAMES)) : valueText(r)}`);
  if (chance(r, 0.2)) f.push(`"prompt":${tame(r, 0.8) ? '"Which?"' : valueText(r)}`);
  if (chance(r, 0.9)) f.push(`"reward":${rewardText(r)}`);
  if (chance(r, 0.1)) f.push(`"profile":${tame(r, 0.5) ? '"mcq"' : valueText(r)}`);
  if (chance(r, 0.15)) f.push(`"media":${mediaText(r)}`);
  if (chance(r, 0.3)) f.push(`"metadata":${tame(r, 0.5) ? '{"step":1}' : valueText(r)}`);
  if (wild && chance(r, 0.05)) f.push(`${JSON.stringify(pick(r, NAMES))}:${valueText(r)}`);
  return `{${f.join(',')}}`;
}

/** JSON text the way a gRPC client could send it: valid, deep, truncated or not JSON at all. */
function jsonField(r: Rng, good: string): string {
  if (!wild) return good;
  const k = int(r, 10);
  if (k < 5) return good;
  if (k === 5) return '';
  if (k === 6) return deepText(r);
  if (k === 7) return good.slice(0, Math.max(1, good.length - 1));
  if (k === 8) return pick(r, ['{oops', 'NaN', '[1,]', '\u0000']);
  return valueText(r);
}

/** One proto sample, type-correct for the wire, with garbage where the proto allows it. */
export function protoSample(r: Rng, id: string): Sample {
  wild = chance(r, 0.6);
  const comps = Array.from({ length: wild && chance(r, 0.03) ? pick(r, [0, 33]) : 1 + int(r, 3) }, (_, k) => ({
    verifier: tame(r, 0.8) ? pick(r, VERIFIERS.slice(0, 6)) : pick(r, VERIFIERS),
    name: wild ? (chance(r, 0.5) ? pick(r, NAMES) : '') : `c${k}`,
    ...(chance(r, 0.4) ? { weight: tame(r, 0.7) ? pick(r, [1, 0.5, -2, 0]) : pick(r, [Number.NaN, Infinity, 1e300]) } : {}),
    params_json: chance(r, 0.5) ? jsonField(r, pick(r, ['{"pattern":"think_answer"}', '{"mode":"throw"}', '{"mode":"invalid"}', '{"mode":"unavailable"}', '{"mode":"slow","ms":5}'])) : '',
    reference_json: chance(r, 0.2) ? jsonField(r, '{"answer":"B","score":0.25}') : '',
    ...(chance(r, 0.2) ? { gate: { min: tame(r, 0.7) ? pick(r, [0.5, 1]) : Number.NaN } } : {}),
    ...(chance(r, 0.1) ? { timeout_ms: tame(r, 0.5) ? pick(r, [1, 50]) : pick(r, [0, 3_600_001]) } : {}),
    ...(chance(r, 0.1) ? { on_error: { score: tame(r, 0.7) ? 0.1 : Number.NaN } } : {}),
  }));
  const s: Sample = {
    id,
    response: pick(r, RESPONSES),
    reference_json: chance(r, 0.8) ? jsonField(r, '{"answer":"B","score":0.5}') : '',
    group: chance(r, 0.5) ? pick(r, NAMES) : '',
    metadata_json: chance(r, 0.3) ? jsonField(r, '{"step":1}') : '',
    media: chance(r, 0.15)
      ? Array.from({ length: int(r, 3) }, () => ({
          kind: tame(r, 0.7) ? pick(r, ['image', 'video']) : pick(r, ['imgae', '']),
          role: tame(r, 0.7) ? pick(r, ['input', 'output', '']) : 'outptu',
          uri: 'file:///nonexistent.png',
        }))
      : [],
  };
  const profile = chance(r, 0.1);
  if (profile) s.profile = tame(r, 0.5) ? 'mcq' : pick(r, ['nope', '__proto__']);
  if (!profile || (wild && chance(r, 0.3))) {
    if (!wild || chance(r, 0.93)) s.reward = { components: comps, ...(chance(r, 0.3) ? (chance(r, 0.5) ? { combine: pick(r, tame(r, 0.7) ? ['sum', 'mean'] : ['avg']) } : { formula: tame(r, 0.5) ? 'c0 * 2' : pick(r, FORMULAS) }) : {}) };
  }
  return s;
}

export interface FuzzReport {
  seed: number;
  samples: number;
  statuses: Record<string, number>;
  failures: string[];
}

function check(results: ResultJson[], ids: readonly string[], where: string, failures: string[], statuses: Record<string, number>): void {
  if (results.length !== ids.length) failures.push(`${where}: ${results.length} results for ${ids.length} samples`);
  const seen = new Map<string, number>();
  for (const r of results) {
    seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (!Number.isFinite(r.reward)) failures.push(`${where}: ${r.id}: reward ${r.reward}`);
    if (!['ok', 'partial', 'invalid'].includes(r.status)) failures.push(`${where}: ${r.id}: status ${r.status}`);
    if (/internal error/i.test(r.error ?? '')) failures.push(`${where}: ${r.id}: ${r.error}`);
  }
  for (const id of ids) if (seen.get(id) !== 1) failures.push(`${where}: ${JSON.stringify(id)} got ${seen.get(id) ?? 0} results`);
}

/** One round: a fresh gateway on loopback, `n` samples through each door, then the invariants. */
export async function fuzzRound(seed: number, n: number): Promise<FuzzReport> {
  const r = rng(seed);
  const failures: string[] = [];
  const statuses: Record<string, number> = {};
  const gateway = new Gateway({ backends: { 'vision-iou': inProcessBackend(testService().service) }, profiles: { mcq: { components: [{ verifier: 'text.exact' }] } }, defaultTimeoutMs: 2_000 });
  const running = await startGateway(gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log: noopLogger });
  const opts = { 'grpc.max_send_message_length': 256 * 1024 * 1024, 'grpc.max_receive_message_length': 256 * 1024 * 1024 };
  const client: RewardGatewayServiceClient = new (loadPackage().verimesh.v1.RewardGatewayService)(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure(), opts);
  const base = `http://127.0.0.1:${running.httpPort}`;
  try {
    // HTTP: batches of random size, bodies spliced from sample texts (deep parts cannot go through JSON.stringify).
    for (let done = 0, b = 0; done < n; b++) {
      const size = Math.min(n - done, 1 + int(r, 300));
      const ids = Array.from({ length: size }, (_, i) => `h${seed}-${b}-${i}`);
      const res = await fetch(`${base}/v1/score`, { method: 'POST', body: `{"samples":[${ids.map((id) => jsonSampleText(r, id)).join(',')}]}` });
      if (res.status !== 200) failures.push(`HTTP batch ${b}: status ${res.status}: ${(await res.text()).slice(0, 300)}`);
      else check(((await res.json()) as { results: ResultJson[] }).results, ids, `HTTP batch ${b}`, failures, statuses);
      done += size;
    }
    // HTTP request-level garbage: 400 with a message, never 5xx.
    for (const body of ['', 'nul', '[]', '{"samples":{}}', '{"samples":[]}', '{"samples":[1]}', '{"samples":[{"id":7}]}', `{"samples":[${deepText(r)}]}`, `{"samples":[{"response":"x"}]}`]) {
      const res = await fetch(`${base}/v1/score`, { method: 'POST', body });
      if (res.status !== 400) failures.push(`HTTP body ${JSON.stringify(body.slice(0, 60))}: status ${res.status}`);
    }
    // gRPC Score.
    for (let done = 0, b = 0; done < n; b++) {
      const size = Math.min(n - done, 1 + int(r, 300));
      const samples = Array.from({ length: size }, (_, i) => protoSample(r, `g${seed}-${b}-${i}`));
      const got = await new Promise<{ err: grpc.ServiceError | null; res?: ScoreResponse__Output }>((resolve) =>
        client.Score({ samples }, { deadline: Date.now() + 60_000 }, (err, res) => resolve({ err, res })),
      );
      if (got.err) failures.push(`Score batch ${b}: ${grpc.status[got.err.code]} ${got.err.details}`);
      else check(got.res!.results.map(resultFromProto), samples.map((s) => s.id!), `Score batch ${b}`, failures, statuses);
      done += size;
    }
    // ScoreStream: random message sizes on one stream; a few samples without an id (their results have id "").
    const stream: Sample[] = Array.from({ length: n }, (_, i) => protoSample(r, chance(r, 0.01) ? '' : `s${seed}-${i}`));
    const results = await new Promise<ResultJson[]>((resolve, reject) => {
      const call = client.ScoreStream({ deadline: Date.now() + 120_000 });
      const out: ResultJson[] = [];
      call.on('data', (m: ScoreStreamResponse__Output) => m.result && out.push(resultFromProto(m.result)));
      call.on('end', () => resolve(out));
      call.on('error', reject);
      for (let i = 0; i < stream.length; ) {
        const k = 1 + int(r, 64);
        call.write({ samples: stream.slice(i, i + k) });
        i += k;
      }
      call.end();
    }).catch((e: Error) => {
      failures.push(`ScoreStream: ${e.message}`);
      return [] as ResultJson[];
    });
    const named = stream.map((s) => s.id!).filter(Boolean);
    check(results.filter((x) => x.id !== ''), named, 'ScoreStream', failures, statuses);
    const unnamed = results.filter((x) => x.id === '').length;
    for (const x of results) if (x.id === '') statuses[x.status] = (statuses[x.status] ?? 0) + 1;
    if (unnamed !== stream.length - named.length) failures.push(`ScoreStream: ${unnamed} results without an id for ${stream.length - named.length} samples without one`);
    // Admission: every slot back (a stream releases as its consumer moves on; give it a moment).
    for (let t = 0; gateway.inFlight !== 0 && t < 50; t++) await new Promise((res) => setTimeout(res, 20));
    if (gateway.inFlight !== 0) failures.push(`in flight after the round: ${gateway.inFlight}`);
  } finally {
    client.close();
    await running.shutdown();
    await gateway.close();
  }
  return { seed, samples: 3 * n, statuses, failures };
}

async function main(): Promise<void> {
  const flag = (name: string, dflt: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const seed0 = flag('--seed', Date.now() % 1_000_000);
  const rounds = flag('--rounds', 20);
  const n = flag('--samples', 3000);
  let failed = 0;
  for (let k = 0; k < rounds; k++) {
    const t0 = Date.now();
    const rep = await fuzzRound(seed0 + k, n);
    process.stdout.write(`seed ${rep.seed}: ${rep.samples} samples in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${JSON.stringify(rep.statuses)}${rep.failures.length ? `, ${rep.failures.length} FAILURES` : ''}\n`);
    for (const f of rep.failures.slice(0, 20)) process.stdout.write(`  ${f}\n`);
    if (rep.failures.length) failed++;
  }
  process.stdout.write(failed ? `${failed} of ${rounds} rounds failed (replay one: npm run fuzz -- --seed N --rounds 1)\n` : `all ${rounds} rounds held\n`);
  process.exit(failed ? 1 : 0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
