// The one reader of structure that models write: JSON and its near misses (Python reprs, smart quotes, a cut-off tail), found in prose.

/** A value as read. Objects are plain (a `__proto__` key is an own key): look keys up with `Object.hasOwn`, never `in`. */
export type Loose = number | string | boolean | null | Loose[] | LooseObject;
export interface LooseObject {
  [key: string]: Loose;
}

export interface ReadLimits {
  /**
   * Lists and objects nested deeper than this are not read: that value fails (values inside it may still be found).
   * @default 64
   */
  maxDepth?: number;
  /**
   * Characters read at most; the text past them counts as cut off (the values it ends inside are truncated).
   * @default 1_000_000
   */
  maxChars?: number;
  /**
   * Top-level values collected at most.
   * @default 100_000
   */
  maxValues?: number;
}

export interface ScanOptions extends ReadLimits {
  /** Read only text[start, end) (the rest is invisible to the reader). Default: the whole text. */
  start?: number;
  end?: number;
}

/** A top-level value found in the text, with where it was written. */
export interface FoundValue {
  value: Loose;
  start: number;
  end: number;
  /** The text ended inside this value: it is closed where the text ends, an item the cut damaged dropped (README). */
  truncated: boolean;
  /** The whole text was strict JSON (read by JSON.parse, the fast path). */
  strict: boolean;
}

/** The defaults of ReadLimits. */
export const DEFAULT_READ_LIMITS: Readonly<Required<ReadLimits>> = Object.freeze({ maxDepth: 64, maxChars: 1_000_000, maxValues: 100_000 });
const NO_OPTIONS: ScanOptions = {};

// Sticky: matched at the reader's position without slicing the text.
const NUM = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const WORD = /[A-Za-z_][\w.-]{0,255}/y;
// A number glued to a unit or a clock ("12.5s", "3px", "1:05"): one token, kept as the string written.
const GLUED = /[\w.%]*(?::\d[\w.%]*)*/y;
const NON_FINITE = /[-+](?:Infinity|inf)\b/iy;

type Quote = '"' | "'" | 'smart"' | "smart'";
/** What closes each kind of string: ASCII quotes only themselves, smart quotes either of their kind. */
const CLOSERS: Record<Quote, readonly [string, string, string]> = {
  '"': ['"', '"', '"'],
  "'": ["'", "'", "'"],
  'smart"': ['\u201c', '\u201d', '"'],
  "smart'": ['\u2018', '\u2019', '\u2019'],
};

/** The kind of string a character opens, if it is a quote. */
function quoteKind(c: string): Quote | undefined {
  if (c === '"' || c === "'") return c;
  if (c === '\u201c' || c === '\u201d' || c === '\u201e') return 'smart"';
  if (c === '\u2018' || c === '\u2019') return "smart'";
  return undefined;
}

interface Cut {
  value: Loose;
  /** The text ended inside this value. */
  truncated: boolean;
  /** ... and something in it was cut and dropped (a number that may miss digits, an unclosed string, a key without a value). */
  lost: boolean;
}

const CUT: Cut = Object.freeze({ value: null, truncated: true, lost: true }) as Cut;
const whole = (value: Loose): Cut => ({ value, truncated: false, lost: false });

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Recursive descent over JSON as models write it: quotes ' " “ ” ‘ ’, bare and numeric keys, `:` or `=`, () as [],
 * missing and trailing commas, Python and JavaScript literals; the end of the text closes whatever is open.
 * Recursion is bounded by maxDepth; every call moves forward, so one read is linear in what it reads.
 */
class Reader {
  i: number;
  /** Where the last failed read gave up (a failure returns undefined: no exceptions on the hot path). */
  failAt = 0;
  /** The failure was nesting beyond maxDepth: starts inside it would fail again, deeper in. */
  tooDeep = false;
  constructor(
    readonly s: string,
    start: number,
    readonly end: number,
    readonly maxDepth: number,
  ) {
    this.i = start;
  }

