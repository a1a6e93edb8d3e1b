// Per-frame answers (a box or a mask per timestamp or frame number) and per-frame references, read into time-keyed entries.
import { readValue } from '@verimesh/extract';
import { isRecord, ownKey, parseTime, timeValue, type TimeUnit } from './timestamps.js';

/** One frame's value at a time in seconds. */
export interface FrameEntry {
  time: number;
  value: unknown;
  /** Where it came from, for details ("0.5", "frame 12", "#3"). */
  label: string;
}

export interface ParsedFrames {
  entries: FrameEntry[];
  /** A bare list of values (no times): the i-th belongs to the i-th reference frame in time order. */
  sequence?: unknown[];
  notes: string[];
}

const TIME_KEYS = ['time', 'timestamp', 't', 'second', 'seconds', 'sec'];
const FRAME_KEYS = ['frame', 'frame_index', 'frame_idx', 'frame_id', 'index', 'idx'];
const VALUE_KEYS = ['box', 'bbox', 'mask', 'segmentation', 'rle', 'polygon', 'value'];
const WRAPPER_KEYS = ['frames', 'boxes', 'masks', 'tracks', 'track', 'predictions'];

/** Seconds from a per-frame key: a time (`"0.5"`, `"00:01.5"`, `"1.5s"`) or a frame number (`"frame 12"`, `"f12"`, any key in frames unit). */
function keyTime(key: string, unit: TimeUnit, fps: number | undefined): number {
  const m = /^\s*(?:frame|f|#)\s*_?(\d+)\s*$/i.exec(key);
  if (m) return fps ? Number(m[1]) / fps : Number.NaN;
  const t = parseTime(key);
  if (unit === 'frames') return fps && Number.isInteger(t) ? t / fps : Number.NaN;
  return t;
}

function entryTime(o: Record<string, unknown>, unit: TimeUnit, fps: number | undefined): { time: number; label: string } | undefined {
  const fk = ownKey(o, FRAME_KEYS);
  if (fk) {
    const n = Number(o[fk]);
    return { time: fps && Number.isInteger(n) ? n / fps : Number.NaN, label: `frame ${String(o[fk])}` };
  }
  const tk = ownKey(o, TIME_KEYS);
  if (tk) {
    const t = timeValue(o[tk]);
    return { time: unit === 'frames' ? (fps && Number.isInteger(t) ? t / fps : Number.NaN) : t, label: String(o[tk]) };
  }
  return undefined;
}

/**
 * Reads a per-frame answer (its first structured value, read by the shared reader): a JSON object `{time: value}`
 * (keys are times, or frame numbers as `"frame 12"` or in frames unit; Python's bare numeric keys too), a JSON list of `{"time"|"frame": …, "box"|"mask"|…: …}`, either wrapped as `{"frames": …}`, or a bare
 * JSON list of values (taken in reference-frame order). Plain-text lines `0.5: [x1, y1, x2, y2]` or
 * `frame 12 -> (x1, y1, x2, y2)` are read when `textValues` is set (boxes).
 */
export function parseFrames(text: string, unit: TimeUnit, fps: number | undefined, isValue: (v: unknown) => boolean, textValues = false): ParsedFrames {
  const notes: string[] = [];
  const json = readValue(text)?.value;
  if (json !== undefined) {
    const got = fromJson(json, unit, fps, isValue, notes, 0);
    if (got) return got;
  }
  const entries: FrameEntry[] = [];
  if (textValues) {
    const n = String.raw`-?(?:\d+(?:\.\d+)?|\.\d+)`;
    const re = new RegExp(
      // Never two adjacent `\s*` and never a start inside a word or number: linear on any text a policy sends.
      String.raw`(?<![\w.:-])((?:frame|f)\s*\d+|\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?|-?(?:\d+(?:\.\d+)?|\.\d+)(?:\s*s\b)?)\s*(?:(?::|=|->|=>|–|-)\s*)?[\[(]\s*(${n})\s*,\s*(${n})\s*,\s*(${n})\s*,\s*(${n})\s*[\])]`,
      'gi',
    );
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const time = keyTime(m[1]!, unit, fps);
      const label = m[1]!.trim();
      if (!Number.isFinite(time)) {
        notes.push(`"${label}" is not a readable time${/frame|f/i.test(label) && !fps ? ' (frame numbers need an fps)' : ''}`);
        continue;
      }
      entries.push({ time, label, value: [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])] });
    }
  }
  return { entries, notes };
}

