// Text metrics (edit distances, ANLS variants, BLEU, ROUGE-L, token F1) against values computed by hand.
import { describe, expect, it } from 'vitest';
import { editDistance } from '../../testing/index.js';
import { levenshtein } from './levenshtein.js';
import { anls, cer, nedSimilarity, rougeL, sentenceBleu, textSimilarity, tokenF1, wer } from './text.js';

describe('edit distances (values from the definitions, by hand)', () => {
  it('kitten → sitting: 3 edits, NED 3/7', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(1 - nedSimilarity('kitten', 'sitting')).toBeCloseTo(3 / 7, 12);
    expect(textSimilarity('ned', 'kitten', 'sitting').score).toBeCloseTo(4 / 7, 12);
  });
  it('counts code points, not UTF-16 units', () => {
    expect(levenshtein('a😀b', 'ab')).toBe(1);
  });
  it('CER = 1/4 for one substitution in four characters; WER can exceed 1 and the score floors at 0', () => {
    expect(cer('abxd', 'abcd')).toBe(0.25);
    expect(wer('a b c d', 'x y')).toBe(2);
    expect(textSimilarity('wer', 'a b c d', 'x y').score).toBe(0);
    expect(textSimilarity('cer', '', '').score).toBe(1);
  });
});

describe('doc.text normalization (SPEC 4.2: raw strings unless params.normalize is set)', () => {
  it('"Hello  World" vs "hello world": raw, 3 edits (H→h, W→w, one space) over 12 → 0.75; "basic" → 1', async () => {
    const { scoreText } = await import('../verifiers/text.js');
    expect(scoreText('Hello  World', ['hello world'], 'ned', 'none').score).toBeCloseTo(1 - 3 / 12, 12);
    expect(scoreText('Hello  World', ['hello world'], 'ned', 'basic').score).toBe(1);
    // The best of several references counts: "Hello World" is one edit (the space) away, "hello" eight.
    expect(scoreText('Hello  World', ['hello', 'Hello World'], 'ned', 'none')).toMatchObject({ best: 1 });
  });
});

describe('ANLS', () => {
  it('ANLS("hello world", "helo world") = 1 − 1/11 = 0.909091', () => {
    expect(anls('hello world', ['helo world']).score).toBeCloseTo(0.909091, 6);
  });
  it('lower-cases, trims, collapses whitespace, and takes the best answer', () => {
    expect(anls('  Hello   WORLD ', ['nope', 'hello world']).score).toBe(1);
  });
  it('boundary NL = 0.5: DocVQA scores 0, lmms-eval keeps 0.5', () => {
    // "ab" vs "ax": one edit over two characters.
    expect(anls('ab', ['ax']).score).toBe(0);
    expect(anls('ab', ['ax'], 0.5, 'lmms_eval').score).toBe(0.5);
  });
  it('lmms-eval divides by the raw (un-normalized) lengths', () => {
    // Normalized "a b" vs "a c": 1 edit; raw lengths 5 ("a   b") and 3 → NL 1/5 → 0.8 (DocVQA: 1/3 → 0.666667).
    expect(anls('a   b', ['a c'], 0.5, 'lmms_eval').score).toBeCloseTo(0.8, 12);
    expect(anls('a   b', ['a c']).score).toBeCloseTo(2 / 3, 12);
  });
});

describe('BLEU, ROUGE-L, token F1 (computed by hand)', () => {
  it('sentence BLEU-4 without smoothing needed: (5/6 · 3/5 · 2/4 · 1/3)^(1/4)', () => {
    expect(sentenceBleu('the cat sat on the mat', 'the cat sat on a mat')).toBeCloseTo((1 / 12) ** 0.25, 12);
  });
  it('exp smoothing and effective order: a b c vs a b d e', () => {
    // p1 = 2/3, p2 = 1/2, p3 has no match → 1/(2·1); no 4-grams in a 3-token hypothesis; BP = exp(1 − 4/3).
    expect(sentenceBleu('a b c', 'a b d e')).toBeCloseTo(Math.exp(1 - 4 / 3) * ((2 / 3) * (1 / 2) * (1 / 2)) ** (1 / 3), 12);
  });
  it('ROUGE-L F: LCS 5 of 6 tokens each side', () => {
    expect(rougeL('the cat sat on the mat', 'The cat is on the mat')).toBeCloseTo(5 / 6, 12);
  });
  it('token F1 with SQuAD normalization: P 1, R 2/3 → 0.8', () => {
    expect(tokenF1('The cat sat.', 'a cat sat down')).toBeCloseTo(0.8, 12);
    expect(tokenF1('', '')).toBe(1);
  });
});

describe('Levenshtein fast paths agree with the plain dynamic programme', () => {
  it('on random sequences of 0..40 symbols (bit-parallel up to 32, row DP beyond)', async () => {
    const { levenshteinSeq } = await import('./levenshtein.js');
    let s = 7;
    const rand = (k: number): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % k);
    for (let t = 0; t < 2000; t++) {
      const a = Array.from({ length: rand(41) }, () => rand(4));
      const b = Array.from({ length: rand(41) }, () => rand(4));
      expect(levenshteinSeq(Int32Array.from(a), Int32Array.from(b))).toBe(editDistance(a, b));
    }
  });
});
