// Counts of what a call or request ended with, written onto its span: one attribute per status and per flag, and
// status ERROR (with a message naming the status and the first failure) when anything in it failed.
import type { Span } from '@opentelemetry/api';
import { failSpan } from './propagation.js';

/** Component statuses that make a span ERROR: everything but ok and skipped (SPEC section 3). */
export const FAILED_COMPONENT = new Set(['error', 'timeout', 'unavailable', 'invalid']);
/** Result statuses that make a request span ERROR. */
export const FAILED_RESULT = new Set(['partial', 'invalid']);

const NAME = /^[a-z][a-z0-9_]{0,31}$/;
const MAX_MESSAGE = 300;

/** Tallies statuses and flags of components (`verimesh.components.<status>`) or results (`verimesh.results.<status>`). */
export class OutcomeTally {
  private total = 0;
  private failures = 0;
  private readonly statuses = new Map<string, number>();
  private readonly flags = new Map<string, number>();
  private first: { status: string; detail: string } | undefined;

  constructor(
    private readonly what: 'components' | 'results',
    private readonly failed: ReadonlySet<string> = what === 'components' ? FAILED_COMPONENT : FAILED_RESULT,
  ) {}

  /** One outcome; `detail` is kept for the span's message when it is the first failure. */
  add(status: string, detail?: string | null, flags?: Iterable<string>): void {
    this.total++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (flags) for (const f of flags) this.flags.set(f, (this.flags.get(f) ?? 0) + 1);
    if (this.failed.has(status)) {
      this.failures++;
      this.first ??= { status, detail: detail ?? '' };
    }
  }

  /** `n` outcomes with one status and detail (a call that failed as a whole). */
  addAll(n: number, status: string, detail: string): void {
    if (n <= 0) return;
    this.add(status, detail);
    this.total += n - 1;
    this.statuses.set(status, this.statuses.get(status)! + n - 1);
    if (this.failed.has(status)) this.failures += n - 1;
  }

  get failedCount(): number {
    return this.failures;
  }

  /**
   * Writes the counts onto `span`, and status ERROR when any outcome failed, e.g. "vision-iou: 4 of 4 components
   * unavailable: …" or "2 of 6 results failed (partial 1, invalid 1): partial: …" (`prefix` names who).
   */
  apply(span: Span, prefix?: string): void {
    if (!span.isRecording()) return;
    for (const [s, n] of this.statuses) if (NAME.test(s)) span.setAttribute(`verimesh.${this.what}.${s}`, n);
    for (const [f, n] of this.flags) if (NAME.test(f)) span.setAttribute(`verimesh.flags.${f}`, n);
    if (this.failures === 0) return;
    const bad = [...this.statuses].filter(([s]) => this.failed.has(s));
    const one = bad.length === 1;
    const first = this.first!;
    const how = one ? first.status : `failed (${bad.map(([s, n]) => `${s} ${n}`).join(', ')}), first ${first.status}`;
    let message = `${prefix ? `${prefix}: ` : ''}${this.failures} of ${this.total} ${this.what} ${how}${first.detail ? `: ${first.detail}` : ''}`;
    if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
    failSpan(span, message, one ? first.status : 'failed');
  }
}
