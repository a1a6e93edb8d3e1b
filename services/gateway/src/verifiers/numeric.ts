// text.numeric: the last number in the answer is within rel_tol (ChartQA relaxed accuracy) or abs_tol of the reference.
import { InvalidArgumentError, readNumber } from '@verimesh/kit';
import type { VerifierDef, VerifyInput, VerifyOutcome } from '@verimesh/kit';
import { extractAnswer, lastNumber, numbersMatch, parseExtractParam, parseReferenceNumber } from '@verimesh/extract';

export const numericVerifier: VerifierDef = {
  name: 'text.numeric',
  description: 'The last number in the answer against the reference number: 1 within rel_tol or abs_tol, else 0',
  params: {
    extract: 'answer extraction: "auto" (default), "none", "boxed", "answer" or a regex with one group',
    rel_tol: 'relative tolerance, |p - t| <= rel_tol * |t| (default 0.05, ChartQA relaxed accuracy)',
    abs_tol: 'absolute tolerance, |p - t| <= abs_tol (default 0); either tolerance suffices',
  },
  reference: {
    answer: 'the number: a number or a numeric string ("1,234", "45%", "-3.5e2"), or a list of accepted numbers',
  },
  verify(input: VerifyInput): VerifyOutcome {
    const relTol = readNumber(input.params.rel_tol, 'params.rel_tol', 0.05, 0);
    const absTol = readNumber(input.params.abs_tol, 'params.abs_tol', 0, 0);
    const extract = parseExtractParam(input.params.extract);
    const raw = input.reference.answer;
    if (raw === undefined || raw === null) throw new InvalidArgumentError('reference.answer', 'reference.answer is required (a number or numeric string)');
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) throw new InvalidArgumentError('reference.answer', 'reference.answer must list at least one number');
    const targets = list.map((v, i) => parseReferenceNumber(v, Array.isArray(raw) ? `reference.answer[${i}]` : 'reference.answer'));
    const extracted = extractAnswer(input.response, extract);
    if (!extracted.found) return { score: 0, detail: `no answer found (extract: ${extracted.how})` };
    const got = lastNumber(extracted.text);
    if (!got) return { score: 0, detail: 'no number in the answer' };
    for (const t of targets) {
      const m = numbersMatch(got, t, relTol, absTol);
      if (m) return { score: 1, detail: `${got.text} matches ${t.text}`, metrics: { predicted: m.predicted, target: m.target, rel_error: m.target === 0 ? null : Math.abs(m.predicted - m.target) / Math.abs(m.target) } };
    }
    const t0 = targets[0]!;
    return {
      score: 0,
      detail: `${got.text} is not within tolerance of ${targets.length === 1 ? t0.text : `any of ${targets.length} numbers`}`,
      metrics: { predicted: got.value, target: t0.value, rel_error: t0.value === 0 ? null : Math.abs(got.value - t0.value) / Math.abs(t0.value) },
    };
  },
};
