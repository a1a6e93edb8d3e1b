// Sentinels (SPEC 3.1) end to end: every flag raised on a realistic hack, lifted onto results (JSON and proto), counted
// per group and in /metrics, and applied only through on_flag. Flags of other services come from small real kit
// services (run through the kit's runBatch in process, and over real gRPC), the text ones from the built-in verifiers.
import { noopLogger, serve, type RunningServer, type ServiceDef } from '@verimesh/kit';
import { loadPackage, type Result, type Result__Output, type ResultJson, type Sample } from '@verimesh/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, grpcBackend, inProcessBackend, rewardSpecFromProto, rewardSpecToProto, sampleToProto, toResultProto } from '../src/index.js';

/**
 * code-exec stand-in: `code.tests` fails (0) a program that walks the harness's frames and raises `tamper`, as the
 * real one does (D1); anything else passes (1).
 */
const codeExec: ServiceDef = {
  name: 'code-exec',
  version: '0.0.0-test',
  verifiers: [
    {
      name: 'code.tests',
      description: 'test service: tamper on sys._getframe',
      params: {},
      reference: {},
      verify: (input) => (input.response.includes('sys._getframe') ? { score: 0, detail: 'forged completion', flags: ['tamper'] } : { score: 1, detail: 'all tests passed' }),
    },
  ],
};

/** vision-iou stand-in: `vision.box_iou` is 1 (the best box hits), raising `box_spam` past max(2·n_ref, n_ref + 5) boxes. */
const visionIou: ServiceDef = {
  name: 'vision-iou',
  version: '0.0.0-test',
  verifiers: [
    {
      name: 'vision.box_iou',
      description: 'test service: box_spam by the SPEC count',
      params: {},
      reference: {},
      verify(input) {
        const boxes = input.response.match(/\[(\s*\d+\s*,){3}\s*\d+\s*\]/g)?.length ?? 0;
        const nRef = (input.reference.boxes as unknown[]).length;
        return { score: 1, detail: `${boxes} boxes`, flags: boxes > Math.max(2 * nRef, nRef + 5) ? ['box_spam'] : [] };
      },
    },
  ],
};

const forged = '```python\nimport sys\nf = sys._getframe().f_back\nprint(f.f_locals["token"])\n```';
const honest = '```python\ndef add(a, b):\n    return a + b\n```';
const spam = JSON.stringify(Array.from({ length: 8 }, (_, i) => [i, i, i + 10, i + 10])); // 8 > max(2, 6) for 1 reference box
const twoBoxes = JSON.stringify([[0, 0, 10, 10], [5, 5, 15, 15]]);

/** A result as a gRPC client reads it: through the real ScoreResponse encoding. */
const score = loadPackage().verimesh.v1.RewardGatewayService.service.Score;
const overTheWire = (r: Result): Result__Output => (score.responseDeserialize(score.responseSerialize({ results: [r] })) as { results: Result__Output[] }).results[0]!;

const byId = (rs: ResultJson[]) => Object.fromEntries(rs.map((r) => [r.id, r]));
const THINK = (answer: string, think = 'short reasoning') => `<think>${think}</think><answer>${answer}</answer>`;
const mcq = (extra: Record<string, unknown> = {}) => ({
  components: [
    { name: 'format', verifier: 'text.format', weight: 0.2, params: { pattern: 'think_answer' } },
    { name: 'answer', verifier: 'text.exact' },
  ],
  ...extra,
});

