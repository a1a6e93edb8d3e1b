// Reading the final answer: think blocks, boxes, spans, plain expressions, hand-written cases.
import { describe, expect, it } from 'vitest';
import { finalAnswers, outsideThink } from './read.js';

const first = (text: string, targets?: 'both' | 'latex' | 'expr') => finalAnswers(text, targets)[0];

describe('outsideThink', () => {
  it('drops closed, unclosed and prompt-opened think blocks', () => {
    expect(outsideThink('<think>a</think>b')).toBe('b');
    expect(outsideThink('x<think>a</think>b<think>c</think>d')).toBe('xbd');
    expect(outsideThink('x<think>never closed \\boxed{1}')).toBe('x');
    expect(outsideThink('reasoning from the prompt \\boxed{1}</think> answer')).toBe(' answer');
    expect(outsideThink('<THINK>a</Think>b')).toBe('b');
    expect(outsideThink('no tags')).toBe('no tags');
  });
});

describe('finalAnswers', () => {
  it('reads the last box, balanced, joining boxes separated by a list word', () => {
    expect(first('\\boxed{1} then \\boxed{\\frac{1}{2}}')).toMatchObject({ text: '\\frac{1}{2}', how: 'boxed', context: 'latex' });
    expect(first('\\boxed{1} and \\boxed{2}')?.text).toBe('1, 2');
    expect(first('\\boxed{3} is wrong; after long thought the answer is \\boxed{4}')?.text).toBe('4');
    expect(first('\\fbox{7}')?.text).toBe('7');
    expect(first('\\boxed{28} percent')?.text).toBe('28\\%');
  });

  it('reads math spans right to left, joining spans separated by a list word', () => {
    expect(finalAnswers('$1$ then $2$').map((c) => c.text)).toEqual(['2', '1']);
    expect(first('$x=1$, $x=2$ and $x=3$')?.text).toBe('x=1, x=2, x=3');
    expect(first('\\(a\\) and \\[b\\]')?.text).toBe('a, b');
    expect(first('It costs 5$ or $$\\frac{1}{2}$$')?.text).toBe('\\frac{1}{2}');
  });

  it('reads a short formula whole, else the last plain expression', () => {
    expect(first('\\frac{14}{3}')).toMatchObject({ how: 'whole', context: 'plain' });
    expect(first('So she pays 9 * 2 = 18 dollars.')).toMatchObject({ text: '18', how: 'plain' });
    expect(first('The answer is 1/2.')?.text).toBe('1/2');
    expect(first('It is 7,425,000.')?.text).toBe('7,425,000');
    expect(finalAnswers('No numbers here at all.')).toEqual([]);
  });

  it('targets restrict the forms read', () => {
    expect(first('the answer is $4$ or maybe 5', 'expr')?.text).toBe('5');
    expect(first('the answer is 5', 'latex')).toBeUndefined();
    expect(first('\\boxed{4} 5', 'expr')?.text).toBe('5');
  });
});
