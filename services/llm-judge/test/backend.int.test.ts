// Backend behaviour through the service: retries (429 Retry-After, 500), deadlines that abort the HTTP request, the
// per-backend concurrency limit, repair of malformed replies, named backends with API keys, and no backend at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiServer, type ChatCall, type Reply } from './openai-server.js';
import { envFor, item, startJudge, type Harness } from './harness.js';

const verdictJson = (call: ChatCall): string => JSON.stringify({ criteria: [{ id: 1, reason: `seen ${call.n}`, score: 1 }] });
const one = (key: string, response = key): object => item(key, 'judge.rubric', { prompt: 'Q', response, reference: { rubric: ['Is polite'] } });

describe('retries and deadlines', () => {
  const server = new OpenAiServer();
  let judge: Harness;
  beforeAll(async () => {
    await server.start();
    judge = await startJudge(envFor(server.url, { VERIMESH_LLM_JUDGE_MAX_RETRIES: '2' }));
  });
  afterAll(async () => {
    await judge.close();
    await server.close();
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    server.reset();
    let calls = 0;
    server.chat = (call): Reply => (calls++ === 0 ? { status: 429, retryAfter: '1' } : verdictJson(call));
    const res = await judge.call([one('rl')]);
    expect(res.rl).toMatchObject({ status: 'ok', score: 1 });
    expect(server.requests).toHaveLength(2);
    // Backoff base is 5 ms here, so only the server's Retry-After explains a gap of a second.
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('retries a 500 and succeeds; a backend that keeps failing is status error with its message', async () => {
    server.reset();
    let calls = 0;
    server.chat = (call): Reply => (calls++ === 0 ? { status: 500 } : verdictJson(call));
    const ok = await judge.call([one('flaky')]);
    expect(ok.flaky).toMatchObject({ status: 'ok', score: 1 });
    expect(server.requests).toHaveLength(2);
    server.reset();
    server.chat = () => ({ status: 503 });
    const bad = await judge.call([one('down')]);
    expect(bad.down!.status).toBe('error');
    expect(bad.down!.detail).toContain('HTTP 503: The engine is currently overloaded');
    expect(bad.down!.detail).toContain('gave up after 3 attempts');
    expect(server.requests).toHaveLength(3); // 1 + VERIMESH_LLM_JUDGE_MAX_RETRIES
  });

  it('does not retry a 400, which is a bug in the request', async () => {
    server.reset();
    server.chat = () => ({ status: 400, message: 'This model\'s maximum context length is 4096 tokens.' });
    const res = await judge.call([item('big', 'judge.reference', { response: 'x', reference: { answer: 'y' } })]);
    expect(res.big!.status).toBe('error');
    expect(res.big!.detail).toContain('maximum context length');
    // An error result still says which template (and backend) it came from.
    expect(res.big!.metrics).toMatchObject({ template_version: 'reference@1', backend: 'default', judgments: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('aborts the HTTP request when the item deadline passes (the server sees the client go)', async () => {
    server.reset();
    server.chat = () => ({ hang: true });
    const gone = server.nextDisconnect();
    const res = await judge.call([item('slow', 'judge.reference', { response: 'x', reference: { answer: 'y' }, timeout_ms: 300 })]);
    expect(res.slow!.status).toBe('timeout');
    await gone;
    expect(server.disconnects).toBe(1);
    expect(server.inFlight).toBe(0);
  });

  it('aborts the HTTP request when the caller\'s gRPC deadline passes', async () => {
    server.reset();
    server.chat = () => ({ hang: true });
    const gone = server.nextDisconnect();
    await expect(judge.call([item('caller', 'judge.reference', { response: 'caller deadline', reference: { answer: 'y' } })], 300)).rejects.toMatchObject({ code: 4 }); // DEADLINE_EXCEEDED
    await gone;
    expect(server.disconnects).toBe(1);
    expect(server.inFlight).toBe(0);
  });

  it('an attempt that exceeds VERIMESH_LLM_JUDGE_TIMEOUT_MS is cut and retried', async () => {
    const j = await startJudge(envFor(server.url, { VERIMESH_LLM_JUDGE_TIMEOUT_MS: '200' }));
    try {
      server.reset();
      let calls = 0;
      server.chat = (call): Reply => (calls++ === 0 ? { hang: true } : verdictJson(call));
      const gone = server.nextDisconnect();
      const res = await j.call([one('retimed')]);
      await gone;
      expect(res.retimed).toMatchObject({ status: 'ok', score: 1 });
      expect(server.requests).toHaveLength(2);
      expect(server.disconnects).toBe(1);
    } finally {
      await j.close();
    }
  });

  it('a backend that cannot be reached is status error after the retries', async () => {
    const dead = new OpenAiServer();
    const url = await dead.start();
    await dead.close();
    const j = await startJudge(envFor(url, { VERIMESH_LLM_JUDGE_MAX_RETRIES: '1' }));
    try {
      const res = await j.call([one('refused')]);
      expect(res.refused!.status).toBe('error');
      expect(res.refused!.detail).toMatch(/unreachable: ECONNREFUSED/);
    } finally {
      await j.close();
    }
  });
});

describe('malformed judge output', () => {
  const server = new OpenAiServer();
  let judge: Harness;
  beforeAll(async () => {
    await server.start();
    // A backend without response_format support: the service asks for JSON in the prompt and parses robustly.
    judge = await startJudge(envFor(server.url, { VERIMESH_LLM_JUDGE_JSON_SCHEMA: 'false' }));
  });
  afterAll(async () => {
    await judge.close();
    await server.close();
  });

  it('repairs once with the problem named, tolerates fences and chatter, and errors after a second bad reply', async () => {
    server.chat = (call) => {
      const last = call.body.messages.at(-1)!.content as string;
      const repairing = call.body.messages.length === 4;
      const original = call.body.messages[1]!.content as string;
      if (original.includes('FENCED')) return 'Sure! Here is my grading:\n```json\n{"criteria": [{"id": 1, "reason": "ok", "score": 1}]}\n```\nHope that helps.';
      if (original.includes('HOPELESS')) return 'I think it is great, 10/10.';
      if (!repairing) return 'The response is polite, so I give it full marks.';
      return last.includes('could not be used: the reply is not a JSON object') ? '{"criteria": [{"id": 1, "reason": "polite", "score": 1}]}' : 'still not JSON';
    };
    const res = await judge.call([one('repair', 'Thank you!'), one('fenced', 'FENCED'), one('hopeless', 'HOPELESS')]);
    expect(res.repair).toMatchObject({ status: 'ok', score: 1 });
    expect(res.repair!.metrics.repaired).toBe(true);
    expect(res.fenced).toMatchObject({ status: 'ok', score: 1 });
    expect(res.fenced!.metrics.repaired).toBe(false);
    expect(res.hopeless!.status).toBe('error');
    expect(res.hopeless!.detail).toContain('unreadable reply twice');
    const bodies = server.chatBodies();
    expect(bodies.every((b) => b.response_format === undefined)).toBe(true);
    const repairBody = bodies.find((b) => b.messages.length === 4 && (b.messages[1]!.content as string).includes('Thank you!'))!;
    expect(repairBody.messages[2]).toEqual({ role: 'assistant', content: 'The response is polite, so I give it full marks.' });
    expect(bodies).toHaveLength(5); // repair 2 + fenced 1 + hopeless 2
  });
});

describe('concurrency limit', () => {
  const server = new OpenAiServer({ latencyMs: 40 });
  let judge: Harness;
  beforeAll(async () => {
    await server.start();
    judge = await startJudge(envFor(server.url, { VERIMESH_LLM_JUDGE_CONCURRENCY: '3' }));
  });
  afterAll(async () => {
    await judge.close();
    await server.close();
  });

  it('never has more requests open at the backend than the per-backend limit', async () => {
    server.chat = verdictJson;
    const res = await judge.call(Array.from({ length: 15 }, (_, i) => one(`c${i}`)));
    expect(Object.values(res).every((r) => r.status === 'ok')).toBe(true);
    expect(server.chatBodies()).toHaveLength(15);
    expect(server.maxInFlight).toBe(3);
  });
});

describe('named backends and API keys', () => {
  const small = new OpenAiServer({ apiKey: 'sk-small', models: ['small-model'] });
  const big = new OpenAiServer({ apiKey: 'sk-big', models: ['big-model'] });
  let judge: Harness;
  beforeAll(async () => {
    await small.start();
    await big.start();
    const backends = {
      small: { url: small.url, model: 'small-model', api_key_env: 'SMALL_KEY', max_retries: 0 },
      big: { url: big.url, model: 'big-model', api_key_env: 'BIG_KEY', concurrency: 2 },
      wrongkey: { url: big.url, model: 'big-model', api_key_env: 'NO_SUCH_KEY', max_retries: 3 },
    };
    judge = await startJudge({ VERIMESH_LLM_JUDGE_BACKENDS: JSON.stringify(backends), SMALL_KEY: 'sk-small', BIG_KEY: 'sk-big' });
    small.chat = () => 'YES';
    big.chat = () => 'NO';
  });
  afterAll(async () => {
    await judge.close();
    await small.close();
    await big.close();
  });

  it('routes by params.model (backend name or served model) and sends each backend its key', async () => {
    const res = await judge.call([
      item('dflt', 'judge.reference', { response: 'a', reference: { answer: 'a' } }),
      item('byname', 'judge.reference', { response: 'a', reference: { answer: 'a' }, params: { model: 'big' } }),
      item('bymodel', 'judge.reference', { response: 'b', reference: { answer: 'a' }, params: { model: 'big-model' } }),
      item('key', 'judge.reference', { response: 'c', reference: { answer: 'a' }, params: { model: 'wrongkey' } }),
    ]);
    expect(res.dflt).toMatchObject({ score: 1, status: 'ok' }); // no "default": the first configured (small)
    expect(res.dflt!.metrics.backend).toBe('small');
    expect(res.byname).toMatchObject({ score: 0, status: 'ok' });
    expect(res.byname!.metrics).toMatchObject({ backend: 'big', model: 'big-model' });
    expect(res.bymodel!.metrics.backend).toBe('big');
    expect(res.key!.status).toBe('error');
    expect(res.key!.detail).toContain('HTTP 401: Incorrect API key');
    // 401 is not retried; the key never appears in Describe.
    expect(big.requests.filter((r) => r.headers.authorization === undefined)).toHaveLength(1);
    expect(small.requests[0]!.headers.authorization).toBe('Bearer sk-small');
    const info = await judge.describe();
    expect(JSON.stringify(info)).not.toContain('sk-');
    expect(info.backends.map((b: any) => [b.name, b.api_key])).toEqual([
      ['small', 'set'],
      ['big', 'set'],
      ['wrongkey', 'none'],
    ]);
  });
});

describe('no backend configured', () => {
  let judge: Harness;
  beforeAll(async () => {
    judge = await startJudge({});
  });
  afterAll(async () => judge.close());

  it('local checks still score; LLM criteria and judges are unavailable with the settings named', async () => {
    const local = [
      { criterion: 'JSON answer', weight: 1, check: { type: 'json_schema', value: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } } } },
      { criterion: 'Names Paris', weight: 1, check: { type: 'contains', value: 'paris' } },
      { criterion: 'No apology', weight: -1, check: { type: 'not_contains', value: 'sorry' } },
    ];
    const res = await judge.call([
      // schema holds (1), contains holds (1); the pitfall is written with a check that holds here (no "sorry"), so the
      // pitfall counts as present: (1 + 1 − 1) / 2 = 0.5. A check decides whether its criterion holds, pitfall or not.
      item('local', 'judge.rubric', { response: '<answer>{"city": "Paris"}</answer>', reference: { rubric: local } }),
      item('mixed', 'judge.rubric', { response: '<answer>{"city": "Paris"}</answer>', reference: { rubric: [...local.slice(0, 2), { criterion: 'Is helpful', weight: 2 }] } }),
      item('ref', 'judge.reference', { response: 'x', reference: { answer: 'x' } }),
      item('sem', 'judge.semantic', { response: 'x', reference: { answer: 'x' } }),
    ]);
    expect(res.local).toMatchObject({ status: 'ok', score: 0.5 });
    expect(res.local!.metrics).toMatchObject({ template_version: 'rubric@1', cache_hit: false, judgments: 0 });
    expect(res.mixed!.status).toBe('unavailable');
    expect(res.mixed!.detail).toContain('VERIMESH_LLM_JUDGE_URL');
    expect(res.mixed!.detail).toContain('local checks: 2/2 criteria hold');
    expect(res.mixed!.metrics.criteria.map((c: any) => c.verdict)).toEqual(['met', 'met', undefined]);
    expect(res.mixed!.metrics.local_only_score).toBe(1);
    expect(res.mixed!.metrics.template_version).toBe('rubric@1');
    expect(res.ref!.metrics.template_version).toBe('reference@1');
    expect(res.sem!.metrics.template_version).toBe('bmas@1');
    for (const k of ['ref', 'sem']) {
      expect(res[k]!.status).toBe('unavailable');
      expect(res[k]!.detail).toContain('VERIMESH_LLM_JUDGE_BACKENDS');
    }
    const info = await judge.describe();
    expect(info.configured).toBe(false);
    expect(info.unavailable_reason).toContain('VERIMESH_LLM_JUDGE_URL');
  });
});
