import { readChoice } from '@verimesh/kit';
// doc.text: a text similarity (1 − NED by default, or CER, WER, BLEU, ROUGE-L, token F1) against reference.text.
import type { VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { TEXT_METRICS, TEXT_NORMALIZATIONS, normalizeString, textSimilarity, type TextMetric, type TextNormalization } from '../metrics/text.js';
import { fmt, stringList } from '../params.js';

/** Scores a text against one or more references: the best of them. */
export function scoreText(
  pred: string,
  refs: readonly string[],
  metric: TextMetric,
  normalize: TextNormalization,
): { score: number; value: number; best: number } {
  const p = normalizeString(pred, normalize);
  let best = { score: -1, value: 0, best: 0 };
  refs.forEach((r, i) => {
    const s = textSimilarity(metric, p, normalizeString(r, normalize));
    if (s.score > best.score) best = { ...s, best: i };
  });
  return best;
}

export const textVerifier: VerifierDef = {
  name: 'doc.text',
  description: 'text similarity of the answer against reference.text: 1 − NED (default), 1 − CER, 1 − WER, BLEU, ROUGE-L or token F1',
  params: {
    metric: '"ned" (default), "cer", "wer", "bleu" (sentence BLEU-4, exp smoothing), "rouge_l" (F), "token_f1" (SQuAD)',
    normalize: '"none" (default: raw strings), "whitespace", "basic" (NFKC, lower case, whitespace), "squad"',
    extract: 'answer extraction (default "auto")',
  },
  reference: { text: 'the reference text, or a list of them (best match counts); without it, "answers" or "answer" is read (QA profiles)' },
  verify(input) {
    const { params, reference } = input;
    const metric = readChoice(params.metric, 'params.metric', TEXT_METRICS, 'ned');
    const normalize = normalizeParam(params.normalize);
    const key = reference.text !== undefined ? 'text' : reference.answers !== undefined ? 'answers' : reference.answer !== undefined ? 'answer' : 'text';
    const refs = stringList(reference[key], `reference.${key}`);
    const answer = extractAnswer(input.response, parseExtractParam(params.extract));
    if (!answer.found) return { score: 0, detail: 'no answer found in the response', metrics: { [metric]: 0 } };
    const r = scoreText(answer.text, refs, metric, normalize);
    return { score: r.score, detail: `${metric} similarity ${fmt(r.score)}${metric === 'cer' || metric === 'wer' ? ` (${metric} ${fmt(r.value)})` : ''}`, metrics: { [metric]: r.value, score: r.score } };
  },
};

/** `normalize`: one of the names, or true for "basic". */
export function normalizeParam(value: unknown, fallback: TextNormalization = 'none'): TextNormalization {
  if (value === true) return 'basic';
  if (value === false) return 'none';
  return readChoice(value, 'params.normalize', TEXT_NORMALIZATIONS, fallback);
}
