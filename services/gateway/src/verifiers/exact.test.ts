// text.exact: SPEC 4.2 normalization and multiple-choice letters, expected values written by hand from the SPEC's forms.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@verimesh/kit';
import { answerLetter, exactVerifier, normalizeText, referenceLetter } from './exact.js';
import { ctx, input } from '../../testing/index.js';

const score = async (response: string, answer: unknown, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<number> =>
  (await exactVerifier.verify(input(response, { answer, ...extra }, params), ctx)).score;

describe('normalizeText', () => {
  it('lower-cases, trims, collapses whitespace and drops trailing punctuation', () => {
    expect(normalizeText('  New   York\tCity.  ')).toBe('new york city');
    expect(normalizeText('Paris!?')).toBe('paris');
    expect(normalizeText('f(x)')).toBe('f(x)'); // a closing bracket is not sentence punctuation
    expect(normalizeText('3.5')).toBe('3.5');
  });
  it('squad mode drops articles and all punctuation (SQuAD normalize_answer)', () => {
    // SQuAD v1.1 evaluate.py: lower, remove punctuation, remove a/an/the, fix whitespace.
    expect(normalizeText('The  Eiffel-Tower!', 'squad')).toBe('eiffeltower');
    expect(normalizeText('an apple, a pear', 'squad')).toBe('apple pear');
    expect(normalizeText('Theory', 'squad')).toBe('theory'); // "the" only as a word
  });
});

describe('multiple-choice letters', () => {
  it.each([
    ['(B)', 'B'],
    ['B.', 'B'],
    ['B)', 'B'],
    ['b', 'B'],
    ['Option B', 'B'],
    ['Answer: B', 'B'],
    ['The answer is (B).', 'B'],
    ['(A) 42 apples', 'A'],
    ['A. 42 apples', 'A'],
    ['**C**', 'C'],
    ['Counting again, 3 + 4 = 7, so the answer is D because the rest fail.', 'D'],
    ['I first thought (A), but the correct answer is (c).', 'C'],
    ['The final answer is \\boxed{C}', 'C'],
    ['After checking each one, B is correct.', 'B'],
    ['(A) is wrong and (D) is the right answer', 'D'],
  ])('reads %j as %s', (text, letter) => {
    expect(answerLetter(text)).toBe(letter);
  });
  it.each(['the answer is a cat', 'A cat sat on the mat', '42 apples', 'In my answer I consider both', ''])('finds no letter in %j', (text) => {
    expect(answerLetter(text)).toBeUndefined();
  });
  // Red team: a response that names several letters is a hedge, not an answer; read as one of them it would earn the
  // reward of a committed answer while refusing to commit ("the answer is B or C" scored 1 against B).
  it.each([
    'The answer is B or C',
    'The answer is (B) or (C).',
    'Answer: B/C',
    'The answer is B, C, or D.',
    'Answer: A B C D',
    'The answer is B or maybe C',
    'option B or option C',
    'B or C is correct',
    '(B) and (C) are correct',
    '(A) (B) (C) (D)',
    'A) B) C) D)',
    'B. C. D.',
    '(A) 12 pears (B) 42 apples (C) 7 plums',
  ])('reads no letter in the hedge %j', (text) => {
    expect(answerLetter(text)).toBeUndefined();
  });
  it.each([
    ['The answer is B, because C fails', 'B'],
    ['The answer is B. C is wrong.', 'B'],
    ['The answer is B or C. Actually, the answer is D.', 'D'],
    ['Between A and B, B is correct', 'B'],
    ['So A is wrong and B is correct', 'B'],
    ['The answer is B and I am sure', 'B'],
  ])('still reads a committed letter next to others: %j -> %s', (text, letter) => {
    expect(answerLetter(text)).toBe(letter);
  });
  it('treats a reference as a letter only when the whole reference is a letter form', () => {
    expect(referenceLetter('B')).toBe('B');
    expect(referenceLetter('(c)')).toBe('C');
    expect(referenceLetter('Option D')).toBe('D');
    expect(referenceLetter('42 apples')).toBeUndefined();
    expect(referenceLetter('A cat')).toBeUndefined();
  });
});

describe('text.exact', () => {
  it('matches every SPEC letter form against reference "B"', async () => {
    for (const r of ['(B)', 'B.', 'B)', 'Option B', 'Answer: B', 'The answer is (B).', '<think>hmm</think><answer>B</answer>']) {
      expect(await score(r, 'B'), r).toBe(1);
    }
    expect(await score('(A) 42 apples', 'A')).toBe(1);
    expect(await score('(A) 42 apples', 'B')).toBe(0);
    expect(await score('The answer is (C).', 'B')).toBe(0);
    expect(await score('Because of the heat', 'B')).toBe(0); // "Because" starts with B but names no choice
  });
  it('scores a hedge over several letters 0 against each of them', async () => {
    for (const ref of ['A', 'B', 'C', 'D']) {
      expect(await score('The answer is A, B, C or D.', ref), ref).toBe(0);
      expect(await score('(A) (B) (C) (D)', ref), ref).toBe(0);
      expect(await score('The answer is B or C', ref, {}, { choices: ['1', '2', '3', '4'] }), ref).toBe(0);
    }
  });
  it('matches the option text when the reference is text, and the labelled choice', async () => {
    expect(await score('(A) 42 apples', '42 apples')).toBe(1);
    expect(await score('(A) 42 apples', '41 apples')).toBe(0);
  });
  it('uses reference.choices to accept the text of the right option', async () => {
    expect(await score('42 apples', 'B', {}, { choices: ['12 pears', '42 apples'] })).toBe(1);
    expect(await score('12 pears', 'B', {}, { choices: ['12 pears', '42 apples'] })).toBe(0);
    expect(await score('42 apples', 'B', {}, { choices: { A: '12 pears', B: '42 apples' } })).toBe(1);
  });
  it('normalizes text answers and accepts any of a list', async () => {
    expect(await score('  paris. ', 'Paris')).toBe(1);
    expect(await score('The answer is Paris.', 'Paris')).toBe(1);
    expect(await score('Lyon', ['Paris', 'Lyon'])).toBe(1);
    expect(await score('Marseille', ['Paris', 'Lyon'])).toBe(0);
    expect(await score('<answer>Paris</answer> (I checked Lyon too)', 'Paris')).toBe(1);
    expect(await score('42', 42)).toBe(1);
    expect(await score('**Paris**', 'Paris')).toBe(1);
    expect(await score('__init__', '__init__')).toBe(1); // markdown unwrapping must not eat a literal answer
  });
  it('squad mode ignores articles and punctuation, default mode does not', async () => {
    expect(await score('the Eiffel Tower', 'Eiffel Tower')).toBe(0);
    expect(await score('the Eiffel Tower', 'Eiffel Tower', { normalize: 'squad' })).toBe(1);
    expect(await score("O'Neil", 'ONeil', { normalize: 'squad' })).toBe(1);
  });
  it('honours params.extract', async () => {
    expect(await score('I think \\boxed{7} not 8', '7', { extract: 'boxed' })).toBe(1);
    const out = await exactVerifier.verify(input('no box here', { answer: '7' }, { extract: 'boxed' }), ctx);
    expect(out.score).toBe(0);
    expect(out.detail).toMatch(/no answer found/);
  });
  it('rejects a missing or malformed reference and unknown params as the caller\'s error', async () => {
    await expect(async () => exactVerifier.verify(input('x', {}), ctx)).rejects.toThrow(InvalidArgumentError);
    await expect(async () => exactVerifier.verify(input('x', { answer: [] }), ctx)).rejects.toThrow(/reference.answer/);
    await expect(async () => exactVerifier.verify(input('x', { answer: { a: 1 } }), ctx)).rejects.toThrow(/reference.answer/);
    await expect(async () => exactVerifier.verify(input('x', { answer: 'x' }, { normalize: 'loose' }), ctx)).rejects.toThrow(/params.normalize/);
    await expect(async () => exactVerifier.verify(input('x', { answer: 'x' }, { extract: '(' }), ctx)).rejects.toThrow(/params.extract/);
  });
});