describe('flags raised by other services are lifted onto results', () => {
  const reward = (on_flag?: Record<string, number>) => ({
    components: [
      { name: 'tests', verifier: 'code.tests', weight: 0.5 },
      { name: 'iou', verifier: 'vision.box_iou', weight: 0.5 },
    ],
    ...(on_flag ? { on_flag } : {}),
  });
  const samples = (on_flag?: Record<string, number>) => [
    { id: 'honest', group: 'p', response: honest, reference: { boxes: [[0, 0, 10, 10]] }, reward: reward(on_flag) },
    { id: 'tamper', group: 'p', response: forged, reference: { boxes: [[0, 0, 10, 10]] }, reward: reward(on_flag) },
  ];

  let srv: RunningServer;
  beforeAll(async () => {
    srv = await serve(codeExec, { host: '127.0.0.1', port: 0, log: noopLogger });
  });
  afterAll(async () => {
    await srv.shutdown(100);
  });

  it('in process (kit runBatch) and over gRPC: tamper; the reward is the verifier\'s, untouched by the flag', async () => {
    for (const code of [inProcessBackend(codeExec), grpcBackend('code-exec', `dns:///127.0.0.1:${srv.port}`)]) {
      const gateway = new Gateway({ backends: { 'code-exec': code, 'vision-iou': inProcessBackend(visionIou) } });
      const { results, groups } = await gateway.score(samples());
      const r = byId(results);
      expect(r.honest).toMatchObject({ reward: 1, flags: [] });
      // tests 0 (the forgery fails), iou 1: 0.5·0 + 0.5·1 = 0.5
      expect(r.tamper).toMatchObject({ reward: 0.5, status: 'ok', flags: ['tamper'] });
      expect(r.tamper!.components.tests!.flags).toEqual(['tamper']);
      expect(r.tamper!.components.iou!.flags).toBeUndefined();
      expect(groups.p!.flags).toEqual({ tamper: 1 });
      expect(gateway.metricsText()).toMatch(/^verimesh_flags_total\{service="code-exec",flag="tamper"\} 1$/m);
      await gateway.close();
    }
  });

  it('box_spam, and both flags on one sample, in proto too', async () => {
    const gateway = new Gateway({ backends: { 'code-exec': inProcessBackend(codeExec), 'vision-iou': inProcessBackend(visionIou) } });
    const protos: Sample[] = [
      { id: 'two', group: 'q', response: twoBoxes, reference_json: '{"boxes":[[0,0,10,10]]}', reward: rewardSpecToProto(reward()) },
      { id: 'spam', group: 'q', response: spam, reference_json: '{"boxes":[[0,0,10,10]]}', reward: rewardSpecToProto(reward()) },
    ];
    const internal = await gateway.scoreOutcomes({ kind: 'proto', samples: protos as never });
    const [two, spammed] = internal.map((r) => overTheWire(toResultProto(r)));
    expect(two!.flags).toEqual([]);
    expect(spammed!.flags).toEqual(['box_spam']);
    expect(spammed!.components!.find((c) => c.name === 'iou')!.flags).toEqual(['box_spam']);
    // One response that forges the tests and spams boxes: both flags, sorted, each counted under its own service.
    const both = await gateway.score([{ id: 'both', group: 'z', response: `${forged}\n${spam}`, reference: { boxes: [[0, 0, 10, 10]] }, reward: reward() }]);
    expect(both.results[0]!.flags).toEqual(['box_spam', 'tamper']);
    expect(both.groups.z!.flags).toEqual({ box_spam: 1, tamper: 1 });
    const metrics = gateway.metricsText();
    expect(metrics).toMatch(/^verimesh_flags_total\{service="vision-iou",flag="box_spam"\} 2$/m);
    expect(metrics).toMatch(/^verimesh_flags_total\{service="code-exec",flag="tamper"\} 1$/m);
    await gateway.close();
  });

  it('on_flag sets the reward (the lowest value of the raised flags) and zeroes every contribution', async () => {
    const gateway = new Gateway({ backends: { 'code-exec': inProcessBackend(codeExec), 'vision-iou': inProcessBackend(visionIou) } });
    const { results, groups } = await gateway.score(samples({ tamper: -1, box_spam: 0 }));
    const r = byId(results);
    expect(r.honest).toMatchObject({ reward: 1, flags: [] });
    expect(r.honest!.components.iou!.contribution).toBe(0.5);
    expect(r.tamper).toMatchObject({ reward: -1, flags: ['tamper'] });
    expect(Object.values(r.tamper!.components).map((c) => c.contribution)).toEqual([0, 0]);
    expect(groups.p).toMatchObject({ mean: 0, min: -1, max: 1, flags: { tamper: 1 } });
    await gateway.close();
  });
});

