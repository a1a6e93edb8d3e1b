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
