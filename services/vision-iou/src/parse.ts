// The one parser that turns what vision-language models write into boxes, points, polygons and RLE masks.

/** A lenient JSON-like value: what the scanner reads out of free text. */
export type Val = number | string | boolean | null | Val[] | { [key: string]: Val };

/** A shape found in the answer, in the coordinates the model wrote (scaling happens later). */
export type Shape =
  | { kind: 'box'; coords: [number, number, number, number]; label?: string; corners?: boolean }
  | { kind: 'point'; coords: [number, number]; label?: string }
  | { kind: 'polygon'; polys: number[][]; label?: string }
  | { kind: 'rle'; value: Val; label?: string };

export interface ParseResult {
  shapes: Shape[];
  /** Why some things that looked like geometry were not read (for the detail when nothing usable is found). */
  notes: string[];
}

/** Nesting deeper than this is not geometry; refusing it keeps recursion bounded. */
const MAX_DEPTH = 16;
/** Stop collecting after this many shapes (the verifiers have lower limits and say so). */
const MAX_SHAPES = 100_000;

const BOX_KEYS = ['bbox_2d', 'bbox', 'box', 'box_2d', 'bounding_box', 'bndbox', 'xyxy', 'coordinates_2d'];
const POINT_KEYS = ['point_2d', 'point', 'click', 'coordinate', 'coordinates', 'position', 'center', 'pos'];
const POLY_KEYS = ['polygon', 'polygons', 'segmentation', 'points', 'poly', 'contour'];
const LABEL_KEYS = ['label', 'category', 'class', 'name', 'object', 'category_name', 'cls'];

// Sticky: matched at the reader's position without slicing the text.
const NUM = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const WORD = /[A-Za-z_][\w.-]{0,255}/y;

interface Cut {
  value: Val;
  /** The text ended inside this value; it is incomplete. */
  truncated: boolean;
}

class ParseFail {
  constructor(readonly at: number) {}
}

