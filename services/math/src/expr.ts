// One expression form for every answer: LaTeX (and plain text rewritten as LaTeX) parsed by the Compute Engine, then
// the answer's outer structure (lists, sets, intervals, matrices, relations) made explicit around scalar expressions.
import { ComputeEngine, isFunction, isString, isSymbol, type Expression } from '@cortex-js/compute-engine';
import type { Normalized } from './normalize.js';

/** A scalar expression: a number or a formula in symbols. `inexact` when the answer wrote a decimal (0.333). */
export interface Scalar {
  k: 'scalar';
  e: Expression;
  inexact: boolean;
}
export type Value =
  | Scalar
  | { k: 'text'; words: string }
  /** `(a, b)`: a tuple or point, or an open interval. */
  | { k: 'tuple'; items: Value[] }
  /** `[a, b]`: a list or vector, or a closed interval. */
  | { k: 'list'; items: Value[] }
  /** `a, b` with no brackets: follows the reference (a set against a set, a tuple against a tuple). */
  | { k: 'bare'; items: Value[] }
  | { k: 'set'; items: Value[] }
  | { k: 'interval'; lo: Value; hi: Value; lopen: boolean; ropen: boolean }
  | { k: 'union'; parts: Value[] }
  | { k: 'matrix'; rows: Value[][] }
  /** A relation or a chain of them: terms[0] ops[0] terms[1] ops[1] terms[2] … (> and ≥ turned around to < and ≤). */
  | { k: 'rel'; terms: Value[]; ops: RelOp[] }
  /** `x \in S`. */
  | { k: 'in'; lhs: Value; set: Value }
  /** Relations joined by "or" / "and" (x < -1 or x > 3). */
  | { k: 'logic'; op: 'or' | 'and'; parts: Value[] };
export type RelOp = '=' | '<' | '<=' | '!=';

/** A parsed answer with its flags. */
export interface Parsed {
  value: Value;
  percent: boolean;
  degree: boolean;
}

/** Longest LaTeX handed to the parser, and deepest nesting of braces: beyond, the answer is unparseable. */
export const MAX_LATEX_CHARS = 8192;
export const MAX_DEPTH = 64;

/** The operands of a function expression ([] for a number or symbol). */
export const opsOf = (e: Expression): readonly Expression[] => (isFunction(e) ? e.ops : []);
/** The name of a symbol expression. */
export const symbolOf = (e: Expression): string | undefined => (isSymbol(e) ? e.symbol : undefined);

let engine: ComputeEngine | undefined;
/** One engine per thread; it keeps no state between answers that changes how they parse (no assignments are made). */
export function ce(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

const REL: Record<string, { op: RelOp; flip: boolean }> = {
  Equal: { op: '=', flip: false },
  Less: { op: '<', flip: false },
  LessEqual: { op: '<=', flip: false },
  Greater: { op: '<', flip: true },
  GreaterEqual: { op: '<=', flip: true },
  NotEqual: { op: '!=', flip: false },
};

function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  for (const c of text) {
    if (c === '{' || c === '(' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ')' || c === ']') depth--;
  }
  return max;
}

/** True when the text is one parenthesized group: `(1, 2)` but not `(1, 2), (3, 4)` nor `(1) + (2)`. */
function wrapped(text: string, open: string, close: string): boolean {
  const t = text.trim();
  if (t[0] !== open || t[t.length - 1] !== close) return false;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === open) depth++;
    else if (t[i] === close && --depth === 0 && i < t.length - 1) return false;
  }
  return true;
}

class Unparseable extends Error {}

function hasError(e: Expression): boolean {
  return !e.isValid;
}

