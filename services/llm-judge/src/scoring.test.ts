import { describe, expect, it } from 'vitest';
import { bmas, cosine, splitSentences } from './bmas.js';
import { expectedRating, probYes, tokenAt } from './logprobs.js';
import { parseJsonLoose, parseYesNo } from './parse.js';
import { parseRetryAfter, retryDelay } from './backend.js';
import { JudgmentCache } from './cache.js';
import { aggregate, parseRubricReply } from './verifiers/rubric.js';

describe('rubric aggregation (SPEC 4.2)', () => {
  it('Σ wᵢsᵢ / Σ positive wᵢ, clamped; pitfall-only rubrics start at 1', () => {
    // (3·1 + 1·0.5 − 2·1) / 4 = 1.5 / 4
    expect(aggregate([{ weight: 3, score: 1 }, { weight: 1, score: 0.5 }, { weight: -2, score: 1 }])).toBeCloseTo(0.375, 12);
    expect(aggregate([{ weight: 1, score: 0 }, { weight: -2, score: 1 }])).toBe(0);
    expect(aggregate([{ weight: 1, score: 1 }, { weight: 1, score: 1 }])).toBe(1);
    // 1 + (−1·1 + −3·0) / 4
    expect(aggregate([{ weight: -1, score: 1 }, { weight: -3, score: 0 }])).toBeCloseTo(0.75, 12);
  });
  it('reads judge replies by id, rejects missing or out-of-scale scores', () => {
    const ok = parseRubricReply('{"criteria":[{"id":2,"reason":"b","score":0},{"id":1,"reason":"a","score":1}]}', 'binary', 2);
    expect(ok).toEqual({ ok: true, value: { ratings: [1, 0], reasons: ['a', 'b'], order: [1, 0] } });
    expect(parseRubricReply('{"criteria":[{"id":1,"score":1}]}', 'binary', 2)).toMatchObject({ ok: false, problem: 'criterion 2 has no score' });
    expect(parseRubricReply('{"criteria":[{"id":1,"score":7}]}', 'likert5', 1)).toMatchObject({ ok: false });
  });
});

describe('BMAS', () => {
  it('matches a hand computation', () => {
    // r = [1,0], [0,1]; g = [1,1]: cosines 1/√2 both; maxima means 1/√2 both ways.
    expect(bmas([[1, 0], [0, 1]], [[1, 1]]).bmas).toBeCloseTo(Math.SQRT1_2, 12);
    // r = [1,0]; g = [1,0], [0,1]: precision 1, recall (1 + 0)/2 → BMAS 0.75
    expect(bmas([[1, 0]], [[1, 0], [0, 1]])).toEqual({ precision: 1, recall: 0.5, bmas: 0.75 });
    expect(cosine([2, 0], [-1, 0])).toBe(-1);
  });
  it('splits sentences at terminal punctuation and line breaks', () => {
    expect(splitSentences('Hi there. How are you?  Fine!\nNext line 3.5 is a number')).toEqual(['Hi there.', 'How are you?', 'Fine!', 'Next line 3.5 is a number']);
  });
});

describe('logprobs', () => {
  it('P(YES) merges case variants and normalizes over YES/NO', () => {
    const tok = { token: 'YES', logprob: Math.log(0.5), top_logprobs: [{ token: 'YES', logprob: Math.log(0.5) }, { token: ' no', logprob: Math.log(0.25) }, { token: 'yes', logprob: Math.log(0.125) }, { token: 'maybe', logprob: Math.log(0.125) }] };
    expect(probYes(tok)).toBeCloseTo(0.625 / 0.875, 12);
  });
  it('expected rating Σ r·p / Σ p over rating tokens (G-Eval)', () => {
    const tok = { token: '3', logprob: Math.log(0.4), top_logprobs: [{ token: '3', logprob: Math.log(0.4) }, { token: '4', logprob: Math.log(0.4) }, { token: 'x', logprob: Math.log(0.2) }] };
    expect(expectedRating(tok, [1, 2, 3, 4, 5])).toBeCloseTo(3.5, 12);
  });
  it('finds the token at a character offset only when tokens spell the content', () => {
    const toks = [{ token: '{"s":', logprob: 0 }, { token: '4', logprob: 0 }, { token: '}', logprob: 0 }];
    expect(tokenAt('{"s":4}', toks, 5)?.token).toBe('4');
    expect(tokenAt('{"s": 4}', toks, 5)).toBeUndefined();
  });
});

describe('parsing', () => {
  it('finds JSON inside chatter, fences and think blocks', () => {
    expect(parseJsonLoose('<think>{"no": 1}</think>Here: {"a": {"b": "}"}} done')).toEqual({ a: { b: '}' } });
    expect(parseJsonLoose('```json\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseJsonLoose('no json')).toBeUndefined();
    expect(parseYesNo('  **Yes**, because')).toBe('YES');
    expect(parseYesNo('Nope')).toBeUndefined();
  });
  it('Retry-After as seconds, HTTP date, or retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' }), Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
  it('backoff: full jitter over base·2^attempt, Retry-After plus a tenth of that jitter, both capped', () => {
    const c = { backoffMs: 500, maxBackoffMs: 30_000 };
    // attempt 0: 500·1·0.5 = 250; attempt 3: 500·8·0.25 = 1000; attempt 10: min(30000, 512000)·0.5 = 15000
    expect(retryDelay(c, 0, undefined, 0.5)).toBe(250);
    expect(retryDelay(c, 3, undefined, 0.25)).toBe(1000);
    expect(retryDelay(c, 10, undefined, 0.5)).toBe(15_000);
    // Retry-After 2 s, attempt 1 backoff 1000·0.5 = 500 → 2000 + 50; jitter 0 → exactly 2000
    expect(retryDelay(c, 1, 2000, 0.5)).toBe(2050);
    expect(retryDelay(c, 1, 2000, 0)).toBe(2000);
    // A Retry-After beyond the cap waits the cap
    expect(retryDelay(c, 0, 60_000, 0.9)).toBe(30_000);
  });
});

describe('JudgmentCache', () => {
  it('is a bounded LRU that does not keep failures', async () => {
    const c = new JudgmentCache(2);
    let calls = 0;
    const f = async (): Promise<number> => ++calls;
    await c.get('a', f);
    await c.get('b', f);
    expect((await c.get('a', f)).hit).toBe(true); // a is now most recent
    await c.get('c', f); // evicts b
    expect((await c.get('b', f)).hit).toBe(false);
    await expect(c.get('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await c.get('x', f)).hit).toBe(false);
    expect(c.stats()).toMatchObject({ hits: 1, capacity: 2, size: 2 });
  });
  it('a request that joined an in-flight call which then failed computes on its own', async () => {
    const c = new JudgmentCache(10);
    let fail!: (e: Error) => void;
    const first = c.get('k', () => new Promise<number>((_, reject) => (fail = reject)));
    const second = c.get('k', async () => 42);
    fail(new Error('cancelled by the first caller\'s deadline'));
    await expect(first).rejects.toThrow('cancelled');
    await expect(second).resolves.toEqual({ value: 42, hit: false });
    expect(c.stats()).toMatchObject({ hits: 0, misses: 2 });
  });
});
