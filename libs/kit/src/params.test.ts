import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { readBool, readChoice, readInt, readNumber } from './params.js';

describe('param readers', () => {
  it('give the fallback when absent and the value when valid', () => {
    expect(readNumber(undefined, 'params.t', 0.5)).toBe(0.5);
    expect(readNumber(null, 'params.t', undefined)).toBeUndefined();
    expect(readNumber(0.25, 'params.t', 0.5, 0, 1)).toBe(0.25);
    expect(readInt(3, 'params.n', 1, 1, 10)).toBe(3);
    expect(readChoice(undefined, 'params.mode', ['a', 'b'], 'b')).toBe('b');
    expect(readChoice('a', 'params.mode', ['a', 'b'], 'b')).toBe('a');
    expect(readBool(false, 'params.f', true)).toBe(false);
  });

  it('name the field and show the bad value', () => {
    expect(() => readNumber(2, 'params.threshold', 0.5, 0, 1)).toThrow('params.threshold must be a number in [0, 1], got 2');
    expect(() => readNumber(Number.NaN, 'params.t', 0)).toThrow(InvalidArgumentError);
    expect(() => readNumber('1', 'params.t', 0)).toThrow('got "1"');
    expect(() => readInt(1.5, 'params.samples', 1, 1, 16)).toThrow('params.samples must be an integer in [1, 16], got 1.5');
    expect(() => readChoice('c', 'params.mode', ['a', 'b'], 'a')).toThrow('params.mode must be one of "a", "b", got "c"');
    expect(() => readBool('yes', 'params.f', true)).toThrow('params.f must be true or false, got "yes"');
  });
});
