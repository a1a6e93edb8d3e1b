import { describe, expect, it, vi } from 'vitest';
import { atDeadline, callDeadline, deadlineAfter, expired, minDeadline, outgoingDeadline, timeLeft, timeoutMsUntil, withReplyMargin } from './deadline.js';

describe('deadline helpers', () => {
  const now = 1_000_000;

  it('reads a relative timeout as an absolute deadline; 0 or absent is none', () => {
    expect(deadlineAfter(250, now)).toBe(now + 250);
    expect(deadlineAfter(0, now)).toBe(Infinity);
    expect(deadlineAfter(undefined, now)).toBe(Infinity);
    expect(deadlineAfter(-5, now)).toBe(Infinity);
    expect(deadlineAfter(NaN, now)).toBe(Infinity);
    expect(minDeadline(Infinity, now + 5)).toBe(now + 5);
    expect(minDeadline(now + 1, now + 5)).toBe(now + 1);
  });

  it('counts time left, never negative, and treats "now" as passed', () => {
    expect(timeLeft(now + 40, now)).toBe(40);
    expect(timeLeft(now - 40, now)).toBe(0);
    expect(timeLeft(Infinity, now)).toBe(Infinity);
    expect(expired(now, now)).toBe(true);
    expect(expired(now + 1, now)).toBe(false);
    expect(expired(Infinity, now)).toBe(false);
  });

  it('writes a wire timeout of at least 1 ms while time is left, 0 for none', () => {
    expect(timeoutMsUntil(now + 10.2, now)).toBe(11);
    expect(timeoutMsUntil(now - 3, now)).toBe(1);
    expect(timeoutMsUntil(Infinity, now)).toBe(0);
  });

  it('reads a gRPC call deadline (Date, number, Infinity)', () => {
    expect(callDeadline({ getDeadline: () => new Date(now) })).toBe(now);
    expect(callDeadline({ getDeadline: () => now + 7 })).toBe(now + 7);
    expect(callDeadline({ getDeadline: () => Infinity })).toBe(Infinity);
  });

  it('gives every outgoing call a deadline', () => {
    expect(outgoingDeadline(now + 5, 60_000, now)).toBe(now + 5);
    expect(outgoingDeadline(Infinity, 60_000, now)).toBe(now + 60_000);
  });

  it('keeps back 10% of the time left for the reply, between 10 and 200 ms', () => {
    expect(withReplyMargin(now + 1_000, {}, now)).toBe(now + 900); // 10% of 1 s
    expect(withReplyMargin(now + 50, {}, now)).toBe(now + 40); // at least 10 ms
    expect(withReplyMargin(now + 60_000, {}, now)).toBe(now + 59_800); // at most 200 ms
    expect(withReplyMargin(Infinity, {}, now)).toBe(Infinity);
    expect(withReplyMargin(now + 1_000, { fraction: 0.5, maxMs: 1_000 }, now)).toBe(now + 500);
  });

  it('fires at the deadline (plus grace), at once when it passed, never without one, and can be cancelled', () => {
    vi.useFakeTimers({ now });
    try {
      const fired: string[] = [];
      atDeadline(now + 100, () => fired.push('a'));
      atDeadline(now + 100, () => fired.push('grace'), 50);
      atDeadline(now - 100, () => fired.push('past'));
      const cancel = atDeadline(now + 10, () => fired.push('cancelled'));
      atDeadline(Infinity, () => fired.push('never'));
      // Farther than a Node timer can wait (24.8 days): treated as none rather than firing at once.
      atDeadline(now + 30 * 86_400_000, () => fired.push('far'));
      cancel();
      vi.advanceTimersByTime(0);
      expect(fired).toEqual(['past']);
      vi.advanceTimersByTime(100);
      expect(fired).toEqual(['past', 'a']);
      vi.advanceTimersByTime(50);
      expect(fired).toEqual(['past', 'a', 'grace']);
      vi.advanceTimersByTime(40 * 86_400_000);
      expect(fired).toEqual(['past', 'a', 'grace']);
    } finally {
      vi.useRealTimers();
    }
  });
});
