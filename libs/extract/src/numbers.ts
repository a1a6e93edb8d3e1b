// Number reading shared by the numeric verifiers (text.numeric, doc.anls numeric "relaxed"): one way to read a number.
import { InvalidArgumentError } from '@verimesh/kit';

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

/** The text as a number when it is exactly one number (a leading currency sign and surrounding spaces allowed), else undefined. */
export function parseExactNumber(text: string): ParsedNumber | undefined {
  const stripped = text.trim().replace(/^[$€£¥]\s*/, '');
  const all = findNumbers(stripped);
  return all.length === 1 && stripped.replace(/\s+/g, '') === all[0]!.text.replace(/\s+/g, '') ? all[0] : undefined;
}

/** A reference number: a finite number, or a string that is exactly one number; anything else is the caller's error naming `field`. */
export function parseReferenceNumber(value: unknown, field: string): ParsedNumber {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return { value, percent: false, text: String(value) };
    throw new InvalidArgumentError(field, `${field} must be a finite number`);
  }
  const n = typeof value === 'string' ? parseExactNumber(value) : undefined;
  if (n) return n;
  throw new InvalidArgumentError(field, `${field} must be a number or a numeric string, got ${JSON.stringify(value)}`);
}

/** The values a number may stand for: 45% is 45 or 0.45 (a chart may label either). */
export const numberReadings = (n: ParsedNumber): number[] => (n.percent ? [n.value, n.value / 100] : [n.value]);

/**
 * |p − t| ≤ rel_tol·|t| or |p − t| ≤ abs_tol. A tiny slack (1e-9 of the scale) keeps a boundary case such as
 * 0.315 vs 0.3 at rel_tol 0.05 from failing on binary rounding.
 */
export function withinTolerance(p: number, t: number, relTol: number, absTol: number): boolean {
  const diff = Math.abs(p - t);
  const slack = 1e-9 * Math.max(Math.abs(p), Math.abs(t), Number.MIN_VALUE);
  return diff <= relTol * Math.abs(t) + slack || diff <= absTol + slack;
}

/** Whether some reading of `p` is within tolerance of some reading of `t` (percentages read either way on both sides). */
export function numbersMatch(p: ParsedNumber, t: ParsedNumber, relTol: number, absTol: number): { predicted: number; target: number } | undefined {
  for (const x of numberReadings(p)) {
    for (const y of numberReadings(t)) if (withinTolerance(x, y, relTol, absTol)) return { predicted: x, target: y };
  }
  return undefined;
}
