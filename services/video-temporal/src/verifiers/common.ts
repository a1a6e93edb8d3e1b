// What the four video verifiers share: params and reference readers, the sample's video, frame times.
import { InvalidArgumentError, readNumber, readChoice } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { VerifyContext, VerifyInput } from '@verimesh/kit';
import { findMedia, type VideoInfo, type VideoStore } from '@verimesh/media';
import { timeValue, type Span, type TimeUnit } from '../timestamps.js';

/** The answer text the policy gave (params.extract, SPEC section 4). */
export function answerText(input: VerifyInput): { text: string; found: boolean } {
  const ex = extractAnswer(input.response, parseExtractParam(input.params.extract));
  return { text: ex.text, found: ex.found };
}

export function unitParam(params: Record<string, unknown>): TimeUnit {
  return readChoice(params.unit, 'params.unit', ['seconds', 'frames'] as const, 'seconds');
}

/** A reference time (seconds number or time string), non-negative and finite. */
function refTime(v: unknown, field: string): number {
  const t = timeValue(v);
  if (!Number.isFinite(t)) throw new InvalidArgumentError(field, `${field} must be a time in seconds (a number or "mm:ss"), got ${JSON.stringify(v) ?? String(v)}`);
  if (t < 0) throw new InvalidArgumentError(field, `${field} must not be negative, got ${t}`);
  return t;
}

/** A reference span `[start, end]` (or `{start, end}`), start ≤ end, both non-negative. */
export function refSpan(v: unknown, field: string): Span {
  let a: unknown;
  let b: unknown;
  if (Array.isArray(v) && v.length === 2) [a, b] = v;
  else if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    a = o.start ?? o.start_time;
    b = o.end ?? o.end_time;
  } else throw new InvalidArgumentError(field, `${field} must be [start, end] in seconds`);
  const span = { start: refTime(a, `${field}[0]`), end: refTime(b, `${field}[1]`) };
  if (span.end < span.start) throw new InvalidArgumentError(field, `${field} is reversed: end ${span.end} < start ${span.start}`);
  return span;
}

/** A list of reference spans from `key` (a list of spans, or one span). */
export function refSpans(v: unknown, field: string): Span[] {
  if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(field, `${field} must be a non-empty list of [start, end] spans`);
  if (v.length === 2 && !Array.isArray(v[0]) && (typeof v[0] !== 'object' || v[0] === null)) return [refSpan(v, field)];
  return v.map((s, i) => refSpan(s, `${field}[${i}]`));
}

/** The sample's video and what ffprobe says about it, or why the policy's own video could not be read. */
export interface SampleVideo {
  info?: VideoInfo;
  /** Set when the video is one the policy produced (role output) and it is unreadable: the item scores 0. */
  policyFailure?: string;
}

/**
 * Probes the sample's first input video (else its first output video). An unreadable or huge input video throws
 * (the caller's problem: invalid); an unreadable output video is the policy's problem and comes back as policyFailure.
 */
export async function sampleVideo(input: VerifyInput, ctx: VerifyContext, store: VideoStore): Promise<SampleVideo> {
  const found = findMedia(input.media, 'video', 'input') ?? findMedia(input.media, 'video', 'output');
  if (!found) return {};
  try {
    return { info: await store.probe(found.media, found.field, ctx.signal) };
  } catch (e) {
    if (e instanceof InvalidArgumentError && found.media.role === 'output') return { policyFailure: e.message };
    throw e;
  }
}

export function hasVideo(input: VerifyInput): boolean {
  return input.media.some((m) => m.kind === 'video');
}

/** Frame rate for frame-number answers: params.fps, then reference.fps, then the video's. */
export function fpsOf(input: VerifyInput, info?: VideoInfo): number | undefined {
  return readNumber(input.params.fps, 'params.fps', undefined, 1e-6) ?? readNumber(input.reference.fps, 'reference.fps', undefined, 1e-6) ?? info?.fps;
}

export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Shared param docs. */
export const EXTRACT_DOC = 'answer extraction: "auto" (default: last <answer>, else whole text), "none", "boxed", or a regex with one group';
export const UNIT_DOC = '"seconds" (default) or "frames": times in the answer are frame numbers, divided by the fps';
export const FPS_DOC = 'frame rate for unit "frames" (default: reference.fps, else the video\'s)';

/** One reference frame: its time in seconds and its ground truth (a box or a mask). */
export interface RefFrame {
  time: number;
  value: unknown;
  label: string;
}

/**
 * `reference.frames`: an object `{time: value}` (keys in seconds or "mm:ss") or a list of `{"time": t, <valueKey>: v}`;
 * sorted by time. Unreadable or repeated times, an empty set or more than `maxFrames` frames are invalid.
 */
export function refFrames(v: unknown, field: string, valueKeys: readonly string[], maxFrames: number): RefFrame[] {
  const out: RefFrame[] = [];
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) throw new InvalidArgumentError(`${field}[${i}]`, `${field}[${i}] must be an object with "time" and ${valueKeys.map((k) => `"${k}"`).join(' or ')}`);
      const o = item as Record<string, unknown>;
      const vk = valueKeys.find((k) => Object.hasOwn(o, k));
      if (!vk) throw new InvalidArgumentError(`${field}[${i}]`, `${field}[${i}] needs ${valueKeys.map((k) => `"${k}"`).join(' or ')}`);
      out.push({ time: refTime(o.time ?? o.timestamp, `${field}[${i}].time`), value: o[vk], label: String(o.time ?? o.timestamp) });
    });
  } else if (v && typeof v === 'object') {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) out.push({ time: refTime(k, `${field}["${k}"]`), value: val, label: k });
  } else {
    throw new InvalidArgumentError(field, `${field} must be an object {time: value} or a list of {time, value}`);
  }
  if (out.length === 0) throw new InvalidArgumentError(field, `${field} must not be empty`);
  if (out.length > maxFrames) throw new InvalidArgumentError(field, `${field} has ${out.length} frames, more than the ${maxFrames} allowed`);
  out.sort((a, b) => a.time - b.time);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.time === out[i - 1]!.time) throw new InvalidArgumentError(field, `${field} has two frames at ${out[i]!.time} s`);
  }
  return out;
}

/** Seconds within which a predicted frame counts for a reference frame: params.time_tolerance, else half a frame, else 0.05 s. */
export function toleranceOf(params: Record<string, unknown>, fps: number | undefined): number {
  return readNumber(params.time_tolerance, 'params.time_tolerance', undefined, 0) ?? (fps ? 0.5 / fps : 0.05);
}

export const TOLERANCE_DOC = 'seconds within which a predicted frame matches a reference frame (default: half a frame at the known fps, else 0.05)';
