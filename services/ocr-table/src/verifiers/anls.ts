// doc.anls: ANLS of the extracted answer against reference.answers (DocVQA; lmms-eval's variant on request).
import { InvalidArgumentError, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { anls, type AnlsVariant } from '../metrics/text.js';
import { enumParam, fmt, numberParam, stringList } from '../params.js';

const NUMBER = /(?<![\p{L}\p{N}.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|(?<![\p{L}\p{N}])[-+−]?\.\d+%?/gu;

/** A number written as text: thousands separators dropped; a trailing % divides by 100 (as ChartQA's _to_float). */
function toNumber(s: string): number {
  const pct = s.endsWith('%');
  const v = Number(s.replace(/[,%]/g, '').replace('−', '-'));
  return pct ? v / 100 : v;
}

/** The reference as a number when it is exactly one (currency sign and spaces allowed), else undefined. */
export function referenceNumber(s: string): number | undefined {
  const t = s.trim().replace(/^[$€£¥]\s*/, '').replace(/\s+/g, '');
  const all = t.match(NUMBER);
  if (!all || all.length !== 1 || all[0] !== t) return undefined;
  const v = toNumber(t);
  return Number.isFinite(v) ? v : undefined;
}

/** The last number in the answer (a percentage as written, e.g. 45 for "45%", flagged), or undefined. */
export function lastNumberOf(s: string): { value: number; percent: boolean } | undefined {
  const all = s.match(NUMBER);
  if (!all) return undefined;
  const last = all[all.length - 1]!;
  const value = Number(last.replace(/[,%]/g, '').replace('−', '-'));
  return Number.isFinite(value) ? { value, percent: last.endsWith('%') } : undefined;
}

/**
 * ChartQA's relaxed accuracy: 1 when |p − t| ≤ rel_tol·|t| (a zero target needs p = 0). A predicted percentage may
 * be read either way (45% is 45 or 0.45), as charts label both.
 */
export function relaxedCorrect(p: { value: number; percent: boolean }, t: number, relTol: number): boolean {
  const ok = (x: number): boolean => (t === 0 ? x === 0 : Math.abs(x - t) <= relTol * Math.abs(t) + 1e-12 * Math.abs(t));
  return ok(p.value) || (p.percent && ok(p.value / 100));
}

export const anlsVerifier: VerifierDef = {
  name: 'doc.anls',
  description: 'ANLS (threshold 0.5, max over accepted answers) of the answer against reference.answers',
  params: {
    threshold: 'normalized Levenshtein threshold τ (default 0.5)',
    variant: '"docvqa" (default: NL < τ scores 1 − NL) or "lmms_eval" (raw-length denominator; similarity ≥ τ kept)',
    numeric: '"relaxed": when an accepted answer is a number, ChartQA relaxed accuracy on the last number of the answer instead of ANLS (default off)',
    rel_tol: 'relative tolerance of numeric "relaxed" (default 0.05)',
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
    const numeric = enumParam(params.numeric, 'params.numeric', ['relaxed', 'off'] as const, 'off');
    const relTol = numberParam(params.rel_tol, 'params.rel_tol', 0.05, 0, 1e6);
    const answer = extractAnswer(input.response, parseExtractParam(params.extract));
    if (!answer.found) return { score: 0, detail: 'no answer found in the response', metrics: { anls: 0 } };
    if (numeric === 'relaxed') {
      const targets = answers.map(referenceNumber).filter((x): x is number => x !== undefined);
      if (targets.length > 0) {
        const p = lastNumberOf(answer.text);
        if (p === undefined) return { score: 0, detail: 'numeric answer expected; no number in the answer', metrics: { relaxed_accuracy: 0, numeric: true } };
        const ok = targets.some((t) => relaxedCorrect(p, t, relTol));
        return {
          score: ok ? 1 : 0,
          detail: `relaxed accuracy ${ok ? 1 : 0}: ${p.value}${p.percent ? '%' : ''} against ${targets.join(' or ')} (rel_tol ${relTol})`,
          metrics: { relaxed_accuracy: ok ? 1 : 0, numeric: true, predicted: p.value },
        };
      }
    }
    const r = anls(answer.text, answers, threshold, variant);
    return {
      score: r.score,
      detail: `ANLS ${fmt(r.score)} (best similarity ${fmt(r.best)} over ${answers.length} answer${answers.length === 1 ? '' : 's'}, τ ${threshold})`,
      metrics: { anls: r.score, similarity: r.best, nl: r.nl, variant },
    };
  },
};
