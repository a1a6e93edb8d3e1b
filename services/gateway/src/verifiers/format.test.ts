// text.format: the think_answer shape and caller regexes; each case's expected verdict follows from the documented rules.
import { describe, expect, it } from 'vitest';
import { checkThinkAnswer, formatVerifier } from './format.js';
import { ctx, input } from '../../testing/index.js';

const score = async (response: string, params: Record<string, unknown> = {}): Promise<number> => (await formatVerifier.verify(input(response, {}, params), ctx)).score;

describe('think_answer', () => {
  it.each([
    '<think>a</think><answer>b</answer>',
    '\n  <think>\nreason\n</think>\n\n<answer>\n42\n</answer>\n',
    '<think></think><answer>x</answer>',
  ])('accepts %j', (r) => {
    expect(checkThinkAnswer(r)).toBeUndefined();
  });
  it.each([
    ['<answer>b</answer>', /no <think>/],
    ['<think>a</think><think>b</think><answer>c</answer>', /2 <think> tags/],
    ['<think>a</think><answer>b</answer><answer>c</answer>', /2 <answer>/],
    ['<answer>b</answer><think>a</think>', /before <think>/],
    ['<think>a <answer>b</answer></think>', /not after/],
    ['Sure! <think>a</think><answer>b</answer>', /before <think>/],
    ['<think>a</think> so: <answer>b</answer>', /between/],
    ['<think>a</think><answer>b</answer> done', /after <\/answer>/],
    ['<think>a</think><answer>  </answer>', /empty/],
    ['<THINK>a</THINK><answer>b</answer>', /no <think>/],
  ])('rejects %j', (r, why) => {
    expect(checkThinkAnswer(r)).toMatch(why);
  });
  it('accepts a response that starts inside a prefilled <think>', async () => {
    expect(await score('reasoning</think><answer>4</answer>')).toBe(0);
    expect(await score('reasoning</think><answer>4</answer>', { think_prefilled: true })).toBe(1);
    expect(await score('<think>r</think><answer>4</answer>', { think_prefilled: true })).toBe(1);
  });
  it('is the default pattern', async () => {
    expect(await score('<think>a</think><answer>b</answer>')).toBe(1);
    expect(await score('just text')).toBe(0);
  });
});

describe('regex patterns', () => {
  it('matches the whole (trimmed) response by default, with . spanning lines', async () => {
    expect(await score('Answer: 42', { pattern: 'Answer: \\d+' })).toBe(1);
    expect(await score('So. Answer: 42', { pattern: 'Answer: \\d+' })).toBe(0);
    expect(await score('So. Answer: 42', { pattern: 'Answer: \\d+', match: 'search' })).toBe(1);
    expect(await score('line1\nline2', { pattern: 'line1.line2' })).toBe(1);
    expect(await score('line1\nline2', { pattern: 'line1.line2', flags: '' })).toBe(0);
    expect(await score('ANSWER: 1', { pattern: 'answer: \\d', flags: 'i' })).toBe(1);
    expect(await score('a|b', { pattern: 'a|b' })).toBe(0); // alternation is wrapped, so "a|b" means "a" or "b" in full
    expect(await score('b', { pattern: 'a|b' })).toBe(1);
  });
  it('can match the extracted answer', async () => {
    expect(await score('<think>x</think><answer>[1, 2]</answer>', { pattern: '\\[\\d+, \\d+\\]', extract: 'answer' })).toBe(1);
  });
  it('rejects a bad pattern, flags or match as invalid', async () => {
    await expect(async () => formatVerifier.verify(input('x', {}, { pattern: '(' }), ctx)).rejects.toThrow(/params.pattern/);
    await expect(async () => formatVerifier.verify(input('x', {}, { pattern: 5 }), ctx)).rejects.toThrow(/params.pattern/);
    await expect(async () => formatVerifier.verify(input('x', {}, { pattern: 'x', flags: 'g' }), ctx)).rejects.toThrow(/params.flags/);
    await expect(async () => formatVerifier.verify(input('x', {}, { pattern: 'x', match: 'any' }), ctx)).rejects.toThrow(/params.match/);
  });
});
