// Temporal IoU between two sets of time spans, each taken as the union of its spans.
import type { Span } from './timestamps.js';

/** Sorted, disjoint spans of positive length covering the same time as the input's positive-length spans. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Total length of merged spans. */
export function measure(merged: readonly Span[]): number {
  let m = 0;
  for (const s of merged) m += s.end - s.start;
  return m;
}

/** Length of the intersection of two merged span lists (one sweep). */
export function intersection(a: readonly Span[], b: readonly Span[]): number {
  let i = 0;
  let j = 0;
  let total = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const lo = Math.max(x.start, y.start);
    const hi = Math.min(x.end, y.end);
    if (hi > lo) total += hi - lo;
    if (x.end < y.end) i++;
    else j++;
  }
  return total;
}

export interface TemporalIou {
  tiou: number;
  intersection: number;
  union: number;
}

/**
 * tIoU = |P ∩ R| / |P ∪ R| over the unions of the predicted and reference spans. Zero-length spans add no time; when
 * nothing has any length (the reference is instants), the score is 1 iff the predicted instants are exactly the
 * reference instants — so identical zero-length spans score 1 instead of dividing by zero.
 */
export function temporalIou(pred: readonly Span[], ref: readonly Span[]): TemporalIou {
  const p = mergeSpans(pred);
  const r = mergeSpans(ref);
  const inter = intersection(p, r);
  const union = measure(p) + measure(r) - inter;
  if (union > 0) return { tiou: inter / union, intersection: inter, union };
  const key = (s: readonly Span[]): string => [...new Set(s.filter((x) => x.end === x.start).map((x) => x.start))].sort((a, b) => a - b).join(',');
  const same = pred.length > 0 && ref.length > 0 && key(pred) === key(ref);
  return { tiou: same ? 1 : 0, intersection: 0, union: 0 };
}

/**
 * Time-R1's boundary factor (1 − |Δstart|/duration)·(1 − |Δend|/duration), with the overall start and end of each
 * side; clamped at 0.
 */
export function timeR1Factor(pred: readonly Span[], ref: readonly Span[], duration: number): number {
  if (!pred.length || !ref.length || !(duration > 0)) return 0;
  const ps = Math.min(...pred.map((s) => s.start));
  const pe = Math.max(...pred.map((s) => s.end));
  const rs = Math.min(...ref.map((s) => s.start));
  const re = Math.max(...ref.map((s) => s.end));
  return Math.max(0, 1 - Math.abs(ps - rs) / duration) * Math.max(0, 1 - Math.abs(pe - re) / duration);
}
