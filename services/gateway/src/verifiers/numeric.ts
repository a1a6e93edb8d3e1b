// text.numeric: the last number in the answer is within rel_tol (ChartQA relaxed accuracy) or abs_tol of the reference.
import { InvalidArgumentError } from '@verimesh/kit';
import type { VerifierDef, VerifyInput, VerifyOutcome } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';

/** A number read from text; `percent` when it carried a % sign (then both value and value/100 are tried). */
export interface ParsedNumber {
  value: number;
  percent: boolean;
  text: string;
}

// One number: a LaTeX \frac{a}{b}, a simple fraction a/b, or a decimal with optional thousands separators, exponent and %.
// The sign counts only when it does not follow a word or digit ("2020-2021" ends with 2021, not -2021).
const NUMBER =
  /\\[dt]?frac\s*\{\s*([-+−]?\d+(?:\.\d+)?)\s*\}\s*\{\s*([-+−]?\d+(?:\.\d+)?)\s*\}|(?<![\p{L}\p{N}.])([-+−]?)(\d+)\s*\/\s*(\d+)(?![\d.,/])|(?<![\p{L}\p{N}.])([-+−]?)((?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[\u00a0\u2009\u202f]\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE]([-+]?\d+))?(?!\d)(\s*%)?/gu;

const sign = (s: string | undefined): number => (s === '-' || s === '−' ? -1 : 1);
const num = (s: string): number => Number(s.replace('−', '-'));

/** Every number in the text, in order. */
export function findNumbers(text: string): ParsedNumber[] {
  const out: ParsedNumber[] = [];
  for (const m of text.matchAll(NUMBER)) {
    let value: number;
    let percent = false;
    if (m[1] !== undefined) {
      value = num(m[1]) / num(m[2]!);
    } else if (m[4] !== undefined) {
      value = (sign(m[3]) * Number(m[4])) / Number(m[5]);
    } else {
      value = sign(m[6]) * Number(`${m[7]!.replace(/[,\u00a0\u2009\u202f]/g, '')}${m[8] !== undefined ? `e${m[8]}` : ''}`);
      percent = m[9] !== undefined;
    }
    if (Number.isFinite(value)) out.push({ value, percent, text: m[0].trim() });
  }
  return out;
}

/** The last number in the text, or undefined. */
export function lastNumber(text: string): ParsedNumber | undefined {
  const all = findNumbers(text);
  return all[all.length - 1];
}

/** A reference number: a finite number, or a string that is exactly one number (currency signs and spaces allowed). */
export function parseReferenceNumber(value: unknown, field: string): ParsedNumber {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return { value, percent: false, text: String(value) };
    throw new InvalidArgumentError(field, `${field} must be a finite number`);
  }
  if (typeof value === 'string') {
    const stripped = value.trim().replace(/^[$€£¥]\s*/, '');
    const all = findNumbers(stripped);
    if (all.length === 1 && stripped.replace(/\s+/g, '') === all[0]!.text.replace(/\s+/g, '')) return all[0]!;
  }
  throw new InvalidArgumentError(field, `${field} must be a number or a numeric string, got ${JSON.stringify(value)}`);
}

/** The values a number may stand for: 45% is 45 or 0.45 (a chart may label either). */
const readings = (n: ParsedNumber): number[] => (n.percent ? [n.value, n.value / 100] : [n.value]);

/**
 * |p − t| ≤ rel_tol·|t| or |p − t| ≤ abs_tol. A tiny slack (1e-9 of the scale) keeps a boundary case such as
 * 0.315 vs 0.3 at rel_tol 0.05 from failing on binary rounding.
 */
export function withinTolerance(p: number, t: number, relTol: number, absTol: number): boolean {
  const diff = Math.abs(p - t);
  const slack = 1e-9 * Math.max(Math.abs(p), Math.abs(t), Number.MIN_VALUE);
  return diff <= relTol * Math.abs(t) + slack || diff <= absTol + slack;
}

function readTol(params: Record<string, unknown>, key: string, dflt: number): number {
  const v = params[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`params.${key}`, `params.${key} must be a non-negative number`);
  return v;
}

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
    const relTol = readTol(input.params, 'rel_tol', 0.05);
    const absTol = readTol(input.params, 'abs_tol', 0);
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
      for (const p of readings(got)) {
        for (const tv of readings(t)) {
          if (withinTolerance(p, tv, relTol, absTol)) {
            return { score: 1, detail: `${got.text} matches ${t.text}`, metrics: { predicted: p, target: tv, rel_error: tv === 0 ? null : Math.abs(p - tv) / Math.abs(tv) } };
          }
        }
      }
    }
    const t0 = targets[0]!;
    return {
      score: 0,
      detail: `${got.text} is not within tolerance of ${targets.length === 1 ? t0.text : `any of ${targets.length} numbers`}`,
      metrics: { predicted: got.value, target: t0.value, rel_error: t0.value === 0 ? null : Math.abs(got.value - t0.value) / Math.abs(t0.value) },
    };
  },
};