describe('the gateway\'s own sentinels, each on a realistic hack', () => {
  it('degenerate: a response that repeats one line', async () => {
    const gateway = new Gateway({ backends: {} });
    const looping = THINK('B', 'The answer must be B.\n'.repeat(40));
    const { results, groups } = await gateway.score([
      { id: 'loop', group: 'g', response: looping, reference: { answer: 'B' }, reward: mcq() },
      { id: 'fine', group: 'g', response: THINK('B', 'Only B is prime: 21 = 3·7, 25 = 5², 27 = 3³, and 23 has no divisor.'), reference: { answer: 'B' }, reward: mcq() },
    ]);
    const r = byId(results);
    // Flags never change a reward: both score 0.2·1 + 1·1.
    expect(r.loop).toMatchObject({ reward: 1.2, flags: ['degenerate'] });
    expect(r.fine).toMatchObject({ reward: 1.2, flags: [] });
    expect(groups.g!.flags).toEqual({ degenerate: 1 });
    expect(gateway.metricsText()).toMatch(/^verimesh_flags_total\{service="gateway",flag="degenerate"\} 1$/m);
  });

  it('format_fail_max: the answer scores its maximum while the format check fails', async () => {
    const gateway = new Gateway({ backends: {} });
    const { results } = await gateway.score([
      // The policy skips the reasoning and the tags, and still earns the full answer score (extract falls back to the text).
      { id: 'bare', response: 'B', reference: { answer: 'B' }, reward: mcq() },
      { id: 'wrong-bare', response: 'C', reference: { answer: 'B' }, reward: mcq() },
      { id: 'tagged', response: THINK('B'), reference: { answer: 'B' }, reward: mcq() },
    ]);
    const r = byId(results);
    expect(r.bare).toMatchObject({ reward: 1, flags: ['format_fail_max'] });
    expect(r.bare!.components.format!.score).toBe(0);
    expect(r['wrong-bare']!.flags).toEqual([]);
    expect(r.tagged!.flags).toEqual([]);
  });

  it('overlong: text.length raises it when its penalty applies (a component flag, lifted)', async () => {
    const gateway = new Gateway({ backends: {} });
    const reward = { components: [{ name: 'answer', verifier: 'text.exact' }, { name: 'len', verifier: 'text.length', params: { max_tokens: 100, buffer_tokens: 20 } }] };
    const { results } = await gateway.score([
      { id: 'long', response: THINK('B', Array.from({ length: 90 }, (_, i) => `step${i}`).join(' ')), reference: { answer: 'B' }, reward },
      { id: 'short', response: THINK('B'), reference: { answer: 'B' }, reward },
    ]);
    const r = byId(results);
    // 90 whitespace tokens (the first step glued to <think>, the last to the tags): DAPO (80 − 90) / 20 = −0.5; 1 − 0.5.
    expect(r.long!.components.len).toMatchObject({ score: -0.5, flags: ['overlong'] });
    expect(r.long).toMatchObject({ reward: 0.5, flags: ['overlong'] });
    expect(r.short).toMatchObject({ reward: 1, flags: [] });
    expect(gateway.metricsText()).toMatch(/^verimesh_flags_total\{service="gateway",flag="overlong"\} 1$/m);
  });

  it('duplicate_in_group: identical rollouts of one prompt; the copies are flagged, not the first', async () => {
    const gateway = new Gateway({ backends: {} });
    const answer = THINK('B', 'B is the only prime.');
    const s = (id: string, group: string, response: string) => ({ id, group, response, reference: { answer: 'B' }, reward: mcq() });
    const { results, groups } = await gateway.score([
      s('r1', 'p', answer),
      s('r2', 'p', answer),
      s('r3', 'p', THINK('B', 'Check each: only 23 is prime.')),
      s('r4', 'p', answer),
      s('other', 'q', answer), // the same text in another group is no duplicate
    ]);
    expect(results.map((r) => [r.id, r.flags])).toEqual([
      ['r1', []],
      ['r2', ['duplicate_in_group']],
      ['r3', []],
      ['r4', ['duplicate_in_group']],
      ['other', []],
    ]);
    expect(results.every((r) => r.reward === 1.2)).toBe(true);
    expect(groups.p!.flags).toEqual({ duplicate_in_group: 2 });
    expect(groups.q!.flags).toEqual({});
  });

  it('duplicate_in_group on a stream: across micro-batches, in arrival order', async () => {
    const gateway = new Gateway({ backends: {} });
    const answer = THINK('B', 'B is the only prime.');
    async function* arriving() {
      for (const id of ['a', 'b', 'c']) {
        yield { id, group: 'p', response: answer, reference: { answer: 'B' }, reward: mcq() };
        await new Promise((r) => setTimeout(r, 20)); // each sample its own micro-batch
      }
    }
    const flags: Record<string, string[]> = {};
    for await (const r of gateway.scoreStream(arriving())) flags[r.id] = r.flags;
    expect(flags).toEqual({ a: [], b: ['duplicate_in_group'], c: ['duplicate_in_group'] });
  });

  it('on_flag applied: copies zeroed, several flags → the lowest value; without on_flag nothing moves', async () => {
    const gateway = new Gateway({ backends: {} });
    const looping = THINK('B', 'The answer must be B.\n'.repeat(40));
    const s = (id: string, response: string) => ({ id, group: 'p', response, reference: { answer: 'B' }, reward: mcq({ on_flag: { duplicate_in_group: 0, degenerate: -0.5 } }) });
    const { results } = await gateway.score([s('first', looping), s('copy', looping), s('fine', THINK('B'))]);
    const r = byId(results);
    expect(r.first).toMatchObject({ reward: -0.5, flags: ['degenerate'] });
    expect(r.copy).toMatchObject({ reward: -0.5, flags: ['degenerate', 'duplicate_in_group'] }); // min(0, −0.5)
    expect(r.fine).toMatchObject({ reward: 1.2, flags: [] });
    expect(Object.values(r.copy!.components).map((c) => c.contribution)).toEqual([0, 0]);
  });
});

