// doc.anls: ANLS of the extracted answer against reference.answers (DocVQA; lmms-eval's variant on request).
import { InvalidArgumentError, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { anls, type AnlsVariant } from '../metrics/text.js';
import { enumParam, fmt, numberParam, stringList } from '../params.js';

const NUMBER = /(?<![\p{L}\p{N}.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|(?<![\p{L}\p{N}])[-+−]?\.\d+%?/gu;

/** A number as written: value without thousands separators; `percent` when it carried a % sign. */
interface WrittenNumber {
  value: number;
  percent: boolean;
}

function toNumber(s: string): WrittenNumber | undefined {
  const value = Number(s.replace(/[,%]/g, '').replace('−', '-'));
  return Number.isFinite(value) ? { value, percent: s.endsWith('%') } : undefined;
}

/** The accepted answer as a number when it is exactly one (currency sign and spaces allowed), else undefined. */
export function referenceNumber(s: string): WrittenNumber | undefined {
  const t = s.trim().replace(/^[$€£¥]\s*/, '').replace(/\s+/g, '');
  const all = t.match(NUMBER);
  return all && all.length === 1 && all[0] === t ? toNumber(t) : undefined;
}

/** The last number in the answer, or undefined. */
export function lastNumberOf(s: string): WrittenNumber | undefined {
  const all = s.match(NUMBER);
  return all ? toNumber(all[all.length - 1]!) : undefined;
}

/**
 * ChartQA's relaxed accuracy with text.numeric's readings: 1 when |p − t| ≤ rel_tol·|t| (a zero target needs
 * p = 0). A percentage on either side may be read either way (45% is 45 or 0.45), as charts label both.
 */
export function relaxedCorrect(p: WrittenNumber, t: WrittenNumber, relTol: number): boolean {
  const readings = (n: WrittenNumber): number[] => (n.percent ? [n.value, n.value / 100] : [n.value]);
  return readings(p).some((x) => readings(t).some((y) => (y === 0 ? x === 0 : Math.abs(x - y) <= relTol * Math.abs(y) * (1 + 1e-12))));
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
      // Each accepted answer is scored by its kind: a number by relaxed accuracy, text by ANLS; the best counts.
      const numbers = answers.map((a) => ({ a, n: referenceNumber(a) }));
      const targets = numbers.filter((x) => x.n !== undefined);
      if (targets.length > 0) {
        const p = lastNumberOf(answer.text);
        const hit = p !== undefined && targets.find((x) => relaxedCorrect(p, x.n!, relTol));
        const texts = numbers.filter((x) => x.n === undefined).map((x) => x.a);
        const r = texts.length > 0 ? anls(answer.text, texts, threshold, variant) : undefined;
        if (hit || !r || r.score === 0) {
          const said = p === undefined ? 'no number in the answer' : `${p.value}${p.percent ? '%' : ''} ${hit ? 'matches' : 'is not within'} ${hit ? hit.a : targets.map((x) => x.a).join(' or ')}`;
          return {
            score: hit ? 1 : 0,
            detail: `relaxed accuracy ${hit ? 1 : 0}: ${said} (rel_tol ${relTol})`,
            metrics: { relaxed_accuracy: hit ? 1 : 0, ...(p ? { predicted: p.value } : {}) },
          };
        }
        return { score: r.score, detail: `ANLS ${fmt(r.score)} against the text answers (no number within rel_tol ${relTol})`, metrics: { relaxed_accuracy: 0, anls: r.score, similarity: r.best, nl: r.nl, variant } };
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
