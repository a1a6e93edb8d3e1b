// Turns what vision-language models write into boxes, points, polygons and RLE masks (values read by @verimesh/extract).
import { scanValues, type Loose } from '@verimesh/extract';

/** A value as the shared reader gives it. */
export type Val = Loose;

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

/** The <ref> label tags of the text, left to right, each with the span it covers. */
function refTags(text: string): Array<{ start: number; end: number; label: string }> {
  const tags: Array<{ start: number; end: number; label: string }> = [];
  // Where each closing tag was last found (-1: nowhere after the last search). i only grows, so a search starts past
  // the previous find and never rescans: many opening tags without a close stay linear.
  const closeAt = REF_TAGS.map(() => -2);
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i)) {
    const k = REF_TAGS.findIndex(([open]) => text.startsWith(open, i));
    if (k < 0) {
      i++;
      continue;
    }
    const [open, close] = REF_TAGS[k]!;
    const from = i + open.length;
    if (closeAt[k] !== -1 && closeAt[k]! < from) closeAt[k] = text.indexOf(close, from);
    const end = closeAt[k]!;
    if (end < 0) {
      i++;
      continue;
    }
    tags.push({ start: i, end: end + close.length, label: text.slice(from, end).trim() });
    i = end + close.length;
  }
  return tags;
}

/**
 * Every value in the text (the shared reader, @verimesh/extract), left to right, with the label of the closest
 * preceding <ref> tag; the tags themselves are not read. The caller has bounded the text's length.
 */
function scan(text: string): Found[] {
  const tags = text.includes('<') ? refTags(text) : [];
  if (tags.length === 0) return scanValues(text, { maxChars: text.length, maxValues: MAX_SHAPES });
  const found: Found[] = [];
  let label: string | undefined;
  let at = 0;
  for (let t = 0; t <= tags.length && found.length < MAX_SHAPES; t++) {
    const end = t < tags.length ? tags[t]!.start : text.length;
    for (const f of scanValues(text, { maxChars: text.length, maxValues: MAX_SHAPES - found.length, start: at, end }) as Found[]) {
      if (label !== undefined) f.label = label;
      found.push(f);
    }
    if (t < tags.length) {
      label = tags[t]!.label;
      at = tags[t]!.end;
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
