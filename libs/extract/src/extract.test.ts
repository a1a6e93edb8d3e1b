// Answer extraction (SPEC section 4): each case's expected text is read off the input by hand.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@verimesh/kit';
import { extractAnswer, fencedBlocks, lastAnswerTag, lastBoxed, lastCodeBlock, parseExtractParam } from './extract.js';

describe('parseExtractParam', () => {
  it('reads the keywords and defaults to auto', () => {
    expect(parseExtractParam(undefined)).toEqual({ kind: 'auto' });
    expect(parseExtractParam(null)).toEqual({ kind: 'auto' });
    for (const k of ['auto', 'none', 'boxed', 'answer', 'code'] as const) expect(parseExtractParam(k)).toEqual({ kind: k });
  });
  it('compiles a regex with one group and rejects the rest naming the field', () => {
    expect(parseExtractParam('Final: (\\d+)').kind).toBe('regex');
    expect(() => parseExtractParam('Final: \\d+')).toThrow(/capture group/);
    expect(() => parseExtractParam('(')).toThrow(InvalidArgumentError);
    expect(() => parseExtractParam(5)).toThrow(/params.extract/);
    expect(() => parseExtractParam(5, 'components[0].params.extract')).toThrow(/components\[0\]\.params\.extract/);
  });
});

describe('lastAnswerTag', () => {
  it('takes the last tag, case-insensitively, and lets an unclosed last tag run to the end', () => {
    expect(lastAnswerTag('<answer>1</answer> then <answer>2</answer>')).toBe('2');
    expect(lastAnswerTag('<ANSWER>x</ANSWER>')).toBe('x');
    expect(lastAnswerTag('<answer>1</answer><answer> cut off')).toBe(' cut off');
    expect(lastAnswerTag('no tag')).toBeUndefined();
    // "İ" lower-cases to two code units; the slice must still land on the tag's content.
    expect(lastAnswerTag('İİİİ <Answer>ok</answer>')).toBe('ok');
  });
});

describe('lastBoxed', () => {
  it('balances braces and takes the last box', () => {
    expect(lastBoxed('\\boxed{1} and \\boxed{\\frac{1}{2}}')).toBe('\\frac{1}{2}');
    expect(lastBoxed('\\fbox{7}')).toBe('7');
    expect(lastBoxed('\\boxed {x}')).toBe('x');
    expect(lastBoxed('\\boxed{unclosed')).toBeUndefined();
    expect(lastBoxed('none')).toBeUndefined();
  });
});

describe('fenced code blocks', () => {
  const text = ['Intro', '```py', 'print(1)', '```', 'middle', '~~~cpp', 'int main() {}', '~~~', '```', 'plain', '```'].join('\n');
  it('finds every block with its canonical language', () => {
    expect(fencedBlocks(text)).toEqual([
      { language: 'python', code: 'print(1)' },
      { language: 'cpp', code: 'int main() {}' },
      { language: '', code: 'plain' },
    ]);
  });
  it('prefers the requested language, else the last block', () => {
    expect(lastCodeBlock(text, 'python')?.code).toBe('print(1)');
    expect(lastCodeBlock(text, 'c++')?.code).toBe('int main() {}');
    expect(lastCodeBlock(text, 'rust')?.code).toBe('plain');
    expect(lastCodeBlock('no code')).toBeUndefined();
  });
  it('keeps a shorter inner fence inside a longer outer one, and an unclosed last fence', () => {
    expect(fencedBlocks('````md\n```\ninner\n```\n````')).toEqual([{ language: 'md', code: '```\ninner\n```' }]);
    expect(fencedBlocks('```python\nx = 1\n')).toEqual([{ language: 'python', code: 'x = 1\n' }]);
    expect(fencedBlocks('```{.python}\nx\n```')[0]?.language).toBe('python');
  });
});

describe('extractAnswer', () => {
  const r = '<think>maybe \\boxed{3}</think> Final: 41\n<answer> 42 </answer>';
  it('auto: the last <answer>, else the whole text', () => {
    expect(extractAnswer(r)).toEqual({ text: '42', found: true, how: 'answer' });
    expect(extractAnswer('  just 7  ')).toEqual({ text: 'just 7', found: true, how: 'whole' });
  });
  it('none, boxed, answer and regex modes; a missing form is found = false', () => {
    expect(extractAnswer(r, parseExtractParam('none')).text).toBe(r.trim());
    expect(extractAnswer(r, parseExtractParam('boxed'))).toEqual({ text: '3', found: true, how: 'boxed' });
    expect(extractAnswer('x', parseExtractParam('boxed'))).toEqual({ text: '', found: false, how: 'boxed' });
    expect(extractAnswer('x', parseExtractParam('answer')).found).toBe(false);
    expect(extractAnswer('Final: 1 ... Final: 2', parseExtractParam('Final: (\\d+)')).text).toBe('2');
    expect(extractAnswer('nothing', parseExtractParam('Final: (\\d+)'))).toEqual({ text: '', found: false, how: 'regex' });
  });
  it('a cached regex gives the same answer on every call (no lastIndex leak)', () => {
    const mode = parseExtractParam('n=(\\d)');
    expect(extractAnswer('n=1 n=2', mode).text).toBe('2');
    expect(extractAnswer('n=3', mode).text).toBe('3');
  });
  it('code verifiers: the last block inside the answer, then anywhere, preferring the language', () => {
    const resp = '```python\nold\n```\n<answer>\n```cpp\nc\n```\n```python\nnew\n```\n</answer>';
    expect(extractAnswer(resp, parseExtractParam('auto'), { code: true, language: 'python' })).toEqual({ text: 'new', found: true, how: 'code', language: 'python' });
    expect(extractAnswer(resp, parseExtractParam('auto'), { code: true })).toMatchObject({ text: 'new' });
    expect(extractAnswer('```python\nx\n```\n<answer>no code</answer>', parseExtractParam('auto'), { code: true }).text).toBe('x');
    expect(extractAnswer('no code at all', parseExtractParam('auto'), { code: true })).toEqual({ text: 'no code at all', found: true, how: 'whole' });
    expect(extractAnswer('none', parseExtractParam('code')).found).toBe(false);
  });
});