function fromJson(json: unknown, unit: TimeUnit, fps: number | undefined, isValue: (v: unknown) => boolean, notes: string[], depth: number): ParsedFrames | undefined {
  if (Array.isArray(json)) {
    if (json.length > 0 && json.every(isValue)) return { entries: [], sequence: json, notes };
    const entries: FrameEntry[] = [];
    for (const item of json) {
      if (!isRecord(item)) continue;
      const o = item;
      const at = entryTime(o, unit, fps);
      const vk = ownKey(o, VALUE_KEYS);
      if (!at || !vk) continue;
      if (!Number.isFinite(at.time)) {
        notes.push(`entry "${at.label}" has no readable time${!fps ? ' (frame numbers need an fps)' : ''}`);
        continue;
      }
      entries.push({ time: at.time, label: at.label, value: o[vk] });
    }
    return entries.length || json.length === 0 ? { entries, notes } : undefined;
  }
  if (isRecord(json)) {
    const o = json;
    if (depth === 0) {
      const wk = ownKey(o, WRAPPER_KEYS);
      if (wk) return fromJson(o[wk], unit, fps, isValue, notes, 1);
    }
    const entries: FrameEntry[] = [];
    for (const [k, v] of Object.entries(o)) {
      const time = keyTime(k, unit, fps);
      if (!Number.isFinite(time)) {
        notes.push(`key "${k}" is not a readable time${!fps && /frame|^f\d/i.test(k) ? ' (frame numbers need an fps)' : ''}`);
        continue;
      }
      entries.push({ time, label: k, value: v });
    }
    return { entries, notes };
  }
  return undefined;
}

/**
 * For each reference time, the index of the nearest predicted entry within `tolerance` seconds (or -1); among equally
 * near entries the first one written. Entries are sorted once and searched by bisection, O((R + E) log E): a policy
 * writing a million frames against a long reference must not cost R × E.
 */
export function matchTimes(refTimes: readonly number[], entries: readonly FrameEntry[], tolerance: number): number[] {
  const order = entries.map((_, i) => i).sort((a, b) => entries[a]!.time - entries[b]!.time || a - b);
  const time = (k: number): number => entries[order[k]!]!.time;
  // First position of each run of equal times: its entry is the first written at that time (the sort is by index next).
  const runStart = new Int32Array(order.length);
  for (let k = 1; k < order.length; k++) runStart[k] = time(k) === time(k - 1) ? runStart[k - 1]! : k;
  return refTimes.map((rt) => {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (time(mid) < rt) lo = mid + 1;
      else hi = mid;
    }
    let best = -1;
    let bestD = Infinity;
    for (const k of lo > 0 ? [runStart[lo - 1]!, lo] : [lo]) {
      if (k >= order.length) continue;
      const i = order[k]!;
      const d = Math.abs(time(k) - rt);
      if (d <= tolerance + 1e-9 && (d < bestD || (d === bestD && i < best))) [best, bestD] = [i, d];
    }
    return best;
  });
}

/**
 * The answer's value for each reference frame (undefined where it gave none): by position for a bare list, else by
 * nearest time within `tolerance`; `extra` counts the answer's values that belong to no reference frame.
 */
export function alignFrames(refTimes: readonly number[], parsed: ParsedFrames, tolerance: number): { values: unknown[]; extra: number } {
  const seq = parsed.sequence;
  if (seq) return { values: refTimes.map((_, i) => seq[i]), extra: Math.max(0, seq.length - refTimes.length) };
  const idx = matchTimes(refTimes, parsed.entries, tolerance);
  const values = idx.map((i) => (i < 0 ? undefined : parsed.entries[i]!.value));
  return { values, extra: parsed.entries.length - new Set(idx.filter((i) => i >= 0)).size };
}