  private fail(at: number): undefined {
    this.failAt = at;
    return undefined;
  }

  private deep(): undefined {
    this.tooDeep = true;
    return this.fail(this.i);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < this.end) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0) this.i++;
      else break;
    }
  }

  value(depth: number): Cut | undefined {
    this.ws();
    if (this.i >= this.end) return CUT;
    const c = this.s[this.i]!;
    if (c === '[') return this.array(depth, ']');
    if (c === '(') return this.array(depth, ')');
    if (c === '{') return this.object(depth);
    const q = quoteKind(c);
    if (q) {
      // An apostrophe right after a letter ("cup's") is prose, not the start of a string.
      if ((q === "'" || q === "smart'") && isAlnum(this.s.charCodeAt(this.i - 1))) return this.fail(this.i);
      return this.string(q);
    }
    const k = this.s.charCodeAt(this.i);
    if (isNumberStart(k)) return this.number();
    if (isWordStart(k)) {
      const w = this.word();
      // A word that runs into the end of the text may be cut ("tru"), unless it is a whole literal ("true").
      return this.i < this.end || typeof w !== 'string' ? whole(w) : CUT;
    }
    return this.fail(this.i);
  }

  private array(depth: number, close: string): Cut | undefined {
    if (depth >= this.maxDepth) return this.deep();
    this.i++;
    if (close === ')') {
      // Parentheses in prose are common: "(" opens a tuple only before a value that cannot be a word.
      this.ws();
      const c = this.s[this.i]!;
      if (this.i < this.end && !isNumberStart(this.s.charCodeAt(this.i)) && c !== '(' && c !== '[' && c !== '{' && c !== ')' && !quoteKind(c)) return this.fail(this.i);
    }
    const out: Loose[] = [];
    for (;;) {
      this.ws();
      if (this.i >= this.end) return { value: out, truncated: true, lost: false };
      const c = this.s[this.i];
      if (c === close) {
        this.i++;
        return whole(out);
      }
      if (c === ',') {
        this.i++;
        continue;
      }
      const el = this.value(depth + 1);
      if (!el) return undefined;
      if (el.truncated) {
        // A list's last item that lost something to the cut is dropped: an item is a unit (a box, a span), and part of
        // one may be wrong ("4" of "45"). An item that only lacks its closing brackets is kept.
        if (el.lost) return { value: out, truncated: true, lost: true };
        out.push(el.value);
        return { value: out, truncated: true, lost: false };
      }
      out.push(el.value);
    }
  }

  private object(depth: number): Cut | undefined {
    if (depth >= this.maxDepth) return this.deep();
    this.i++;
    const out: LooseObject = {};
    for (;;) {
      this.ws();
      if (this.i >= this.end) return { value: out, truncated: true, lost: false };
      const c = this.s[this.i]!;
      if (c === '}') {
        this.i++;
        return whole(out);
      }
      if (c === ',') {
        this.i++;
        continue;
      }
      let key: string;
      const q = quoteKind(c);
      if (q) {
        const k = this.string(q);
        if (!k) return undefined;
        if (k.truncated) return { value: out, truncated: true, lost: true };
        key = k.value as string;
      } else if (isWordStart(this.s.charCodeAt(this.i))) key = this.word(true) as string;
      else if (isNumberStart(this.s.charCodeAt(this.i))) {
        // Numeric keys (a Python dict of times: {0.5: [...]}) are kept as written.
        NUM.lastIndex = this.i;
        const m = NUM.exec(this.s);
        if (!m || this.i + m[0].length > this.end) return this.fail(this.i);
        key = m[0];
        this.i += m[0].length;
      } else return this.fail(this.i);
      this.ws();
      if (this.i >= this.end) return { value: out, truncated: true, lost: true };
      const sep = this.s[this.i];
      if (sep !== ':' && sep !== '=') return this.fail(this.i);
      this.i++;
      const v = this.value(depth + 1);
      if (!v) return undefined;
      if (v.truncated) {
        // An object's cut-off list or object keeps what it has (its complete items, fields); a cut-off scalar is dropped.
        if (!v.lost || (v.value !== null && typeof v.value === 'object')) setKey(out, key, v.value);
        return { value: out, truncated: true, lost: v.lost };
      }
      setKey(out, key, v.value);
    }
  }

  /** A string closed by its own quote: `"` by `"`, `'` by `'`, smart quotes by either smart quote of their kind. */
  private string(kind: Quote): Cut | undefined {
    const s = this.s;
    const [q1, q2, q3] = CLOSERS[kind];
    let j = this.i + 1;
    let out = '';
    let from = j;
    while (j < this.end) {
      const c = s[j]!;
      if (c === '\\' && j + 1 < this.end) {
        out += s.slice(from, j) + unescape(s, j, this.end);
        j += escapeLength(s, j, this.end);
        from = j;
        continue;
      }
      if (c === q1 || c === q2 || c === q3) {
        this.i = j + 1;
        return whole(out + s.slice(from, j));
      }
      // A line break inside a quote: an apostrophe or a stray quote in prose, not a string.
      if (c === '\n') return this.fail(j);
      j++;
    }
    this.i = this.end;
    return CUT;
  }

  private number(): Cut | undefined {
    NUM.lastIndex = this.i;
    const m = NUM.exec(this.s);
    if (!m) {
      // "-Infinity", "-inf": a non-finite value the verifiers must see and reject, not skip.
      NON_FINITE.lastIndex = this.i;
      const w = NON_FINITE.exec(this.s);
      if (w && this.i + w[0].length <= this.end) {
        this.i += w[0].length;
        return whole(w[0].startsWith('-') ? -Infinity : Infinity);
      }
      return this.fail(this.i);
    }
    const start = this.i;
    this.i += m[0].length;
    // A number cut by the end of the text may be missing digits.
    if (this.i >= this.end) {
      this.i = this.end;
      return CUT;
    }
    const next = this.s.charCodeAt(this.i);
    if ((next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 37 /* % */ || (next === 58 /* : */ && isDigit(this.s.charCodeAt(this.i + 1)))) {
      GLUED.lastIndex = this.i;
      this.i += GLUED.exec(this.s)![0].length;
      if (this.i >= this.end) {
        this.i = this.end;
        return CUT;
      }
      return whole(this.s.slice(start, this.i));
    }
    return whole(Number(m[0]));
  }

  private word(asKey = false): string | number | boolean | null {
    WORD.lastIndex = this.i;
    const w = WORD.exec(this.s)![0].slice(0, this.end - this.i);
    this.i += w.length;
    if (asKey) return w;
    switch (w.toLowerCase()) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
      case 'none':
      case 'undefined':
        return null;
      case 'nan':
        return Number.NaN;
      case 'infinity':
      case 'inf':
        return Infinity;
      default:
        return w;
    }
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNumberStart = (c: number): boolean => isDigit(c) || c === 45 || c === 43 || c === 46;

/** A key "__proto__" is an own key like any other (plain assignment would set the object's prototype). */
function setKey(o: LooseObject, key: string, v: Loose): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  else o[key] = v;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };

