// Deadline arithmetic, written once: absolute deadlines in ms since epoch (the Date.now() clock), Infinity for none.
import type * as grpc from '@grpc/grpc-js';

/** An absolute deadline: milliseconds since epoch on the Date.now() clock; `Infinity` means none. */
export type Deadline = number;

/** The deadline `ms` from `now`; none (Infinity) when `ms` is 0, negative, undefined or not finite (0 means "no timeout of its own"). */
export function deadlineAfter(ms: number | undefined, now = Date.now()): Deadline {
  return ms !== undefined && ms > 0 && Number.isFinite(ms) ? now + ms : Infinity;
}

/** The earlier of two deadlines (two arguments, no array: it sits on per-item paths). */
export function minDeadline(a: Deadline, b: Deadline): Deadline {
  return a < b ? a : b;
}

/** Milliseconds left until `deadline`, never negative; Infinity when there is none. */
export function timeLeft(deadline: Deadline, now = Date.now()): number {
  return deadline > now ? deadline - now : 0;
}

/** True when the deadline has passed (a deadline equal to now has passed: there is no time left to work). */
export function expired(deadline: Deadline, now = Date.now()): boolean {
  return deadline <= now;
}

/**
 * A deadline as a relative wire timeout (proto `timeout_ms`): whole milliseconds, at least 1 while the deadline is
 * ahead (0 would mean "none"), 0 when there is no deadline.
 */
export function timeoutMsUntil(deadline: Deadline, now = Date.now()): number {
  if (!Number.isFinite(deadline)) return 0;
  return Math.max(1, Math.ceil(deadline - now));
}

/** The deadline of an incoming gRPC call (Infinity when the caller set none). */
export function callDeadline(call: { getDeadline(): grpc.Deadline }): Deadline {
  const d = call.getDeadline();
  if (d instanceof Date) return d.getTime();
  return Number.isFinite(d) ? Number(d) : Infinity;
}

/**
 * The deadline for an outgoing call: every call carries one (STYLE: deadlines), so a call made under no deadline gets
 * `fallbackMs` from now.
 */
export function outgoingDeadline(deadline: Deadline, fallbackMs: number, now = Date.now()): number {
  return Number.isFinite(deadline) ? deadline : now + fallbackMs;
}

export interface ReplyMargin {
  /** Share of the time left kept back (default 0.1). */
  fraction?: number;
  /** Bounds of the margin in ms (defaults 10 and 200). */
  minMs?: number;
  maxMs?: number;
}

/**
 * The deadline for the work behind a reply: the caller's, less a margin (by default 10% of the time left, 10-200 ms),
 * so that a reply saying "timeout" still reaches the caller before its own deadline instead of a bare DEADLINE_EXCEEDED.
 */
export function withReplyMargin(deadline: Deadline, margin: ReplyMargin = {}, now = Date.now()): Deadline {
  if (!Number.isFinite(deadline)) return Infinity;
  const { fraction = 0.1, minMs = 10, maxMs = 200 } = margin;
  return deadline - Math.min(maxMs, Math.max(minMs, (deadline - now) * fraction));
}

/**
 * Calls `fire` when the deadline passes (at once if it has, never if there is none) and returns a function that
 * cancels it. `graceMs` fires that much later (a caller that waits a little past the deadline for a late reply).
 */
export function atDeadline(deadline: Deadline, fire: () => void, graceMs = 0): () => void {
  const delay = Math.max(0, deadline - Date.now()) + graceMs;
  // Node fires a timer longer than 2^31-1 ms (24.8 days) at once: a deadline that far away is treated as none.
  if (!(delay <= MAX_TIMER_MS)) return noop;
  const t = setTimeout(fire, delay);
  return () => clearTimeout(t);
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const noop = (): void => {};
