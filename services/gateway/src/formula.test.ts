// The formula language: evaluation by hand-computed arithmetic, and hostile input rejected as parse errors.
import { describe, expect, it } from 'vitest';
import { FormulaError, MAX_FORMULA_DEPTH, bindFormula, evalFormula, parseFormula } from './formula.js';

// Expected values are worked out by hand from ordinary arithmetic precedence (the grammar in formula.ts).
const names = new Map([
  ['format', 0],
  ['iou', 1],
  ['text.exact', 2],
]);
const run = (src: string, scores: number[] = [1, 0.5, 0]): number => evalFormula(bindFormula(parseFormula(src), names), scores);

describe('formula: evaluation', () => {
  it('follows precedence and associativity', () => {
    expect(run('format * (0.8*iou + 0.2)')).toBeCloseTo(0.6, 12); // 1 * (0.4 + 0.2)
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 - 4 - 3')).toBe(3); // left-assoc: (10-4)-3
    expect(run('8 / 4 / 2')).toBe(1);
    expect(run('-iou + 1')).toBe(0.5);
    expect(run('--2')).toBe(2);
    expect(run('1e2 * .5')).toBe(50);
    expect(run('text.exact + 0.25')).toBe(0.25); // dotted component names are identifiers
  });
  it('has min, max, clamp and if with comparisons', () => {
    expect(run('min(format, iou, 0.7)')).toBe(0.5);
    expect(run('max(iou, 0.7)')).toBe(0.7);
    expect(run('clamp(3, 0, 1)')).toBe(1);
    expect(run('clamp(-3, 0, 1)')).toBe(0);
    expect(run('clamp(iou, 0, 1)')).toBe(0.5);
    expect(run('if(iou >= 0.5, 1, 0)')).toBe(1);
    expect(run('if(iou > 0.5, 1, -1)')).toBe(-1);
    expect(run('(iou == 0.5) + (iou != 0.5) * 10 + (format < 1) * 100 + (format <= 1) * 1000')).toBe(1001);
  });
  it('gives safe values: x/0 is 0 and a non-finite result is 0', () => {
    expect(run('format / 0')).toBe(0);
    expect(run('format / text.exact')).toBe(0);
    expect(run('1e308 * 10')).toBe(0);
    expect(run('0 - 1e308 * 10')).toBe(0);
  });
});

describe('formula: rejected input (parse errors, never code)', () => {
  const bad = [
    'process.exit()',
    'process.exit(1)',
    'require("fs")',
    'constructor.constructor("return process")()',
    'globalThis',
    'format; process.exit()',
    'format[0]',
    'format.__proto__',
    '`1`',
    "'1'",
    'x => 1',
    'a = 1',
    'format && iou',
    'format ? 1 : 0',
    '1 +',
    '(1',
    '1)',
    'min()',
    'clamp(1, 2)',
    'if(1, 2)',
    'abs(1)',
    '1 < 2 < 3',
    '',
    '   ',
    '1 2',
  ];
  for (const src of bad) {
    it(`rejects ${JSON.stringify(src)}`, () => {
      // globalThis and format.__proto__ are mere names here: unknown components, never objects.
      expect(() => bindFormula(parseFormula(src), names)).toThrow(FormulaError);
    });
  }
  it('rejects a call of something that is not a function even when a component has that name', () => {
    const withProcess = new Map([['process.exit', 0]]);
    expect(() => parseFormula('process.exit()')).toThrow(/not a function/);
    // As a plain name it is just a component score:
    expect(evalFormula(bindFormula(parseFormula('process.exit * 2'), withProcess), [0.5])).toBe(1);
  });
  it('rejects unknown component names at bind time', () => {
    expect(() => bindFormula(parseFormula('nope + 1'), names)).toThrow(/unknown component "nope"/);
  });
  it('rejects deep nesting without overflowing the stack', () => {
    const deep = '('.repeat(MAX_FORMULA_DEPTH + 5) + '1' + ')'.repeat(MAX_FORMULA_DEPTH + 5);
    expect(() => parseFormula(deep)).toThrow(/deeper/);
    const minus = '-'.repeat(1500) + '1';
    expect(() => parseFormula(minus)).toThrow(/deeper/);
    expect(() => parseFormula('1+'.repeat(5000) + '1')).toThrow(/longer/);
  });
});
