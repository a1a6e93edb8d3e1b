// Turns the time spans and timestamps a policy writes (and the reference's times) into seconds, one tolerant parser for every form.
import { readValue, scanValues } from '@verimesh/extract';

/** A span in seconds as written; `start > end` (reversed) is kept so that the verifier can say why it was ignored. */
export interface Span {
  start: number;
  end: number;
}

export interface ParsedSpans {
  spans: Span[];
  /** Why something in the text was not used (an unreadable token, ...): goes into the verifier's detail. */
  notes: string[];
  /** How the spans were found: "json" or "text" (none found: "none"). */
  how: 'json' | 'text' | 'none';
}

/** "seconds" (default) or "frames": frame numbers, turned into seconds with the video's fps (frame f starts at f / fps). */
export type TimeUnit = 'seconds' | 'frames';

// One time token: hh:mm:ss(.f), mm:ss(.f) (minutes may exceed 59) or plain seconds, an optional unit word after it.
// A leading minus counts only where it cannot be a separator (nothing number-like right before it). A token never
// starts inside a number (the lookbehind): otherwise a policy's run of n digits costs n² steps (n tries of n each).
const NUM = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`;
const CLOCK = String.raw`\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?`;
const UNIT = String.raw`(?:\s*(?:seconds?|secs?|s)\b)?`;
const TIME = String.raw`(?<![\d.:])(?:-)?(?:${CLOCK}|${NUM})${UNIT}`;
const SEP = String.raw`(?:to|and|till|until|through|-|–|—|~)`;
// A pair with a word or dash separator anywhere, or a comma pair directly inside brackets: "[12.5, 17.3]", "(0,5)".
const PAIR = new RegExp(String.raw`([\[({]\s*)(${TIME})\s*,\s*(${TIME})(?=\s*[\])}])|(${TIME})\s*${SEP}\s*(${TIME})`, 'giu');
const TOKEN = new RegExp(TIME, 'giu');

/**
 * Seconds from one time token: `12.5`, `12.5s`, `12.5 seconds`, `01:05` (65 s), `75:10` (4510 s), `1:02:03.5`
 * (3723.5 s), `-3`. Returns NaN for anything else (including `1:75`, whose seconds exceed 59).
 */
export function parseTime(token: string): number {
  // The unit, then the blanks before it: `\s*` in front of the unit would make a long blank run quadratic.
  const t = token.trim().replace(/(?:seconds?|secs?|s)$/iu, '').trimEnd();
  if (/^-?(?:\d+(?:\.\d+)?|\.\d+)$/.test(t)) return Number(t);
  const m = /^(-?)(\d+):(\d{1,2})(?::(\d{1,2}))?(\.\d+)?$/.exec(t);
  if (!m) return Number.NaN;
  const sign = m[1] ? -1 : 1;
  const frac = m[5] ? Number(m[5]) : 0;
  if (m[4] !== undefined) {
    const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (mi > 59 || s > 59) return Number.NaN;
    return sign * (h * 3600 + mi * 60 + s + frac);
  }
  const [mi, s] = [Number(m[2]), Number(m[3])];
  if (s > 59) return Number.NaN;
  return sign * (mi * 60 + s + frac);
}

/** A time value from JSON: a number, or a string in any form parseTime reads. */
export function timeValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseTime(v);
  return Number.NaN;
}

const START_KEYS = ['start_time', 'start', 'begin', 'from', 'start_sec', 'start_frame'];
const END_KEYS = ['end_time', 'end', 'stop', 'to', 'end_sec', 'end_frame'];

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** The first of `keys` that the object itself holds (never one from its prototype). */
export const ownKey = (o: Record<string, unknown>, keys: readonly string[]): string | undefined => keys.find((k) => Object.hasOwn(o, k));
const ownValue = (o: Record<string, unknown>, keys: readonly string[]): unknown => {
  const k = ownKey(o, keys);
  return k === undefined ? undefined : o[k];
};

function spanFromJson(v: unknown): Span | undefined {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' || typeof x === 'string')) {
    return { start: timeValue(v[0]), end: timeValue(v[1]) };
  }
  if (isRecord(v)) {
    const sk = ownKey(v, START_KEYS);
    const ek = ownKey(v, END_KEYS);
    if (sk && ek) return { start: timeValue(v[sk]), end: timeValue(v[ek]) };
    const inner = ownValue(v, ['span', 'timestamp', 'timestamps', 'time', 'segment']);
    if (inner !== undefined) return spanFromJson(inner);
  }
  return undefined;
}

function spansFromJson(v: unknown): Span[] | undefined {
  const one = spanFromJson(v);
  if (one) return [one];
  const list = isRecord(v) ? ownValue(v, ['spans', 'segments', 'timestamps', 'intervals']) : v;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Span[] = [];
  for (const item of list) {
    const s = spanFromJson(item);
    if (!s) return undefined;
    out.push(s);
  }
  return out;
}

/**
 * Every span in a policy's answer, in order. Accepted forms (each documented in the README):
 * `12.5 to 17.3`, `12.5-17.3`, `12.5s - 17.3s`, `00:12 – 00:17`, `1:02:03.5 ~ 1:02:10`, `between 3 and 7 seconds`,
 * `[12.5, 17.3]`, `(12.5,17.3)`, `<glue>[(0,5),(4,10)]</glue>`, JSON `{"start_time": 12.5, "end_time": 17.3}`,
 * a JSON list of such objects or of `[s, e]` pairs, and `{"spans": [...]}`; structured values are read by the shared
 * reader (single quotes, Python literals, trailing commas, a cut-off tail, ...), every one in the text. Values are
 * seconds, or frame numbers when `unit` is "frames" (divided by `fps`).
 */
export function parseSpans(text: string, unit: TimeUnit = 'seconds', fps?: number): ParsedSpans {
  const notes: string[] = [];
  let spans: Span[] | undefined;
  let how: ParsedSpans['how'] = 'none';
  for (const f of scanValues(text)) {
    const got = spansFromJson(f.value);
    if (got) (spans ??= []).push(...got);
  }
  if (spans) how = 'json';
  else {
    spans = [];
    PAIR.lastIndex = 0;
    for (let m = PAIR.exec(text); m; m = PAIR.exec(text)) {
      const a = m[2] ?? m[4] ?? '';
      const b = m[3] ?? m[5] ?? '';
      spans.push({ start: parseTime(a), end: parseTime(b) });
      if (Number.isNaN(spans[spans.length - 1]!.start) || Number.isNaN(spans[spans.length - 1]!.end)) {
        notes.push(`"${m[0].trim()}" is not a readable time span`);
      }
    }
    if (spans.length) how = 'text';
  }
  const usable = spans.filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end));
  if (usable.length < spans.length && how === 'json') notes.push(`${spans.length - usable.length} span(s) with unreadable times ignored`);
  return { spans: toSeconds(usable, unit, fps), notes, how: usable.length ? how : 'none' };
}

/**
 * Every timestamp in a policy's answer: the first structured value when it is a list of times (or
 * `{"timestamps": [...]}` / `{"frames": [...]}`), else every time token in the text (`3.5, 12s, 00:20` → 3.5, 12, 20).
 */
export function parseTimestamps(text: string, unit: TimeUnit = 'seconds', fps?: number): number[] {
  const json = readValue(text)?.value;
  const list = isRecord(json) ? ownValue(json, ['timestamps', 'times', 'keyframes', 'frames']) : json;
  let out: number[];
  if (Array.isArray(list) && list.every((x) => typeof x === 'number' || typeof x === 'string')) {
    out = list.map(timeValue);
  } else {
    out = [];
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) out.push(parseTime(m[0]));
  }
  const scale = unit === 'frames' ? 1 / fpsOrThrow(fps) : 1;
  return out.filter(Number.isFinite).map((t) => t * scale);
}

function fpsOrThrow(fps: number | undefined): number {
  if (fps === undefined || !(fps > 0) || !Number.isFinite(fps)) throw new RangeError('frame numbers need the video frame rate (fps)');
  return fps;
}

function toSeconds(spans: Span[], unit: TimeUnit, fps?: number): Span[] {
  if (unit === 'seconds') return spans;
  const f = fpsOrThrow(fps);
  return spans.map((s) => ({ start: s.start / f, end: s.end / f }));
}
