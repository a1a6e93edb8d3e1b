// Judging a program's stdout against the expected output: exact, tokens (default) or float with tolerance.
export type CompareMode = 'exact' | 'tokens' | 'float';

export interface CompareOptions {
  mode: CompareMode;
  /** float mode: numbers match when |a - e| <= absTol or |a - e| <= relTol * |e|. */
  absTol: number;
  relTol: number;
}

export interface CompareResult {
  ok: boolean;
  /** Why not, briefly (first differing line). */
  reason?: string;
}

/** Lines of an output with CRLF normalized and trailing blank lines dropped (a final newline is not a line). */
function lines(text: string, trimEnds: boolean): string[] {
  const ls = text.replace(/\r\n?/g, '\n').split('\n');
  const out = trimEnds ? ls.map((l) => l.trim()) : ls;
  while (out.length && (trimEnds ? out[out.length - 1] === '' : out[out.length - 1]!.trim() === '')) out.pop();
  return out;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$/i;

function tokenEqual(a: string, e: string, opts: CompareOptions): boolean {
  if (a === e) return true;
  if (opts.mode !== 'float' || !NUMBER.test(a) || !NUMBER.test(e)) return false;
  const x = Number(a.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  const y = Number(e.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  const d = Math.abs(x - y);
  return d <= opts.absTol || d <= opts.relTol * Math.abs(y);
}

/**
 * exact: every line identical (only CRLF and trailing blank lines at the very end are forgiven);
 * tokens: each line's whitespace-separated tokens identical; float: tokens, numbers within tolerance.
 * In every mode a missing or extra line is a mismatch.
 */
export function compareOutput(actual: string, expected: string, opts: CompareOptions): CompareResult {
  if (opts.mode === 'exact') {
    const a = lines(actual, false);
    const e = lines(expected, false);
    for (let i = 0; i < Math.max(a.length, e.length); i++) {
      if (a[i] !== e[i]) return { ok: false, reason: diffReason(i, a[i], e[i]) };
    }
    return { ok: true };
  }
  const a = lines(actual, true);
  const e = lines(expected, true);
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    const al = a[i];
    const el = e[i];
    if (al === undefined || el === undefined) return { ok: false, reason: diffReason(i, al, el) };
    const at = al.split(/\s+/).filter(Boolean);
    const et = el.split(/\s+/).filter(Boolean);
    if (at.length !== et.length || at.some((t, j) => !tokenEqual(t, et[j]!, opts))) return { ok: false, reason: diffReason(i, al, el) };
  }
  return { ok: true };
}

function diffReason(i: number, a: string | undefined, e: string | undefined): string {
  const show = (s: string | undefined): string => (s === undefined ? '<missing line>' : JSON.stringify(s.length > 80 ? s.slice(0, 80) + '…' : s));
  return `line ${i + 1}: got ${show(a)}, expected ${show(e)}`;
}
