// Local rubric checks, decided without any LLM: regex, substring, word counts, JSON validity and JSON Schema.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { InvalidArgumentError, Lru } from '@verimesh/kit';
import { fencedBlocks, lengthFloor } from '@verimesh/extract';

const CHECK_TYPES = ['regex', 'contains', 'not_contains', 'max_words', 'min_words', 'json_valid', 'json_schema'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export interface CompiledCheck {
  type: CheckType;
  /** Passes (true) or fails, with a short reason for the metrics. */
  run(answer: string): { pass: boolean; reason: string };
}

const ajv = new Ajv2020({ allErrors: false, strict: false });
const schemaCache = new Lru<string, ValidateFunction>(1000);
const regexCache = new Lru<string, RegExp>(1000);

function remember<V>(m: Lru<string, V>, k: string, v: V): V {
  m.set(k, v);
  return v;
}

/** Python-style inline flags at the start ((?i), (?s), (?m)) become JS flags. */
function compileRegex(src: string, field: string): RegExp {
  const hit = regexCache.get(src);
  if (hit) return hit;
  let body = src;
  let flags = 'u';
  const m = /^\(\?([ims]+)\)/.exec(body);
  if (m) {
    body = body.slice(m[0].length);
    flags += [...new Set(m[1]!)].join('');
  }
  try {
    return remember(regexCache, src, new RegExp(body, flags));
  } catch {
    try {
      return remember(regexCache, src, new RegExp(body, flags.replace('u', '')));
    } catch (e) {
      throw new InvalidArgumentError(field, `${field} is not a valid regex: ${(e as Error).message}`);
    }
  }
}

const words = (s: string): number => (s.trim() === '' ? 0 : s.trim().split(/\s+/).length);
// max_words never counts fewer than one word per 8 non-space characters (2 CJK): with whitespace alone, an answer
// with its spaces dropped or replaced by zero-width spaces or hyphens ("glued-words-like-this") was one word long.
const maxWordsCount = (s: string): number => Math.max(words(s), lengthFloor(s));

/**
 * Strict JSON on purpose: `json_valid` and `json_schema` check that the policy wrote valid JSON, so the lenient reader
 * every verifier uses to read an answer's structure (@verimesh/extract) must not apply here: single quotes, trailing
 * commas or Python literals fail these checks, although they would be read elsewhere.
 */
function parseJson(s: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = s.trim();
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch (e) {
    // A JSON answer that is one fenced block and nothing else is still the JSON answer.
    const blocks = /^(```|~~~)[\s\S]*(```|~~~)$/.test(t) ? fencedBlocks(t) : [];
    if (blocks.length === 1) {
      try {
        return { ok: true, value: JSON.parse(blocks[0]!.code) };
      } catch {
        // report the original error
      }
    }
    return { ok: false, error: (e as Error).message };
  }
}

/** Validates `check` (the caller's) and compiles it; a bad check is InvalidArgumentError naming `field`. */
export function compileCheck(check: unknown, field: string): CompiledCheck {
  if (check === null || typeof check !== 'object' || Array.isArray(check)) throw new InvalidArgumentError(field, `${field} must be an object {"type", "value"}`);
  const { type, value } = check as { type?: unknown; value?: unknown };
  if (typeof type !== 'string' || !(CHECK_TYPES as readonly string[]).includes(type)) {
    throw new InvalidArgumentError(`${field}.type`, `${field}.type must be one of ${CHECK_TYPES.join(', ')}`);
  }
  const vf = `${field}.value`;
  const t = type as CheckType;
  switch (t) {
    case 'regex': {
      if (typeof value !== 'string' || !value) throw new InvalidArgumentError(vf, `${vf} must be a non-empty regex string`);
      const re = compileRegex(value, vf);
      return { type: 'regex', run: (a) => (re.test(a) ? { pass: true, reason: 'regex matched' } : { pass: false, reason: 'regex did not match' }) };
    }
    case 'contains':
    case 'not_contains': {
      const list = Array.isArray(value) ? value : [value];
      if (!list.length || list.some((v) => typeof v !== 'string' || !v)) throw new InvalidArgumentError(vf, `${vf} must be a non-empty string or list of strings`);
      const needles = (list as string[]).map((v) => v.toLowerCase());
      if (t === 'contains') {
        return {
          type: t,
          run: (a) => {
            const low = a.toLowerCase();
            const missing = needles.filter((n) => !low.includes(n));
            return missing.length ? { pass: false, reason: `missing "${missing[0]}"` } : { pass: true, reason: 'contains all' };
          },
        };
      }
      return {
        type: t,
        run: (a) => {
          const low = a.toLowerCase();
          const present = needles.find((n) => low.includes(n));
          return present !== undefined ? { pass: false, reason: `contains "${present}"` } : { pass: true, reason: 'contains none' };
        },
      };
    }
    case 'max_words':
    case 'min_words': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError(vf, `${vf} must be a non-negative integer`);
      const max = t === 'max_words';
      return {
        type: t,
        run: (a) => {
          const n = max ? maxWordsCount(a) : words(a);
          return { pass: max ? n <= value : n >= value, reason: `${n} words (${max ? 'max' : 'min'} ${value})` };
        },
      };
    }
    case 'json_valid':
      return {
        type: 'json_valid',
        run: (a) => {
          const p = parseJson(a);
          return p.ok ? { pass: true, reason: 'valid JSON' } : { pass: false, reason: `not JSON: ${p.error}` };
        },
      };
    case 'json_schema': {
      if (value === null || (typeof value !== 'object' && typeof value !== 'boolean')) throw new InvalidArgumentError(vf, `${vf} must be a JSON Schema (object)`);
      const key = JSON.stringify(value);
      let validate = schemaCache.get(key);
      if (!validate) {
        try {
          validate = remember(schemaCache, key, ajv.compile(value as object));
        } catch (e) {
          throw new InvalidArgumentError(vf, `${vf} is not a valid JSON Schema (draft 2020-12): ${(e as Error).message}`);
        }
      }
      const v = validate;
      return {
        type: 'json_schema',
        run: (a) => {
          const p = parseJson(a);
          if (!p.ok) return { pass: false, reason: `not JSON: ${p.error}` };
          if (v(p.value)) return { pass: true, reason: 'matches the schema' };
          const e = v.errors?.[0];
          return { pass: false, reason: `schema: ${e ? `${e.instancePath || '/'} ${e.message ?? ''}` : 'invalid'}` };
        },
      };
    }
  }
}
