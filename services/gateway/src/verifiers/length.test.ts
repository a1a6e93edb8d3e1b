// text.length: DAPO soft overlong punishment (arXiv:2503.14476 eq. 13), values computed by hand below.
import { describe, expect, it } from 'vitest';
import { estimateTokens, lengthVerifier, overlongPenalty, whitespaceTokens } from './length.js';
import { ctx, input } from '../../testing/index.js';

describe('overlongPenalty (DAPO: L_max 20480, L_cache 4096, the paper\'s setting)', () => {
  it.each([
    [0, 0],
    [16384, 0], // = L_max - L_cache: no penalty yet
    [17408, -0.25], // (16384 - 17408) / 4096 = -1024/4096
    [18432, -0.5], // -2048/4096
    [20480, -1], // = L_max
    [20481, -1], // beyond L_max
    [100000, -1],
  ])('%d tokens -> %d', (tokens, want) => {
    expect(overlongPenalty(tokens, 20480, 4096)).toBeCloseTo(want, 12);
  });
  it('is a hard cut without a buffer', () => {
    expect(overlongPenalty(10, 10, 0)).toBe(0);
    expect(overlongPenalty(11, 10, 0)).toBe(-1);
  });
});

describe('text.length', () => {
  const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' \n');
  it('counts whitespace tokens of the whole response', async () => {
    expect(whitespaceTokens('  a b\n\tc  ')).toBe(3);
    expect(whitespaceTokens('   ')).toBe(0);
    // max 10, buffer 4: 6 tokens -> 0; 7 -> (6-7)/4 = -0.25; 9 -> -0.75; 10 -> -1; 12 -> -1.
    const p = { max_tokens: 10, buffer_tokens: 4 };
    expect((await lengthVerifier.verify(input(words(6), {}, p), ctx)).score).toBe(0);
    expect((await lengthVerifier.verify(input(words(7), {}, p), ctx)).score).toBe(-0.25);
    expect((await lengthVerifier.verify(input(words(9), {}, p), ctx)).score).toBe(-0.75);
    expect((await lengthVerifier.verify(input(words(10), {}, p), ctx)).score).toBe(-1);
    expect((await lengthVerifier.verify(input(words(12), {}, p), ctx)).score).toBe(-1);
  });
  it('raises overlong exactly when the penalty applies (score < 0), without changing the score', async () => {
    const p = { max_tokens: 10, buffer_tokens: 4 };
    expect((await lengthVerifier.verify(input(words(6), {}, p), ctx)).flags).toBeUndefined();
    expect(await lengthVerifier.verify(input(words(7), {}, p), ctx)).toMatchObject({ score: -0.25, flags: ['overlong'] });
    expect(await lengthVerifier.verify(input(words(12), {}, p), ctx)).toMatchObject({ score: -1, flags: ['overlong'] });
  });
  // Red team: with whitespace tokens alone, dropping the spaces made any response one token long (no penalty).
  it('does not let a response escape the penalty by dropping its spaces', async () => {
    expect(estimateTokens('w0 w1 w2')).toBe(3); // ordinary text: the whitespace tokens
    expect(estimateTokens('a'.repeat(80))).toBe(10); // 80 letters / 8
    expect(estimateTokens('汉'.repeat(40))).toBe(20); // 40 CJK characters / 2
    expect(estimateTokens('😀'.repeat(16))).toBe(2); // code points, not UTF-16 units
    const p = { max_tokens: 100, buffer_tokens: 20 };
    const glued = Array.from({ length: 200 }, (_, i) => `step${i}`).join(''); // 1290 letters and digits, no space
    expect(await lengthVerifier.verify(input(glued, {}, p), ctx)).toMatchObject({ score: -1, flags: ['overlong'], metrics: { tokens: 162, token_source: 'estimate' } });
    expect((await lengthVerifier.verify(input('这是一个很长的回答'.repeat(30), {}, p), ctx)).score).toBe(-1); // 270 CJK -> 135
  });
  it('prefers metadata.response_tokens when it is a number', async () => {
    const p = { max_tokens: 20480, buffer_tokens: 4096 };
    const out = await lengthVerifier.verify(input('short', {}, p, { response_tokens: 18432 }), ctx);
    expect(out.score).toBe(-0.5);
    expect(out.metrics).toMatchObject({ tokens: 18432, token_source: 'metadata' });
    expect((await lengthVerifier.verify(input('short', {}, p, { response_tokens: 'many' }), ctx)).score).toBe(0);
  });
  it('rejects missing or inconsistent params as invalid', async () => {
    await expect(async () => lengthVerifier.verify(input('x'), ctx)).rejects.toThrow(/params.max_tokens/);
    await expect(async () => lengthVerifier.verify(input('x', {}, { max_tokens: 0 }), ctx)).rejects.toThrow(/params.max_tokens/);
    await expect(async () => lengthVerifier.verify(input('x', {}, { max_tokens: 10, buffer_tokens: 11 }), ctx)).rejects.toThrow(/params.buffer_tokens/);
    await expect(async () => lengthVerifier.verify(input('x', {}, { max_tokens: '10' }), ctx)).rejects.toThrow(/params.max_tokens/);
  });
});
