// doc.anls: ANLS of the extracted answer against reference.answers (DocVQA; lmms-eval's variant on request).
import { InvalidArgumentError, type VerifierDef, type VerifyOutcome, readChoice, readNumber } from '@verimesh/kit';
import { extractAnswer, lastNumber, numbersMatch, parseExactNumber, parseExtractParam } from '@verimesh/extract';
import { anls, type AnlsVariant } from '../metrics/text.js';
import { fmt, stringList } from '../params.js';

/**
 * numeric "relaxed": accepted answers that are numbers are scored by ChartQA relaxed accuracy (|p − t| ≤ rel_tol·|t|,
 * numbers read and percentages taken either way as text.numeric does), the others by ANLS; the best counts.
 * Undefined when no accepted answer is a number (plain ANLS then).
 */
function relaxedOrAnls(text: string, answers: readonly string[], relTol: number, threshold: number, variant: AnlsVariant): VerifyOutcome | undefined {
  const targets = answers.flatMap((a) => {
    const n = parseExactNumber(a);
    return n ? [{ a, n }] : [];
  });
  if (targets.length === 0) return undefined;
  const p = lastNumber(text);
  const shown = p && `${p.value}${p.percent ? '%' : ''}`;
  const hit = p && targets.find((t) => numbersMatch(p, t.n, relTol, 0));
  if (hit) return { score: 1, detail: `relaxed accuracy 1: ${shown} matches ${hit.a} (rel_tol ${relTol})`, metrics: { relaxed_accuracy: 1, predicted: p.value } };
  const texts = answers.filter((a) => parseExactNumber(a) === undefined);
  const r = texts.length > 0 ? anls(text, texts, threshold, variant) : undefined;
  if (r && r.score > 0) {
    return { score: r.score, detail: `ANLS ${fmt(r.score)} against the text answers (no number within rel_tol ${relTol})`, metrics: { relaxed_accuracy: 0, anls: r.score, similarity: r.best, nl: r.nl, variant } };
  }
  const why = p ? `${shown} is not within rel_tol ${relTol} of ${targets.map((t) => t.a).join(' or ')}` : 'no number in the answer';
  return { score: 0, detail: `relaxed accuracy 0: ${why}`, metrics: { relaxed_accuracy: 0, ...(p ? { predicted: p.value } : {}) } };
}

export const anlsVerifier: VerifierDef = {
  name: 'doc.anls',
  description: 'ANLS (threshold 0.5, max over accepted answers) of the answer against reference.answers',
  params: {
    threshold: 'normalized Levenshtein threshold τ (default 0.5)',
    variant: '"docvqa" (default: NL < τ scores 1 − NL) or "lmms_eval" (raw-length denominator; similarity ≥ τ kept)',
    numeric: '"relaxed": accepted answers that are numbers are scored by ChartQA relaxed accuracy on the last number of the answer, the others by ANLS; the best counts (default off)',
    rel_tol: 'relative tolerance of numeric "relaxed" (default 0.05)',
    extract: 'answer extraction (default "auto")',
  },
  reference: { answers: 'accepted answers: a string or a list of strings (also read from "answer")' },
  verify(input) {
    const { params, reference } = input;
    const threshold = readNumber(params.threshold, 'params.threshold', 0.5, 0, 1);
    const variant = readChoice<AnlsVariant>(params.variant, 'params.variant', ['docvqa', 'lmms_eval'], 'docvqa');
    const raw = reference.answers ?? reference.answer;
    if (raw === undefined) throw new InvalidArgumentError('reference.answers', 'reference.answers is required (a string or a list of strings)');
    const answers = stringList(raw, reference.answers !== undefined ? 'reference.answers' : 'reference.answer');
    const numeric = readChoice(params.numeric, 'params.numeric', ['relaxed', 'off'] as const, 'off');
    const relTol = readNumber(params.rel_tol, 'params.rel_tol', 0.05, 0, 1e6);
    const answer = extractAnswer(input.response, parseExtractParam(params.extract));
    if (!answer.found) return { score: 0, detail: 'no answer found in the response', metrics: { anls: 0 } };
    if (numeric === 'relaxed') {
      const out = relaxedOrAnls(answer.text, answers, relTol, threshold, variant);
      if (out) return out;
    }
    const r = anls(answer.text, answers, threshold, variant);
    return {
      score: r.score,
      detail: `ANLS ${fmt(r.score)} (best similarity ${fmt(r.best)} over ${answers.length} answer${answers.length === 1 ? '' : 's'}, τ ${threshold})`,
      metrics: { anls: r.score, similarity: r.best, nl: r.nl, variant },
    };
  },
};