function escapeLength(s: string, j: number, end: number): number {
  return s[j + 1] === 'u' && j + 6 <= end && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6)) ? 6 : 2;
}

/** JSON escapes (and Python's \'); an unknown escape stands for its character. */
function unescape(s: string, j: number, end: number): string {
  const c = s[j + 1]!;
  if (escapeLength(s, j, end) === 6) return String.fromCharCode(parseInt(s.slice(j + 2, j + 6), 16));
  return ESCAPES[c] ?? c;
}

const STRICT_FIRST = new Set(['"', ']', '}', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Whether a parsed value nests at most `max` lists and objects (the walk stops at the limit: bounded stack). */
function withinDepth(v: unknown, max: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (max <= 0) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!withinDepth(x, max - 1)) return false;
    return true;
  }
  for (const x of Object.values(v)) if (!withinDepth(x, max - 1)) return false;
  return true;
}

/** The whole text as strict JSON (an object or a list, within the depth limit), or undefined: the fast path. */
function strictWhole(text: string, from: number, to: number, maxDepth: number): FoundValue | undefined {
  let a = from;
  let b = to;
  while (a < b && text.charCodeAt(a) <= 32) a++;
  while (b > a && text.charCodeAt(b - 1) <= 32) b--;
  const first = text[a];
  const last = text[b - 1];
  if (!((first === '{' && last === '}') || (first === '[' && last === ']'))) return undefined;
  // A failed JSON.parse costs microseconds (it builds an error): texts whose first token is not JSON skip it.
  let k = a;
  while (k < b && (text[k] === '[' || text[k] === '{' || text.charCodeAt(k) <= 32)) k++;
  if (!STRICT_FIRST.has(text[k] ?? '')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(a === 0 && b === text.length ? text : text.slice(a, b));
  } catch {
    return undefined;
  }
  return withinDepth(v, maxDepth) ? { value: v as Loose, start: a, end: b, truncated: false, strict: true } : undefined;
}

