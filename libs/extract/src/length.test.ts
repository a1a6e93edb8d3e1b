// lengthFloor: one unit per 8 non-space code points plus one per 2 CJK characters, counted by hand below.
import { describe, expect, it } from 'vitest';
import { lengthFloor } from './length.js';

describe('lengthFloor', () => {
  it.each([
    ['', 0],
    ['   \n\t ', 0],
    ['abc', 1], // ceil(3 / 8)
    ['a'.repeat(80), 10],
    ['a b c d e f g h i', 2], // 9 letters: ceil(9 / 8); spaces do not count
    ['汉'.repeat(40), 20], // 40 / 2
    ['汉字ab', 2], // ceil(2 / 8 + 2 / 2) = ceil(1.25)
    ['😀'.repeat(16), 2], // 16 code points (32 UTF-16 units) / 8
    ['one\u200btwo\u200bthree', 2], // zero-width spaces are not white space: 13 code points
  ])('%j -> %d', (text, want) => {
    expect(lengthFloor(text)).toBe(want);
  });
});