describe('on_flag in specs', () => {
  const gateway = new Gateway({ backends: {} });
  const one = async (on_flag: unknown) => (await gateway.score([{ id: 's', response: 'x', reward: { components: [{ verifier: 'text.format' }], on_flag } }])).results[0]!;
  it('is validated: known flags, finite values, an object', async () => {
    expect((await one({ tampr: 0 })).error).toMatch(/reward\.on_flag\.tampr is not a sentinel flag \(flags: tamper, format_fail_max, overlong, duplicate_in_group, degenerate, box_spam\)/);
    expect((await one({ tamper: '0' })).error).toMatch(/reward\.on_flag\.tamper must be a finite number, got "0"/);
    expect((await one({ __proto__: 0, tamper: 0 } as never)).status).toBe('ok'); // a literal __proto__ here is the prototype, not a key
    expect((await one(JSON.parse('{"__proto__": 0}'))).error).toMatch(/reward\.on_flag\.__proto__ is not a sentinel flag/);
    expect((await one([0])).error).toMatch(/reward\.on_flag must be an object/);
    expect((await one({ tamper: 0 })).status).toBe('ok');
  });
  it('travels in proto (map<string, double> on_flag = 4), and two proto specs that differ only in on_flag differ', async () => {
    const spec = { components: [{ verifier: 'text.format' }], on_flag: { format_fail_max: 0, degenerate: -1 } };
    expect(rewardSpecFromProto(rewardSpecToProto(spec) as never)).toEqual(spec);
    // (rewardSpecToProto converts a spec the gateway accepted; sampleToProto checks with the gateway's validator first.)
    expect(() => sampleToProto({ id: 's', response: 'r', reward: { components: [{ verifier: 'text.format' }], on_flag: { nope: 1 } } })).toThrow(/reward\.on_flag\.nope is not a sentinel flag/);
    const looping = 'again and again and again\n'.repeat(10);
    const protos = [{}, { degenerate: -1 }].map((on_flag, i) => ({ id: `p${i}`, response: looping, reward: rewardSpecToProto({ components: [{ verifier: 'text.format', params: { pattern: '.*' } }], on_flag }) }));
    const rs = await gateway.scoreOutcomes({ kind: 'proto', samples: protos as never });
    expect(rs.map((r) => r.reward)).toEqual([1, -1]);
  });
});
