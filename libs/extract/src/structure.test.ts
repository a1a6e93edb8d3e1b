import { describe, expect, it } from 'vitest';
import { readValue, scanValues } from './structure.js';

// Lenient objects have no prototype; toEqual compares own enumerable keys, so plain literals serve as expectations.
const read = (text: string, prefer: 'object' | 'any' = 'any'): unknown => readValue(text, { prefer })?.value;

describe('readValue: model habits', () => {
  it('strict JSON takes the fast path', () => {
    const r = readValue('  {"a": [1, 2.5e1, -3], "b": "x\\ny\\u00e9", "c": null}  ');
    expect(r?.strict).toBe(true);
    expect(r?.value).toEqual({ a: [1, 25, -3], b: 'x\nyé', c: null });
  });

  it.each([
    ['single quotes', "{'start_time': 2, 'end_time': 4}", { start_time: 2, end_time: 4 }],
    ['trailing commas', '{"a": [1, 2,], "b": 3,}', { a: [1, 2], b: 3 }],
    ['bare keys', '{start_time: 2, end_time: 4}', { start_time: 2, end_time: 4 }],
    ['= for :', '{x=1, y=2}', { x: 1, y: 2 }],
    ['tuples', "{'span': (2, 4), 'pts': [(1, 2), (3, 4)]}", { span: [2, 4], pts: [[1, 2], [3, 4]] }],
    ['Python literals', "{'a': True, 'b': False, 'c': None}", { a: true, b: false, c: null }],
    ['smart double quotes', '{\u201cname\u201d: \u201cACME\u201d}', { name: 'ACME' }],
    ['smart single quotes', '{\u2018name\u2019: \u2018ACME\u2019}', { name: 'ACME' }],
    ['missing commas', '[1 2 3 4]', [1, 2, 3, 4]],
    ['numeric keys', '{0.5: [1, 2], 1: [3, 4]}', { '0.5': [1, 2], '1': [3, 4] }],
    ['units glued to numbers', "['12.5s', 17.3s, 1:05]", ['12.5s', '17.3s', '1:05']],
    ['escaped quotes', "{'note': 'it\\'s \"fine\"'}", { note: 'it\'s "fine"' }],
    ['a quote of the other kind inside a string', '{"q": "l\'eau", \'r\': \'say "hi"\'}', { q: "l'eau", r: 'say "hi"' }],
    ['non-finite numbers stay visible', '[-Infinity, inf, NaN]', [-Infinity, Infinity, Number.NaN]],
  ])('%s', (_name, text, want) => {
    const r = readValue(text);
    expect(r?.strict).toBe(false);
    expect(r?.value).toEqual(want);
  });

  it('a truncated tail closes what is open: a list drops an item the cut damaged, an object keeps the complete part of a field', () => {
    expect(read('{"a": 1, "b": [1, 2, 3')).toEqual({ a: 1, b: [1, 2] }); // 3 may have been 30
    expect(read('{"a": 1, "b": "unfinish')).toEqual({ a: 1 });
    expect(read('[{"x": 1}, {"x": 2}, {"x": 3, "y"')).toEqual([{ x: 1 }, { x: 2 }]);
    expect(read('{"fields": {"name": "ACME", "total": 12')).toEqual({ fields: { name: 'ACME' } });
    expect(read('{"a": tru')).toEqual({});
    // An item that lost nothing but its closing brackets is kept; one that lost a number ("2" of "25"?) is dropped.
    expect(read('[{"a": 1}, {"b": true')).toEqual([{ a: 1 }, { b: true }]);
    expect(read('[{"a": 1}, {"b": "x"')).toEqual([{ a: 1 }, { b: 'x' }]);
    expect(read('[{"a": 1}, {"b": 2')).toEqual([{ a: 1 }]);
    expect(read("[{'bbox_2d': [1, 2, 3, 4], 'label': 'cup'}, {'bbox_2d': [5, 6")).toEqual([{ bbox_2d: [1, 2, 3, 4], label: 'cup' }]);
    expect(readValue('{"a": 1')?.truncated).toBe(true);
  });

  it('JSON inside prose, fences and tags', () => {
    expect(read('Sure! Here it is:\n```json\n{"a": 1}\n```\nHope this helps.')).toEqual({ a: 1 });
    expect(read("<answer>{'start_time': 2, 'end_time': 4}</answer>")).toEqual({ start_time: 2, end_time: 4 });
    // Prose parentheses and apostrophes are not values: the cup's box is still found.
    expect(read("The cup's box (as requested) is [10, 20, 30, 40].")).toEqual([10, 20, 30, 40]);
    expect(read('(see above) and (True)')).toBeUndefined();
  });

  it('prefer "object" skips lists written before the object', () => {
    expect(read('The fields [name, total] are {"name": "x"}', 'object')).toEqual({ name: 'x' });
    expect(read('The fields [name, total] are {"name": "x"}')).toEqual(['name', 'total']);
    expect(read('only [1, 2]', 'object')).toEqual([1, 2]);
  });

  it('__proto__ and other prototype names are plain keys', () => {
    const v = read("{'__proto__': {'x': 1}, constructor: 2}") as Record<string, unknown>;
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(v.constructor).toBe(2);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('nothing structured: undefined', () => {
    expect(readValue('no brackets here')).toBeUndefined();
    expect(readValue('')).toBeUndefined();
  });
});

describe('scanValues', () => {
  it('every top-level value in order, with positions', () => {
    const text = 'a [1, 2] b {"x": 3} c (4, 5)';
    const found = scanValues(text);
    expect(found.map((f) => f.value)).toEqual([[1, 2], { x: 3 }, [4, 5]]);
    expect(found.map((f) => text.slice(f.start, f.end))).toEqual(['[1, 2]', '{"x": 3}', '(4, 5)']);
  });

  it('a value inside prose brackets is found after the outer read fails', () => {
    expect(scanValues('[see box [1, 2, 3, 4] here: ok]').map((f) => f.value)).toEqual([[1, 2, 3, 4]]);
    expect(scanValues('[a: [1, 2, 3, 4]]').map((f) => f.value)).toEqual([[1, 2, 3, 4]]);
  });

  it('start/end bound what is read', () => {
    const text = '[1, 2] <ref>x</ref> [3, 4]';
    expect(scanValues(text, { start: 7 }).map((f) => f.value)).toEqual([[3, 4]]);
    expect(scanValues(text, { end: 4 }).map((f) => f.value)).toEqual([[1]]);
  });
});

describe('bounds', () => {
  it('nesting deeper than maxDepth is not read as one value, without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + '1' + ']'.repeat(100_000);
    const r = readValue(deep);
    // The strict parse is refused for depth, the lenient reader stops at 64 levels: what it finds is at most that deep.
    let d = 0;
    for (let v: unknown = r?.value; Array.isArray(v); v = v[0]) d++;
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThanOrEqual(64);
    // Reading goes on where the limit was hit: what is found past it is itself within the limit.
    expect(readValue('[[[[[1]]]]]', { maxDepth: 3 })?.value).toEqual([[1]]);
  });

  it('maxDepth applies to the strict path too', () => {
    expect(readValue('[[1]]', { maxDepth: 2 })?.strict).toBe(true);
    const r = readValue('[[[1]]]', { maxDepth: 2 });
    expect(r?.strict).toBe(false);
    expect(r?.value).toEqual([1]);
  });

  it('a text longer than maxChars is read as if cut there', () => {
    const text = `[${'1, '.repeat(1000)}2]`;
    const r = readValue(text, { maxChars: 30 });
    expect(r?.truncated).toBe(true);
    expect((r?.value as number[]).length).toBe(10); // "[" and ten "1, " fill 31 characters: the tenth 1 is whole
  });

  // A quadratic reader would run for hours on these (the test's timeout fails it); a linear one reads each in milliseconds.
  it.each([
    ['200k unclosed {: only the last, empty and cut off', '{'.repeat(200_000), 1],
    ["100k [' pairs", "['".repeat(100_000), 1],
    ['100k (a prose parentheses', '(a'.repeat(100_000), 0],
    ['an unclosed 1 MB string', `["${'x'.repeat(999_990)}`, 1],
    ['100k nested bare keys', '{a:'.repeat(100_000), 1],
    ['300k unclosed [1,', '[1,'.repeat(300_000), 1],
  ])('hostile shape: %s', (_name, text, values) => {
    expect(scanValues(text).length).toBe(values);
    readValue(text, { prefer: 'object' });
  });
});