/**
 * Every top-level value written in the text, left to right: each `[`, `{` or tuple-like `(` that starts a readable
 * value (see the README for the forms). A failed read is retried just after its opener (a box may sit inside prose
 * brackets) until failed reads have cost four times the text, then skipped past: time stays linear in the text.
 * `stop` ends the scan early once it returns true for a value.
 */
export function scanValues(text: string, opts: ScanOptions = NO_OPTIONS, stop?: (f: FoundValue) => boolean): FoundValue[] {
  const maxDepth = opts.maxDepth ?? DEFAULT_READ_LIMITS.maxDepth;
  const maxValues = opts.maxValues ?? DEFAULT_READ_LIMITS.maxValues;
  const from = Math.max(0, opts.start ?? 0);
  const to = Math.min(text.length, opts.end ?? text.length, from + (opts.maxChars ?? DEFAULT_READ_LIMITS.maxChars));
  const fast = from === 0 && to === text.length ? strictWhole(text, from, to, maxDepth) : undefined;
  if (fast) return [fast];
  const found: FoundValue[] = [];
  let i = from;
  let wasted = 0;
  while (i < to && found.length < maxValues) {
    const c = text.charCodeAt(i);
    if (c !== 91 /* [ */ && c !== 123 /* { */ && c !== 40 /* ( */) {
      i++;
      continue;
    }
    const r = new Reader(text, i, to, maxDepth);
    const v = r.value(0);
    if (v) {
      const f: FoundValue = { value: v.value, start: i, end: r.i, truncated: v.truncated, strict: false };
      found.push(f);
      if (stop?.(f)) break;
      i = Math.max(r.i, i + 1);
    } else {
      // Nesting too deep: the scan goes on where the limit was hit (the values in there are found from there).
      wasted += r.failAt - i;
      i = wasted < 4 * (to - from) + 4096 && !r.tooDeep ? i + 1 : Math.max(r.failAt, i + 1);
    }
  }
  return found;
}

const isObj = (v: Loose): v is LooseObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A found value that is an object or a list (every value `scanValues` finds is one). */
export type FoundStructure = FoundValue & { value: LooseObject | Loose[] };

/**
 * The structured answer in a text: the whole text when it is strict JSON (the fast path), else the first object or
 * list found in it (`prefer: "object"`: the first object, else the first list). Undefined when there is none.
 */
export function readValue(text: string, opts: ReadLimits & { prefer?: 'object' | 'any' } = {}): FoundStructure | undefined {
  const wantObject = opts.prefer === 'object';
  const found = scanValues(text, opts, (f) => !wantObject || isObj(f.value));
  return (found.find((f) => isObj(f.value)) ?? found[0]) as FoundStructure | undefined;
}