/** A recursive-descent reader for JSON as models write it: quotes ' or ", bare keys, () as [], missing commas. */
class Reader {
  i: number;
  constructor(
    readonly s: string,
    start: number,
  ) {
    this.i = start;
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  value(depth: number): Cut {
    if (depth > MAX_DEPTH) throw new ParseFail(this.i);
    this.ws();
    if (this.i >= this.s.length) return { value: null, truncated: true };
    const c = this.s[this.i] as string;
    if (c === '[' || c === '(') return this.array(depth, c === '[' ? ']' : ')');
    if (c === '{') return this.object(depth);
    // An apostrophe right after a letter ("cup's") is prose, not the start of a string.
    if (c === "'" && /[A-Za-z0-9]/.test(this.s[this.i - 1] ?? '')) throw new ParseFail(this.i);
    if (c === '"' || c === "'") return this.string(c);
    if (/[-+.\d]/.test(c)) return this.number();
    if (/[A-Za-z_]/.test(c)) return { value: this.word(), truncated: false };
    throw new ParseFail(this.i);
  }

  private array(depth: number, close: string): Cut {
    this.i++;
    const out: Val[] = [];
    for (;;) {
      this.ws();
      if (this.i >= this.s.length) return { value: out, truncated: true };
      const c = this.s[this.i];
      if (c === close) { this.i++; return { value: out, truncated: false }; }
      if (c === ',') { this.i++; continue; }
      // Parentheses in prose are common; only numeric tuples "(x, y)" are read as values.
      if (close === ')' && !/[-+.\d([]/.test(c as string)) throw new ParseFail(this.i);
      const el = this.value(depth + 1);
      if (el.truncated) return { value: out, truncated: true }; // the cut-off last element is dropped
      out.push(el.value);
    }
  }

  private object(depth: number): Cut {
    this.i++;
    const out: { [key: string]: Val } = {};
    for (;;) {
      this.ws();
      if (this.i >= this.s.length) return { value: out, truncated: true };
      const c = this.s[this.i] as string;
      if (c === '}') { this.i++; return { value: out, truncated: false }; }
      if (c === ',') { this.i++; continue; }
      let key: string;
      if (c === '"' || c === "'") {
        const k = this.string(c);
        if (k.truncated) return { value: out, truncated: true };
        key = k.value as string;
      } else if (/[A-Za-z_]/.test(c)) key = String(this.word());
      else throw new ParseFail(this.i);
      this.ws();
      if (this.i >= this.s.length) return { value: out, truncated: true };
      if (this.s[this.i] !== ':' && this.s[this.i] !== '=') throw new ParseFail(this.i);
      this.i++;
      const v = this.value(depth + 1);
      if (v.truncated) return { value: out, truncated: true };
      out[key] = v.value;
    }
  }

  private string(q: string): Cut {
    const s = this.s;
    let j = this.i + 1;
    let out = '';
    while (j < s.length) {
      const c = s[j] as string;
      if (c === '\\' && j + 1 < s.length) { out += s[j + 1]; j += 2; continue; }
      if (c === q) { this.i = j + 1; return { value: out, truncated: false }; }
      if (c === '\n') throw new ParseFail(j); // an apostrophe in prose, not a string
      out += c;
      j++;
    }
    this.i = s.length;
    return { value: out, truncated: true };
  }

  private number(): Cut {
    NUM.lastIndex = this.i;
    const m = NUM.exec(this.s);
    if (!m) {
      // "-Infinity", "-inf": a non-finite value the verifiers must see and reject, not skip.
      const w = /^[-+](?:Infinity|inf)\b/i.exec(this.s.slice(this.i, this.i + 16));
      if (w) { this.i += w[0].length; return { value: w[0].startsWith('-') ? -Infinity : Infinity, truncated: false }; }
      throw new ParseFail(this.i);
    }
    this.i += m[0].length;
    // A number cut by the end of the text may be missing digits.
    return { value: Number(m[0]), truncated: this.i >= this.s.length };
  }

  private word(): string | number | boolean | null {
    WORD.lastIndex = this.i;
    const m = WORD.exec(this.s) as RegExpExecArray;
    this.i += m[0].length;
    const w = m[0];
    switch (w.toLowerCase()) {
      case 'true': return true;
      case 'false': return false;
      case 'null':
      case 'none': return null;
      case 'nan': return Number.NaN;
      case 'infinity':
      case 'inf': return Infinity;
      default: return w;
    }
  }
}

interface Found {
  value: Val;
  start: number;
  end: number;
  label?: string;
}

const REF_TAGS: Array<[string, string]> = [
  ['<ref>', '</ref>'],
  ['<|object_ref_start|>', '<|object_ref_end|>'],
];

/** Every bracketed value in the text, left to right, with the label of the closest preceding <ref> tag. */
function scan(text: string): Found[] {
  const found: Found[] = [];
  let label: string | undefined;
  let i = 0;
  let wasted = 0;
  // Where each closing tag was last found (-1: nowhere after the last search). i only grows, so a search starts past
  // the previous find and never rescans: many opening tags without a close stay linear.
  const closeAt = REF_TAGS.map(() => -2);
  while (i < text.length && found.length < MAX_SHAPES) {
    const c = text[i];
    if (c === '<') {
      const k = REF_TAGS.findIndex(([open]) => text.startsWith(open, i));
      if (k >= 0) {
        const [open, close] = REF_TAGS[k] as [string, string];
        const from = i + open.length;
        if (closeAt[k] !== -1 && (closeAt[k] as number) < from) closeAt[k] = text.indexOf(close, from);
        const end = closeAt[k] as number;
        if (end >= 0) {
          label = text.slice(from, end).trim();
          i = end + close.length;
          continue;
        }
      }
      i++;
      continue;
    }
    if (c !== '[' && c !== '(' && c !== '{') { i++; continue; }
    const r = new Reader(text, i);
    try {
      const v = r.value(0);
      const f: Found = { value: v.value, start: i, end: r.i };
      if (label !== undefined) f.label = label;
      found.push(f);
      i = Math.max(r.i, i + 1);
    } catch (e) {
      if (!(e instanceof ParseFail)) throw e;
      // Retry just after the failed opener (a box may sit inside prose brackets), but once failed reads
      // have cost 4× the text, skip past each failure instead: time stays linear in the text length.
      wasted += e.at - i;
      i = wasted < 4 * text.length + 4096 ? i + 1 : Math.max(e.at, i + 1);
    }
  }
  return found;
}

const isNum = (v: Val): v is number => typeof v === 'number';
const isNumList = (v: Val): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isNum);
// One whitespace run before the separator and one after it, never two adjacent `\s*`: linear on any gap.
const PAIR_GAP = /^\s*(?:(?:,|;|to|and|-|–)\s*)?$/i;

/**
 * Parse every box, point, polygon and RLE mask in an extracted answer. Accepted forms (see README):
 * `[x1, y1, x2, y2]`, JSON objects/lists (`bbox_2d`, `point_2d`, `label`, …; single quotes, bare keys,
 * a truncated last element), `(x1,y1),(x2,y2)` with or without `<box>`/`<|box_start|>` tags,
 * `<box>[[x1,y1,x2,y2]]</box>`, points `(x, y)` / `[x, y]`, polygons flat or as pairs, and COCO RLE objects.
 */
export function parseAnswer(text: string): ParseResult {
  const notes: string[] = [];
  const shapes: Shape[] = [];
  const found = scan(text);
  // Runs of loose pairs "(x1,y1),(x2,y2)[,…]" are one value: two corners, or a polygon.
  for (let k = 0; k < found.length; k++) {
    const f = found[k] as Found;
    if (isNumList(f.value) && f.value.length === 2) {
      const run: number[][] = [f.value];
      let j = k + 1;
      while (j < found.length) {
        const g = found[j] as Found;
        if (!(isNumList(g.value) && g.value.length === 2 && PAIR_GAP.test(text.slice((found[j - 1] as Found).end, g.start)))) break;
        run.push(g.value);
        j++;
      }
      if (run.length > 1) {
        interpret(run, f.label, shapes, notes, 0);
        k = j - 1;
        continue;
      }
    }
    interpret(f.value, f.label, shapes, notes, 0);
    if (shapes.length >= MAX_SHAPES) break;
  }
  if (shapes.length === 0 && found.length === 0) {
    // Last resort: bare numbers ("10 20 30 40", "x=10, y=20").
    const nums = text.match(/[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g) ?? [];
    if (nums.length === 4) shapes.push({ kind: 'box', coords: nums.map(Number) as [number, number, number, number] });
    else if (nums.length === 2) shapes.push({ kind: 'point', coords: nums.map(Number) as [number, number] });
  }
  return { shapes, notes };
}

function labelOf(v: Val | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function withLabel<T extends Shape>(s: T, label: string | undefined): T {
  if (label !== undefined) s.label = label;
  return s;
}

/** Two corner points [[x1, y1], [x2, y2]] or four numbers. */
function asBox(v: Val): [number, number, number, number] | undefined {
  if (isNumList(v) && v.length === 4) return [v[0], v[1], v[2], v[3]] as [number, number, number, number];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => isNumList(p) && p.length === 2)) {
    const [a, b] = v as number[][];
    return [a![0]!, a![1]!, b![0]!, b![1]!];
  }
  if (Array.isArray(v) && v.length === 1) return asBox(v[0] as Val); // [[x1, y1, x2, y2]]
  return undefined;
}

function interpret(v: Val, label: string | undefined, out: Shape[], notes: string[], depth: number): void {
  if (out.length >= MAX_SHAPES || depth > MAX_DEPTH) return;
  if (Array.isArray(v)) {
    if (v.length === 0) return;
    if (isNumList(v)) {
      if (v.length === 4) out.push(withLabel({ kind: 'box', coords: [v[0], v[1], v[2], v[3]] as [number, number, number, number] }, label));
      else if (v.length === 2) out.push(withLabel({ kind: 'point', coords: [v[0], v[1]] as [number, number] }, label));
      else if (v.length >= 6 && v.length % 2 === 0) out.push(withLabel({ kind: 'polygon', polys: [v] }, label));
      else notes.push(`a list of ${v.length} numbers is neither a point (2), a box (4) nor a polygon (even, ≥ 6)`);
      return;
    }
    if (v.every((p) => isNumList(p))) {
      const lists = v as number[][];
      if (lists.every((p) => p.length === 2)) {
        if (lists.length === 2) out.push(withLabel({ kind: 'box', coords: [lists[0]![0]!, lists[0]![1]!, lists[1]![0]!, lists[1]![1]!], corners: true }, label));
        else if (lists.length === 1) out.push(withLabel({ kind: 'point', coords: [lists[0]![0]!, lists[0]![1]!] }, label));
        else out.push(withLabel({ kind: 'polygon', polys: [lists.flat()] }, label));
        return;
      }
      if (lists.every((p) => p.length >= 6 && p.length % 2 === 0)) {
        out.push(withLabel({ kind: 'polygon', polys: lists }, label));
        return;
      }
    }
    if (v.every((p) => typeof p !== 'object' || p === null) && v.length <= 8 && v.some((p) => typeof p === 'string' && /^\s*[-+]?\d/.test(p))) {
      notes.push(`coordinates must be numbers, got ${JSON.stringify(v).slice(0, 60)}`);
      return;
    }
    if (v.some((p) => isNum(p) && !Number.isFinite(p))) {
      notes.push('coordinates must be finite numbers');
      return;
    }
    for (const el of v) interpret(el, label, out, notes, depth + 1);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  const o = v;
  const own = (k: string): Val | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
  const lab = labelOf(LABEL_KEYS.map(own).find((x) => x !== undefined)) ?? label;
  if (Object.hasOwn(o, 'counts') && Object.hasOwn(o, 'size')) {
    out.push(withLabel({ kind: 'rle', value: o }, lab));
    return;
  }
  let hit = false;
  for (const k of BOX_KEYS) {
    const b = own(k);
    if (b === undefined) continue;
    hit = true;
    const box = asBox(b);
    if (box) out.push(withLabel({ kind: 'box', coords: box, ...(isNumList(b) ? {} : { corners: true }) }, lab));
    else notes.push(`"${k}" is not 4 numbers: ${JSON.stringify(b).slice(0, 60)}`);
    break;
  }
  const corner = (...ks: string[]): number | undefined => {
    for (const k of ks) { const x = own(k); if (x !== undefined && isNum(x)) return x; }
    return undefined;
  };
  if (!hit) {
    const x1 = corner('x1', 'xmin', 'left', 'x_min');
    const y1 = corner('y1', 'ymin', 'top', 'y_min');
    const x2 = corner('x2', 'xmax', 'right', 'x_max');
    const y2 = corner('y2', 'ymax', 'bottom', 'y_max');
    const x = corner('x');
    const y = corner('y');
    const w = corner('w', 'width');
    const h = corner('h', 'height');
    if (x1 !== undefined && y1 !== undefined && x2 !== undefined && y2 !== undefined) {
      out.push(withLabel({ kind: 'box', coords: [x1, y1, x2, y2], corners: true }, lab));
      hit = true;
    } else if (x !== undefined && y !== undefined && w !== undefined && h !== undefined) {
      out.push(withLabel({ kind: 'box', coords: [x, y, x + w, y + h], corners: true }, lab));
      hit = true;
    } else if (x !== undefined && y !== undefined) {
      out.push(withLabel({ kind: 'point', coords: [x, y] }, lab));
      hit = true;
    }
  }
  for (const k of POINT_KEYS) {
    const p = own(k);
    if (p === undefined || hit) continue;
    hit = true;
    if (isNumList(p) && p.length === 2) out.push(withLabel({ kind: 'point', coords: [p[0], p[1]] as [number, number] }, lab));
    else if (Array.isArray(p) && p.length === 1 && isNumList(p[0] as Val) && (p[0] as number[]).length === 2) {
      const q = p[0] as number[];
      out.push(withLabel({ kind: 'point', coords: [q[0]!, q[1]!] }, lab));
    } else notes.push(`"${k}" is not 2 numbers: ${JSON.stringify(p).slice(0, 60)}`);
  }
  for (const k of POLY_KEYS) {
    const p = own(k);
    if (p === undefined || hit) continue;
    hit = true;
    const before = out.length;
    interpret(p, lab, out, notes, depth + 1);
    for (let i = before; i < out.length; i++) {
      const s = out[i] as Shape;
      // Under a polygon key, two pairs or four numbers are still a (degenerate) polygon, not a box.
      if (s.kind === 'box') out[i] = withLabel({ kind: 'polygon', polys: [s.coords.slice()] }, s.label);
    }
  }
  if (!hit) for (const key of Object.keys(o)) interpret(o[key] as Val, lab, out, notes, depth + 1);
}
