import { describe, expect, it } from 'vitest';
import { compileCheck } from './checks.js';

const run = (check: object, answer: string): boolean => compileCheck(check, 'c').run(answer).pass;

describe('local rubric checks', () => {
  it('regex searches anywhere, with Python-style (?i)', () => {
    expect(run({ type: 'regex', value: '\\d{3}-\\d{4}' }, 'call 555-1234 now')).toBe(true);
    expect(run({ type: 'regex', value: '^abc$' }, 'xabc')).toBe(false);
    expect(run({ type: 'regex', value: '(?i)^HELLO' }, 'hello world')).toBe(true);
  });
  it('contains / not_contains are case-insensitive substrings; a list means all / none', () => {
    expect(run({ type: 'contains', value: 'PARIS' }, 'I love paris.')).toBe(true);
    expect(run({ type: 'contains', value: ['paris', 'france'] }, 'paris only')).toBe(false);
    expect(run({ type: 'not_contains', value: ['sorry', 'apolog'] }, 'I APOLOGIZE')).toBe(false);
    expect(run({ type: 'not_contains', value: 'sorry' }, 'fine')).toBe(true);
  });
  it('word limits count whitespace-separated words', () => {
    expect(run({ type: 'max_words', value: 3 }, '  one two\nthree ')).toBe(true);
    expect(run({ type: 'max_words', value: 2 }, 'one two three')).toBe(false);
    expect(run({ type: 'min_words', value: 1 }, '   ')).toBe(false);
    expect(run({ type: 'min_words', value: 0 }, '')).toBe(true);
  });
  it('red team: max_words is not dodged by dropping spaces (one word per 8 non-space characters at least)', () => {
    const essay = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '); // 60 words, 350 non-space characters
    expect(run({ type: 'max_words', value: 50 }, essay)).toBe(false);
    // The same words glued by hyphens or zero-width spaces were one whitespace word: now ceil(409 / 8) = 52 > 50.
    expect(run({ type: 'max_words', value: 50 }, essay.replace(/ /g, '-'))).toBe(false);
    expect(run({ type: 'max_words', value: 50 }, essay.replace(/ /g, '\u200b'))).toBe(false);
    expect(run({ type: 'max_words', value: 50 }, '这是一个很长的回答'.repeat(20))).toBe(false); // 180 CJK characters -> 90
    // Ordinary prose (words shorter than 8 characters on average) is counted by its whitespace words as before.
    expect(run({ type: 'max_words', value: 9 }, 'The quick brown fox jumps over the lazy dog.')).toBe(true);
    // The floor binds only where the words average more than 8 characters: 36 characters in 2 words count as 5.
    expect(run({ type: 'max_words', value: 4 }, 'internationalization characterization')).toBe(false);
    expect(compileCheck({ type: 'max_words', value: 50 }, 'c').run(essay).reason).toBe('60 words (max 50)');
  });
  it('json_valid and json_schema (draft 2020-12: prefixItems)', () => {
    expect(run({ type: 'json_valid' }, '{"a": [1, 2]}')).toBe(true);
    expect(run({ type: 'json_valid' }, '```json\n{"a": 1}\n```')).toBe(true);
    expect(run({ type: 'json_valid' }, "{'a': 1}")).toBe(false);
    const tuple = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    expect(run({ type: 'json_schema', value: tuple }, '["x", 1]')).toBe(true);
    expect(run({ type: 'json_schema', value: tuple }, '["x", 1, 2]')).toBe(false);
    expect(run({ type: 'json_schema', value: tuple }, '[1, "x"]')).toBe(false);
  });
  it('a malformed check names its field', () => {
    expect(() => compileCheck({ type: 'length' }, 'reference.rubric[2].check')).toThrow(/reference\.rubric\[2\]\.check\.type/);
    expect(() => compileCheck({ type: 'max_words', value: -1 }, 'r')).toThrow(/r\.value/);
    expect(() => compileCheck({ type: 'json_schema', value: { type: 'nonsense' } }, 'r')).toThrow(/not a valid JSON Schema/);
  });
});