function convert(e: Expression, inexact: boolean, top: string | undefined): Value {
  const op = e.operator;
  const ops = opsOf(e);
  const sub = (x: Expression): Value => convert(x, inexact, undefined);
  if (isString(e)) return { k: 'text', words: e.string.toLowerCase().trim() };
  if (op === 'Annotated' && ops[0]) return sub(ops[0]);
  if (op === 'Delimiter' && ops[0]) return sub(ops[0]);
  if (op === 'Sequence' && ops.length === 1) return sub(ops[0]!);
  if (op === 'Tuple' || op === 'Sequence' || op === 'Pair' || op === 'Triple') {
    const items = ops.map(sub);
    if (items.length === 1) return items[0]!;
    return { k: top === 'tuple' ? 'tuple' : top === 'list' ? 'list' : 'bare', items };
  }
  if (op === 'List') {
    const items = ops.map(sub);
    return { k: top === 'bare' ? 'bare' : 'list', items };
  }
  if (op === 'Set') return { k: 'set', items: ops.map(sub) };
  if (op === 'Interval' && ops.length === 2) {
    const end = (x: Expression): [Value, boolean] => (x.operator === 'Open' && opsOf(x)[0] ? [sub(opsOf(x)[0]!), true] : [sub(x), false]);
    const [lo, lopen] = end(ops[0]!);
    const [hi, ropen] = end(ops[1]!);
    return { k: 'interval', lo, hi, lopen, ropen };
  }
  if (op === 'Union') {
    const parts = ops.map(sub);
    // A union of finite sets is one finite set: {1, 3} ∪ {2, 4} is {1, 2, 3, 4}.
    if (parts.every((x) => x.k === 'set')) {
      const items: Value[] = [];
      for (const x of parts.flatMap((q) => (q.k === 'set' ? q.items : []))) {
        if (!items.some((y) => y.k === 'scalar' && x.k === 'scalar' && y.e.isSame(x.e))) items.push(x);
      }
      return { k: 'set', items };
    }
    return { k: 'union', parts };
  }
  if (op === 'Matrix' && ops[0]?.operator === 'List') {
    return { k: 'matrix', rows: opsOf(ops[0]).map((r) => (r.operator === 'List' ? opsOf(r).map(sub) : [sub(r)])) };
  }
  const rel = REL[op];
  if (rel && ops.length >= 2) {
    let terms = ops.map(sub);
    if (rel.flip) terms = terms.reverse();
    return { k: 'rel', terms, ops: terms.slice(1).map(() => rel.op) };
  }
  if (op === 'Element' && ops.length === 2) return { k: 'in', lhs: sub(ops[0]!), set: sub(ops[1]!) };
  if ((op === 'Or' || op === 'And') && ops.length >= 2) return { k: 'logic', op: op === 'Or' ? 'or' : 'and', parts: ops.map(sub) };
  return { k: 'scalar', e, inexact };
}

/** Parses one normalized LaTeX string, or throws Unparseable. */
function parseOne(n: Normalized): Value {
  if (n.words !== undefined) return { k: 'text', words: n.words };
  const latex = n.latex.trim();
  if (!latex) throw new Unparseable('empty');
  if (latex.length > MAX_LATEX_CHARS || depthOf(latex) > MAX_DEPTH) throw new Unparseable('too large');
  let e: Expression;
  try {
    e = ce().parse(latex);
  } catch {
    throw new Unparseable('parse');
  }
  if (!e || hasError(e)) throw new Unparseable('parse');
  const top = wrapped(latex, '(', ')') ? 'tuple' : wrapped(latex, '[', ']') ? 'list' : 'bare';
  // A decimal in the answer (0.333, 2.5e3) makes it inexact: compared after rounding, as Math-Verify compares Floats.
  const inexact = /\d\.\d|(?<!\d)\.\d|\d\.(?!\d)|\d[eE][-+]?\d/.test(latex);
  return convert(e, inexact, top);
}

/** Parses the normalized readings of one answer (several for ±, which make a list), or undefined if it is unparseable. */
export function parseNormalized(ns: readonly Normalized[]): Parsed | undefined {
  try {
    const values = ns.map(parseOne);
    const value = values.length === 1 ? values[0]! : { k: 'bare' as const, items: values.flatMap((v) => (v.k === 'bare' ? v.items : [v])) };
    return { value, percent: ns[0]!.percent, degree: ns[0]!.degree };
  } catch (e) {
    if (e instanceof Unparseable) return undefined;
    throw e;
  }
}
