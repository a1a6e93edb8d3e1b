// doc.anls: ANLS of the extracted answer against reference.answers (DocVQA; lmms-eval's variant on request).
import { InvalidArgumentError, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { anls, type AnlsVariant } from '../metrics/text.js';
import { enumParam, fmt, numberParam, stringList } from '../params.js';

export const anlsVerifier: VerifierDef = {
  name: 'doc.anls',
  description: 'ANLS (threshold 0.5, max over accepted answers) of the answer against reference.answers',
  params: {
    threshold: 'normalized Levenshtein threshold τ (default 0.5)',
    variant: '"docvqa" (default: NL < τ scores 1 − NL) or "lmms_eval" (raw-length denominator; similarity ≥ τ kept)',
    extract: 'answer extraction (default "auto")',
  },
  reference: { answers: 'accepted answers: a string or a list of strings (also read from "answer")' },
  verify(input) {
    const { params, reference } = input;
    const threshold = numberParam(params.threshold, 'params.threshold', 0.5, 0, 1);
    const variant = enumParam<AnlsVariant>(params.variant, 'params.variant', ['docvqa', 'lmms_eval'], 'docvqa');
    const raw = reference.answers ?? reference.answer;
    if (raw === undefined) throw new InvalidArgumentError('reference.answers', 'reference.answers is required (a string or a list of strings)');
    const answers = stringList(raw, reference.answers !== undefined ? 'reference.answers' : 'reference.answer');
    const answer = extractAnswer(input.response, parseExtractParam(params.extract));
    if (!answer.found) return { score: 0, detail: 'no answer found in the response', metrics: { anls: 0 } };
    const r = anls(answer.text, answers, threshold, variant);
    return {
      score: r.score,
      detail: `ANLS ${fmt(r.score)} (best similarity ${fmt(r.best)} over ${answers.length} answer${answers.length === 1 ? '' : 's'}, τ ${threshold})`,
      metrics: { anls: r.score, similarity: r.best, nl: r.nl, variant },
    };
  },
};
