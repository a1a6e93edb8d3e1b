// Key information extraction: predicted fields compared with the reference's field by field (precision, recall, F1).
import { nedSimilarity } from './text.js';

export type KieMatch = 'exact' | 'anls';

/** Keys compare case-insensitively, with spaces and hyphens as underscores. */
const normalizeKey = (k: string): string => k.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Values: NFKC, lower case, whitespace collapsed; numbers written with thousands separators compare as numbers. */
function normalizeValue(v: unknown): string {
  const s = (typeof v === 'string' ? v : String(v)).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  const num = s.replace(/,/g, '');
  if (/^[-+]?\d+(\.\d+)?$/.test(num)) return String(Number(num));
  return s;
}

const isEmptyLeaf = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Scalar leaves of a value (null and empty strings are not fields). */
export function countLeaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countLeaves(x), 0);
  if (isObject(v)) return Object.values(v).reduce((n: number, x) => n + countLeaves(x), 0);
  return isEmptyLeaf(v) ? 0 : 1;
}

export interface KieCounts {
  /** Matched leaves (fractional with match "anls"). */
  tp: number;
  pred: number;
  ref: number;
}

/** Key paths of reference fields not matched (absent or wrong), and of predicted fields the reference lacks. */
export interface KiePaths {
  missed: string[];
  extra: string[];
}

const join = (prefix: string, key: string): string => (prefix ? `${prefix}.${key}` : key);

function leafCredit(p: unknown, r: unknown, match: KieMatch): number {
  const a = normalizeValue(p);
  const b = normalizeValue(r);
  if (a === b) return 1;
  if (match === 'anls') {
    const s = nedSimilarity(a, b);
    return s >= 0.5 ? s : 0;
  }
  return 0;
}

function indexByKey(o: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) m.set(normalizeKey(k), v);
  return m;
}

/**
 * Compares a predicted value against a reference value on the same key path: objects key by key, lists item by
 * item matched one-to-one (greedily by best credit), scalars by normalized value.
 */
export function compareKie(pred: unknown, ref: unknown, match: KieMatch = 'exact', paths?: KiePaths, at = ''): KieCounts {
  if (isObject(pred) && isObject(ref)) {
    const p = indexByKey(pred);
    const r = indexByKey(ref);
    const out: KieCounts = { tp: 0, pred: 0, ref: 0 };
    for (const [k, rv] of r) {
      if (p.has(k)) {
        const c = compareKie(p.get(k), rv, match, paths, join(at, k));
        out.tp += c.tp;
        out.pred += c.pred;
        out.ref += c.ref;
      } else {
        out.ref += countLeaves(rv);
        if (paths) flattenPaths(rv, join(at, k), paths.missed);
      }
    }
    for (const [k, pv] of p) {
      if (r.has(k)) continue;
      out.pred += countLeaves(pv);
      if (paths) flattenPaths(pv, join(at, k), paths.extra);
    }
    return out;
  }
  if (Array.isArray(pred) && Array.isArray(ref)) {
    const pairs: Array<{ i: number; j: number; c: KieCounts }> = [];
    for (let i = 0; i < pred.length; i++) for (let j = 0; j < ref.length; j++) pairs.push({ i, j, c: compareKie(pred[i], ref[j], match) });
    pairs.sort((x, y) => y.c.tp - x.c.tp || x.i - y.i || x.j - y.j);
    const usedP = new Set<number>();
    const usedR = new Set<number>();
    const out: KieCounts = { tp: 0, pred: 0, ref: 0 };
    const matched: Array<[number, number]> = [];
    for (const { i, j, c } of pairs) {
      if (c.tp <= 0 || usedP.has(i) || usedR.has(j)) continue;
      usedP.add(i);
      usedR.add(j);
      out.tp += c.tp;
      out.pred += c.pred;
      out.ref += c.ref;
      matched.push([i, j]);
    }
    // Paths of the matched items' unmatched parts, computed once the pairing is fixed.
    if (paths) for (const [i, j] of matched) compareKie(pred[i], ref[j], match, paths, `${at}[]`);
    pred.forEach((x, i) => {
      if (usedP.has(i)) return;
      out.pred += countLeaves(x);
      if (paths) flattenPaths(x, `${at}[]`, paths.extra);
    });
    ref.forEach((x, j) => {
      if (usedR.has(j)) return;
      out.ref += countLeaves(x);
      if (paths) flattenPaths(x, `${at}[]`, paths.missed);
    });
    return out;
  }
  if (Array.isArray(pred) || isObject(pred) || Array.isArray(ref) || isObject(ref)) {
    // A list where a scalar was expected (or the reverse): a one-item list still counts as its item.
    if (Array.isArray(pred) && pred.length === 1 && !Array.isArray(ref) && !isObject(ref)) return compareKie(pred[0], ref, match, paths, at);
    if (Array.isArray(ref) && ref.length === 1 && !Array.isArray(pred) && !isObject(pred)) return compareKie(pred, ref[0], match, paths, at);
    if (paths) {
      flattenPaths(ref, at, paths.missed);
      flattenPaths(pred, at, paths.extra);
    }
    return { tp: 0, pred: countLeaves(pred), ref: countLeaves(ref) };
  }
  const pe = isEmptyLeaf(pred);
  const re = isEmptyLeaf(ref);
  if (pe || re) {
    if (paths && re && !pe) paths.extra.push(at);
    if (paths && pe && !re) paths.missed.push(at);
    return { tp: 0, pred: pe ? 0 : 1, ref: re ? 0 : 1 };
  }
  const credit = leafCredit(pred, ref, match);
  if (paths && credit < 1) paths.missed.push(at);
  return { tp: credit, pred: 1, ref: 1 };
}

export function prf(c: KieCounts): { precision: number; recall: number; f1: number } {
  if (c.pred === 0 && c.ref === 0) return { precision: 1, recall: 1, f1: 1 };
  const precision = c.pred === 0 ? 0 : c.tp / c.pred;
  const recall = c.ref === 0 ? 0 : c.tp / c.ref;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Flattened key paths of a value ("a.b", "items[].name"), for details and metrics. */
export function flattenPaths(v: unknown, prefix = '', out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) flattenPaths(x, `${prefix}[]`, out);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) flattenPaths(x, prefix ? `${prefix}.${normalizeKey(k)}` : normalizeKey(k), out);
  else if (!isEmptyLeaf(v)) out.push(prefix);
  return out;
}
