// Which moments of a video to show someone who cannot watch it: evenly spaced sample times.
import { InvalidArgumentError } from '@verimesh/kit';

/**
 * `n` times (seconds) at the middles of `n` equal slices of [0, duration]: (i + ½)·duration/n. Middles rather than
 * slice starts, so one frame shows the middle of the video and no frame sits on the black first or last frame.
 */
export function evenlySpacedTimes(duration: number, n: number): number[] {
  if (!Number.isFinite(duration) || duration < 0) throw new InvalidArgumentError('duration', `duration ${duration} is not a length in seconds`);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('n', `frame count ${n} is not a non-negative integer`);
  return Array.from({ length: n }, (_, i) => ((i + 0.5) * duration) / n);
}
