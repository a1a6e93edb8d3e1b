// What the four vision verifiers share: params, answer extraction and parsing, coordinate conventions, reference boxes.
import { InvalidArgumentError, readChoice, type VerifyContext, type VerifyInput, type VerifyOutcome } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { isDegenerate, pixelBox, type Box, type BoxFormat, type Coords } from '@verimesh/geometry';
import type { Config } from './config.js';
import { ImageError, findMedia } from '@verimesh/media';
import { imageSize } from './image.js';
import { parseAnswer, type Shape } from './parse.js';

export interface ImageSize {
  width: number;
  height: number;
}

/** The answer's shapes, or why there are none (the policy's problem: score 0, status ok). */
export type Answer = { ok: true; shapes: Shape[]; notes: string[]; text: string } | { ok: false; detail: string };

export function coordsParam(params: Record<string, unknown>): Coords {
  return readChoice(params.coords, 'params.coords', ['absolute', 'normalized', 'norm1000'] as const, 'absolute');
}

export function formatParam(params: Record<string, unknown>): BoxFormat {
  return readChoice(params.format, 'params.format', ['xyxy', 'xywh'] as const, 'xyxy');
}

/** Extract (params.extract, SPEC section 4) and parse the answer. */
export function readAnswer(input: VerifyInput, cfg: Config): Answer {
  const mode = parseExtractParam(input.params.extract);
  const ex = extractAnswer(input.response, mode);
  if (!ex.found) return { ok: false, detail: `no answer found (extract: ${JSON.stringify(input.params.extract ?? 'auto')})` };
  if (ex.text.length > cfg.maxAnswerChars) {
    return { ok: false, detail: `answer is ${ex.text.length} characters, above the ${cfg.maxAnswerChars}-character limit` };
  }
  const r = parseAnswer(ex.text);
  return { ok: true, shapes: r.shapes, notes: r.notes, text: ex.text };
}

/**
 * SPEC 3.1 `box_spam`: the answer predicts more shapes than max(2·n_ref, n_ref + 5). The flag is raised beside the
 * score and never changes it (PLAN D1); a spec may act on it (`"on_flag": {"box_spam": 0}`).
 */
export function isBoxSpam(predicted: number, references: number): boolean {
  return predicted > Math.max(2 * references, references + 5);
}

/** The outcome with `box_spam` raised when `predicted` shapes are spam against `references`. */
export function flagSpam(outcome: VerifyOutcome, predicted: number, references: number): VerifyOutcome {
  return isBoxSpam(predicted, references) ? { ...outcome, flags: ['box_spam'] } : outcome;
}

/** "no box found in the answer" plus what the parser noticed, for details. */
export function nothingFound(what: string, a: { notes: string[]; text: string }): string {
  const shown = a.text.length > 80 ? `${a.text.slice(0, 77)}...` : a.text;
  const why = a.notes.length ? `; ${a.notes.slice(0, 2).join('; ')}` : '';
  return `no ${what} found in the answer ${JSON.stringify(shown)}${why}`;
}

/**
 * The image size for normalized coordinates and polygons: reference.width/height, else the first input
 * image's header (never decoded). Undefined when neither exists. A bad size or unreadable input image is the
 * caller's problem (invalid).
 */
export async function referenceSize(input: VerifyInput, cfg: Config, ctx: VerifyContext): Promise<ImageSize | undefined> {
  const w = input.reference.width;
  const h = input.reference.height;
  if (w !== undefined || h !== undefined) {
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1e6;
    if (!ok(w) || !ok(h)) throw new InvalidArgumentError('reference.width', `reference.width and reference.height must both be positive numbers, got ${JSON.stringify(w)} and ${JSON.stringify(h)}`);
    return { width: w, height: h };
  }
  const img = findMedia(input.media, 'image', 'input');
  if (!img) return undefined;
  try {
    return await imageSize(img.media, img.field, cfg, ctx.signal);
  } catch (e) {
    if (e instanceof ImageError) throw new InvalidArgumentError(img.field, `${img.field}: ${e.message}`);
    throw e;
  }
}

/**
 * `then(size)` with the image size that scaled coordinates need: reference.width/height, the input image, else
 * `fallback` (a reference mask's canvas); a caller error when there is none. Absolute coordinates need no size:
 * `then` runs at once, so a verifier with nothing to read stays synchronous (no promise, no timer).
 */
export function withSize<T>(
  coords: Coords, input: VerifyInput, cfg: Config, ctx: VerifyContext, then: (size: ImageSize | undefined) => T, fallback?: ImageSize,
): T | Promise<T> {
  if (coords === 'absolute') return then(undefined);
  return referenceSize(input, cfg, ctx).then((found) => {
    const size = found ?? fallback;
    if (!size) {
      throw new InvalidArgumentError('params.coords', `params.coords is "${coords}" but the image size is unknown: give reference.width/height or an input image`);
    }
    return then(size);
  });
}

/** A parsed box in absolute xyxy pixels (`corners` forms ignore params.format: they name their corners). */
export function absBox(s: Extract<Shape, { kind: 'box' }>, format: BoxFormat, scale: readonly [number, number]): Box {
  return pixelBox(s.coords, s.corners ? 'xyxy' : format, scale);
}

/** One reference box: four finite numbers, x2 > x1, y2 > y1 (absolute pixels). */
export function referenceBox(v: unknown, field: string): Box {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new InvalidArgumentError(field, `${field} must be [x1, y1, x2, y2] (four finite numbers, absolute pixels), got ${short(v)}`);
  }
  const b = v as unknown as Box;
  if (isDegenerate(b)) throw new InvalidArgumentError(field, `${field} is degenerate (needs x2 > x1 and y2 > y1): ${short(v)}`);
  return b;
}

/** reference.box or reference.boxes (non-empty), or undefined when neither is given. */
export function referenceBoxes(ref: Record<string, unknown>, max: number): Box[] | undefined {
  if (ref.box !== undefined) return [referenceBox(ref.box, 'reference.box')];
  if (ref.boxes === undefined) return undefined;
  if (!Array.isArray(ref.boxes) || ref.boxes.length === 0) throw new InvalidArgumentError('reference.boxes', 'reference.boxes must be a non-empty list of [x1, y1, x2, y2]');
  if (ref.boxes.length > max) throw new InvalidArgumentError('reference.boxes', `reference.boxes has ${ref.boxes.length} boxes, above the ${max} limit`);
  return ref.boxes.map((b, i) => referenceBox(b, `reference.boxes[${i}]`));
}

export function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export const fmt = (x: number): string => x.toFixed(3);

/** Params shared by every vision verifier, for Describe. */
export const COMMON_PARAMS: Record<string, string> = {
  extract: 'answer extraction (SPEC section 4): "auto" (default), "none", "boxed", "answer" or a regex with one group',
  coords: '"absolute" (pixels, default), "normalized" ([0, 1]) or "norm1000" ([0, 1000], Qwen2-VL style); describes the response only',
};
