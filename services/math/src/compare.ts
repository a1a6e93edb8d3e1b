// Whether an answer is equivalent to the reference (SPEC 4.2), after Math-Verify's verify(): numbers after rounding,
// formulas symbolically (simplification, then agreement at random points), structures element-wise.
import { compile, type Expression } from '@cortex-js/compute-engine';
import { ce, opsOf, symbolOf, type Parsed, type Scalar, type Value } from './expr.js';

export interface CompareOptions {
  /** Decimal places both sides are rounded to when either is a decimal (Math-Verify float_rounding). */
  precision: number;
  /** false: answers equal up to renamed symbols also match (f(y) for f(x)). */
  strict: boolean;
  /** true: an inequality answer also matches an interval or set reference (-2 \le x \le 7 for x \in [-2, 7]). */
  setRelation: boolean;
}

/** Elements of a set or list compared at most (each pair may be compared): a longer answer is not equal. */
export const MAX_ELEMENTS = 64;

/** The reference and the answer, each with its percent/degree readings: 28\% stands for 28 and 0.28, 30° for 30 and π/6. */
export function equivalent(gold: Parsed, pred: Parsed, o: CompareOptions): boolean {
  const gs = readings(gold);
  const ps = readings(pred);
  return gs.some((g) => ps.some((p) => eq(g, p, o)));
}

function readings(p: Parsed): Value[] {
  const out: Value[] = [p.value];
  if (p.value.k !== 'scalar') return out;
  const s = p.value;
  if (p.percent) out.push({ ...s, e: ce().box(['Divide', s.e, 100]) });
  if (p.degree) out.push({ ...s, e: ce().box(['Multiply', s.e, ['Divide', 'Pi', 180]]) });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Relations, assignments and sets of solutions

const isSymbolsOnly = (v: Value): boolean => v.k === 'scalar' && symbolOf(v.e) !== undefined && v.e.unknowns.length === 1;

/** An equation (every link `=`) or `x \in S`. */
const isEquation = (v: Value): boolean => v.k === 'in' || (v.k === 'rel' && v.ops.every((op) => op === '='));
/** `x = …` or `x \in S` with a symbol on the left: an assignment whose value is its last term. */
const isAssignment = (v: Value): boolean => (v.k === 'in' ? isSymbolsOnly(v.lhs) : v.k === 'rel' && isEquation(v) && isSymbolsOnly(v.terms[0]!));
const isRelation = (v: Value): boolean => v.k === 'rel' || v.k === 'in' || (v.k === 'logic' && v.parts.every(isRelation));
const lastValue = (v: Value): Value => (v.k === 'in' ? v.set : v.k === 'rel' ? v.terms[v.terms.length - 1]! : v);
const isSetLike = (v: Value): boolean =>
  v.k === 'set' || v.k === 'interval' || v.k === 'union' || ((v.k === 'tuple' || v.k === 'list') && v.items.length === 2);

function scalarOf(latex: string): Scalar {
  return { k: 'scalar', e: ce().parse(latex), inexact: false };
}
let inf: [Scalar, Scalar] | undefined;
const infinities = (): [Scalar, Scalar] => (inf ??= [scalarOf('-\\infty'), scalarOf('\\infty')]);

const isConstant = (v: Value): boolean => v.k === 'scalar' && v.e.unknowns.length === 0;

/** A one-variable relation as the set it describes: `-2 \le x < 7` is [-2, 7); `x \ne 1` is (-∞, 1) ∪ (1, ∞). */
function relationSet(v: Value): Value | undefined {
  if (v.k === 'in') return v.set;
  if (v.k === 'logic') {
    const parts = v.parts.map(relationSet);
    if (parts.some((p) => !p)) return undefined;
    if (v.op === 'or') return { k: 'union', parts: parts as Value[] };
    // x > a and x < b: the interval between the two bounds.
    const ivs = parts as Value[];
    if (ivs.length === 2 && ivs.every((p) => p.k === 'interval')) {
      const [a, b] = ivs as Array<Extract<Value, { k: 'interval' }>>;
      const lower = isInfinite(a!.lo) ? b! : a!;
      const upper = lower === a ? b! : a!;
      return { k: 'interval', lo: lower.lo, lopen: lower.lopen, hi: upper.hi, ropen: upper.ropen };
    }
    return undefined;
  }
  if (v.k !== 'rel') return undefined;
  const [lo, hi] = infinities();
  const t = v.terms;
  if (t.length === 3 && isSymbolsOnly(t[1]!) && isConstant(t[0]!) && isConstant(t[2]!) && v.ops.every((op) => op === '<' || op === '<=')) {
    return { k: 'interval', lo: t[0]!, hi: t[2]!, lopen: v.ops[0] === '<', ropen: v.ops[1] === '<' };
  }
  if (t.length !== 2) return undefined;
  const op = v.ops[0]!;
  const [a, b] = t as [Value, Value];
  if (isSymbolsOnly(a) && isConstant(b)) {
    if (op === '=') return { k: 'set', items: [b] };
    if (op === '!=') return { k: 'union', parts: [{ k: 'interval', lo, hi: b, lopen: true, ropen: true }, { k: 'interval', lo: b, hi, lopen: true, ropen: true }] };
    return { k: 'interval', lo, hi: b, lopen: true, ropen: op === '<' };
  }
  if (isSymbolsOnly(b) && isConstant(a) && (op === '<' || op === '<=')) return { k: 'interval', lo: a, hi, lopen: op === '<', ropen: true };
  return undefined;
}

function isInfinite(v: Value): boolean {
  return v.k === 'scalar' && (symbolOf(v.e) === 'NegativeInfinity' || symbolOf(v.e) === 'PositiveInfinity');
}

// ---------------------------------------------------------------------------------------------------------------
// The comparison

function eq(gIn: Value, pIn: Value, o: CompareOptions): boolean {
  let g = gIn;
  let p = pIn;
  // An equation answer must be true where it can be checked: 7 = 5 is not the answer 5, nor x = 2 + 3 = 6 the answer 6.
  if (p.k === 'rel' && isEquation(p) && !consistent(p, o)) return false;
  // Math-Verify's rules: an equation answer against a value reference is read by its last side (x = 2 + 3 = 5 is 5);
  // an assignment reference (k = 1/3) against a value answer is read by its value. Two assignments stay relations,
  // so that x = 1 is not y = 1.
  if (isAssignment(g) && g.k === 'rel' && g.terms.length > 2) g = { k: 'rel', terms: [g.terms[0]!, lastValue(g)], ops: ['='] };
  if (isAssignment(p) && p.k === 'rel' && p.terms.length > 2) p = { k: 'rel', terms: [p.terms[0]!, lastValue(p)], ops: ['='] };
  if (isEquation(p) && !isEquation(g)) p = lastValue(p);
  else if (isAssignment(g) && !isEquation(p)) g = lastValue(g);
  // An inequality reference against an interval answer compares as sets; the other way round only with set_relation,
  // so that a policy cannot earn the reward by restating the inequality it was asked to solve.
  if (isRelation(g) && isSetLike(p)) g = relationSet(g) ?? g;
  if (o.setRelation && isRelation(p) && isSetLike(g)) p = relationSet(p) ?? p;

  if (g.k === 'text' || p.k === 'text') return textEq(g, p);
  if (g.k === 'scalar' && p.k === 'scalar') return scalarEq(g, p, o);
  if (g.k === 'rel' && p.k === 'rel') return relEq(g, p, o);
  if (g.k === 'in' && p.k === 'in') return eq(g.lhs, p.lhs, o) && eq(g.set, p.set, o);
  if (g.k === 'logic' && p.k === 'logic') {
    return g.op === p.op && (g.op === 'or' ? unordered(g.parts, p.parts, o) : ordered(g.parts, p.parts, o));
  }
  if (g.k === 'matrix') {
    if (p.k !== 'matrix' || p.rows.length !== g.rows.length) return false;
    return g.rows.every((row, i) => ordered(row, p.rows[i]!, o));
  }
  if (g.k === 'interval' || g.k === 'union') return setEq(g, p, o);
  if (g.k === 'tuple' || g.k === 'list') {
    if (p.k === 'interval') return setEq(p, g, o);
    if (p.k === 'tuple' || p.k === 'list' || p.k === 'bare' || p.k === 'set') return ordered(g.items, p.items, o);
    return false;
  }
  if (g.k === 'set' || g.k === 'bare') {
    if (p.k === 'set' || p.k === 'bare' || p.k === 'tuple' || p.k === 'list') return unordered(g.items, p.items, o);
    if (p.k === 'interval' || p.k === 'union') return setEq(p, g, o);
    return g.items.length === 1 && eq(g.items[0]!, p, o);
  }
  // A value against a one-element set: {5} is 5.
  if (p.k === 'set' && p.items.length === 1) return eq(g, p.items[0]!, o);
  return false;
}

/**
 * The constant sides of an equation chain are all equal (2 + 3 = 5 is; 7 = 5 and x = 2 + 3 = 6 are not). Equality is
 * transitive, so constants linked through a symbol count too: x = 4 = y = 5 says 4 = 5 (red team: that chain was read
 * by its last side, 5).
 */
function consistent(v: Extract<Value, { k: 'rel' }>, o: CompareOptions): boolean {
  const constants = v.terms.filter(isConstant);
  return constants.every((t, i) => i === 0 || eq(constants[0]!, t, o));
}

/** Intervals and unions; `(a, b)` and `[a, b]` written as a tuple or list stand for the open and closed interval. */
function setEq(g: Value, p: Value, o: CompareOptions): boolean {
  const asInterval = (v: Value): Value => {
    if ((v.k === 'tuple' || v.k === 'list') && v.items.length === 2) {
      const open = v.k === 'tuple';
      return { k: 'interval', lo: v.items[0]!, hi: v.items[1]!, lopen: open, ropen: open };
    }
    return v;
  };
  const parts = (v: Value): Value[] => (v.k === 'union' ? v.parts.map(asInterval) : [asInterval(v)]);
  const gp = parts(g);
  const pp = parts(p);
  if (gp.length === 1 && pp.length === 1) {
    const [a, b] = [gp[0]!, pp[0]!];
    if (a.k === 'interval' && b.k === 'interval') return a.lopen === b.lopen && a.ropen === b.ropen && eq(a.lo, b.lo, o) && eq(a.hi, b.hi, o);
    if (a.k === 'interval' || b.k === 'interval') return false;
    return eq(a, b, o);
  }
  return unordered(gp, pp, o);
}

function ordered(g: readonly Value[], p: readonly Value[], o: CompareOptions): boolean {
  return g.length === p.length && g.length <= MAX_ELEMENTS && g.every((x, i) => eq(x, p[i]!, o));
}

/** Same elements in any order, each answer element used once. */
function unordered(g: readonly Value[], p: readonly Value[], o: CompareOptions): boolean {
  if (g.length !== p.length || g.length > MAX_ELEMENTS) return false;
  const used = new Array<boolean>(p.length).fill(false);
  return g.every((x) => {
    const j = p.findIndex((y, i) => !used[i] && eq(x, y, o));
    if (j < 0) return false;
    used[j] = true;
    return true;
  });
}

/** Letters of a product of one-letter symbols (`\text{answer}` is the same as $answer$, Math-Verify). */
function lettersOf(v: Value): string | undefined {
  if (v.k === 'text') return v.words.replace(/[^a-z0-9]/g, '');
  if (v.k !== 'scalar') return undefined;
  const letter = (x: Expression): string | undefined => {
    const s = symbolOf(x);
    return s === 'ExponentialE' ? 'e' : s?.toLowerCase();
  };
  if (symbolOf(v.e)) return letter(v.e);
  const ops = opsOf(v.e);
  if (v.e.operator !== 'Multiply' || !ops.every((x) => symbolOf(x))) return undefined;
  return ops.map(letter).join('');
}

function textEq(g: Value, p: Value): boolean {
  const a = lettersOf(g);
  const b = lettersOf(p);
  return a !== undefined && a.length > 0 && a === b;
}

/**
 * Relations are equivalent when their links are the same and each link's sides differ by a nonzero constant factor:
 * 2y = 4x + 6 is y = 2x + 3; x > 3 is 3 < x. A relation true for every value (x = x) is nothing.
 */
function relEq(g: Extract<Value, { k: 'rel' }>, p: Extract<Value, { k: 'rel' }>, o: CompareOptions): boolean {
  if (g.ops.length !== p.ops.length) return false;
  if (g.ops.length > 1) {
    // A chain compares link by link: a < x < b.
    return g.ops.every((op, i) => relEq({ k: 'rel', terms: [g.terms[i]!, g.terms[i + 1]!], ops: [op] }, { k: 'rel', terms: [p.terms[i]!, p.terms[i + 1]!], ops: [p.ops[i]!] }, o));
  }
  const op = g.ops[0]!;
  if (op !== p.ops[0]) return false;
  const [gl, gr] = g.terms as [Value, Value];
  const [pl, pr] = p.terms as [Value, Value];
  if (gl.k !== 'scalar' || gr.k !== 'scalar' || pl.k !== 'scalar' || pr.k !== 'scalar') {
    // Sides that are sets or tuples (x = {1, 2}) compare side by side.
    return eq(gl, pl, o) && eq(gr, pr, o);
  }
  const dg = ce().box(['Subtract', gl.e, gr.e]);
  const dp = ce().box(['Subtract', pl.e, pr.e]);
  return proportional(dg, dp, op === '<' || op === '<=', gl.inexact || gr.inexact || pl.inexact || pr.inexact, o);
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

/** Random points per comparison of formulas; at least MIN_VALID must be defined on both sides. */
const PROBES = 12;
const MIN_VALID = 4;
/** Values of the probe points: both signs, away from 0 and ±1 where identities of special values hide differences. */
const PROBE_VALUES = [0.7312, -1.4159, 2.2718, -0.3821, 1.618, 3.1116, -2.5407, 0.2915, 1.3863, -0.8814, 4.0517, 0.5772];

function variables(...es: Expression[]): string[] {
  return [...new Set(es.flatMap((e) => e.unknowns))].sort();
}

type Fn = (vars: Record<string, number>) => { re: number; im: number } | undefined;

function evaluator(e: Expression): Fn {
  let run: ((v: Record<string, number>) => unknown) | undefined;
  try {
    const c = compile(e);
    if (c.success && c.run) run = c.run as (v: Record<string, number>) => unknown;
  } catch {
    run = undefined;
  }
  return (vars) => {
    let r: unknown;
    try {
      if (run) r = run(vars);
      else {
        const subs = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, ce().number(v)]));
        const n = e.subs(subs).N();
        r = { re: n.re, im: n.im };
      }
    } catch {
      return undefined;
    }
    if (typeof r === 'number') return Number.isFinite(r) ? { re: r, im: 0 } : undefined;
    if (r && typeof r === 'object' && 're' in r) {
      const c = r as { re: number; im: number };
      return Number.isFinite(c.re) && Number.isFinite(c.im ?? 0) ? { re: c.re, im: c.im ?? 0 } : undefined;
    }
    return undefined;
  };
}

function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

/** a = c·b for one constant c ≠ 0 (c > 0 when `positive`), judged at random points; b must not vanish everywhere. */
function proportional(a: Expression, b: Expression, positive: boolean, inexact: boolean, o: CompareOptions): boolean {
  const vars = variables(a, b);
  const fa = evaluator(a);
  const fb = evaluator(b);
  const tol = inexact ? Math.max(1e-9, 10 ** -o.precision) : 1e-9;
  let ratio: number | undefined;
  let valid = 0;
  for (let i = 0; i < (vars.length ? PROBES : 1); i++) {
    const point = Object.fromEntries(vars.map((v, j) => [v, PROBE_VALUES[(i + j * 5) % PROBE_VALUES.length]! + j * 0.1]));
    const x = fa(point);
    const y = fb(point);
    if (!x || !y || x.im !== 0 || y.im !== 0) continue;
    if (Math.abs(y.re) < 1e-12) {
      if (Math.abs(x.re) < 1e-12) continue;
      return false;
    }
    const r = x.re / y.re;
    if (ratio === undefined) ratio = r;
    else if (!close(r, ratio, tol)) return false;
    valid++;
  }
  if (ratio === undefined || Math.abs(ratio) < 1e-12 || (positive && ratio < 0)) return false;
  return valid >= (vars.length ? MIN_VALID : 1);
}

function renamings(from: string[], to: string[]): Array<Record<string, string>> {
  if (from.length > 3) return [Object.fromEntries(from.map((f, i) => [f, to[i]!]))];
  const perms = (xs: string[]): string[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r])));
  return perms(to).map((p) => Object.fromEntries(from.map((f, i) => [f, p[i]!])));
}

function scalarEq(g: Scalar, p: Scalar, o: CompareOptions): boolean {
  if (g.e.isSame(p.e)) return true;
  const gv = variables(g.e);
  const pv = variables(p.e);
  if (!o.strict && gv.length === pv.length && gv.length > 0) {
    // Symbols matched by position in every order (Math-Verify pairs them in its own set order), the identity first.
    for (const m of renamings(pv, gv)) {
      const renamed = p.e.subs(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, ce().symbol(v)])));
      if (scalarEq(g, { ...p, e: renamed }, { ...o, strict: true })) return true;
    }
    return false;
  }
  if (gv.length === 0 && pv.length === 0) return numberEq(g, p, o);
  // Probed over the variables of both sides: sin^2 x + cos^2 x is 1 for every x, x + 1 is not y + 1.
  const vars = variables(g.e, p.e);
  // A formula: agreement at random points (compiled, cheap), else, when too few points are defined on both sides, a
  // difference that simplifies to 0 (only for small formulas: simplifying (x+1)^{1000} takes seconds).
  const inexact = g.inexact || p.inexact;
  const fg = evaluator(g.e);
  const fp = evaluator(p.e);
  const tol = inexact ? 0.5 * 10 ** -o.precision : 1e-9;
  let valid = 0;
  for (let i = 0; i < PROBES; i++) {
    const point = Object.fromEntries(vars.map((v, j) => [v, PROBE_VALUES[(i + j * 5) % PROBE_VALUES.length]! + j * 0.1]));
    const x = fg(point);
    const y = fp(point);
    if (!x && !y) continue;
    if (!x || !y) return false;
    if (!close(x.re, y.re, tol) || !close(x.im, y.im, tol)) return false;
    valid++;
  }
  if (valid >= MIN_VALID) return true;
  return !inexact && small(g.e) && small(p.e) && ce().box(['Subtract', g.e, p.e]).simplify().isSame(0);
}

/** Small enough to simplify symbolically in a few milliseconds. */
function small(e: Expression): boolean {
  return JSON.stringify(e.json).length <= 400;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

/** A decimal number as digits × 10^exp (exact: what the engine printed). */
interface Dec {
  neg: boolean;
  digits: bigint;
  exp: number;
}

function parseDec(text: string): Dec | undefined {
  const m = /^(-)?(\d*)(?:\.(\d*))?(?:e([-+]?\d+))?$/i.exec(text.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? 0) - frac.length;
  if (!Number.isSafeInteger(exp)) return undefined;
  return { neg: !!m[1], digits: BigInt((m[2] ?? '') + frac || '0'), exp };
}

/** The real and imaginary parts of a constant, as decimals; undefined when it is not a finite number. */
function numericParts(e: Expression): [Dec, Dec] | undefined {
  let n: Expression;
  try {
    n = e.N();
  } catch {
    return undefined;
  }
  const part = (j: unknown): Dec | undefined => {
    if (typeof j === 'number') return Number.isFinite(j) ? parseDec(j.toString()) : undefined;
    if (j && typeof j === 'object' && 'num' in j) return parseDec(String((j as { num: string }).num));
    return undefined;
  };
  const j = n.json as unknown;
  if (Array.isArray(j) && j[0] === 'Complex') {
    const re = part(j[1]);
    const im = part(j[2]);
    return re && im ? [re, im] : undefined;
  }
  const re = part(j);
  return re ? [re, { neg: false, digits: 0n, exp: 0 }] : undefined;
}

/** Digits beyond which a magnitude is compared relatively (the engine prints about 21 significant digits). */
const SIGNIFICANT = 20;

function magnitude(d: Dec): number {
  return d.digits === 0n ? -Infinity : d.digits.toString().length + d.exp;
}

/** a = b after rounding both to `places` decimals (half away from zero), or relatively when the numbers are huge. */
function roundedEq(a: Dec, b: Dec, places: number): boolean {
  const mag = Math.max(magnitude(a), magnitude(b));
  if (mag + places > SIGNIFICANT) return decClose(a, b, SIGNIFICANT - 5);
  const round = (d: Dec): bigint => {
    const shift = d.exp + places;
    let v: bigint;
    if (shift >= 0) v = d.digits * 10n ** BigInt(shift);
    else {
      const div = 10n ** BigInt(-shift);
      v = (d.digits + div / 2n) / div;
    }
    return d.neg ? -v : v;
  };
  return round(a) === round(b);
}

/** |a − b| ≤ 10^-digits · max(|a|, |b|), exactly. */
function decClose(a: Dec, b: Dec, digits: number): boolean {
  if (a.digits === 0n || b.digits === 0n) return a.digits === b.digits || Math.max(magnitude(a), magnitude(b)) < -digits;
  if (Math.abs(magnitude(a) - magnitude(b)) > 1) return false;
  const e = Math.min(a.exp, b.exp);
  if (Math.max(a.exp, b.exp) - e > 4000) return false;
  const va = (a.neg ? -1n : 1n) * a.digits * 10n ** BigInt(a.exp - e);
  const vb = (b.neg ? -1n : 1n) * b.digits * 10n ** BigInt(b.exp - e);
  const diff = va > vb ? va - vb : vb - va;
  const big = (va < 0n ? -va : va) > (vb < 0n ? -vb : vb) ? (va < 0n ? -va : va) : vb < 0n ? -vb : vb;
  return diff * 10n ** BigInt(digits) <= big;
}

/** An exact rational value of a constant (integers, fractions), or undefined. */
function rational(e: Expression): [bigint, bigint] | undefined {
  let v: Expression;
  try {
    v = e.evaluate();
  } catch {
    return undefined;
  }
  const int = (j: unknown): bigint | undefined => {
    if (typeof j === 'number') return Number.isSafeInteger(j) ? BigInt(j) : undefined;
    if (j && typeof j === 'object' && 'num' in j) {
      const s = String((j as { num: string }).num);
      const m = /^(-?\d+)(?:e\+?(\d+))?$/.exec(s);
      if (!m || Number(m[2] ?? 0) > 4000) return undefined;
      return BigInt(m[1]!) * 10n ** BigInt(m[2] ?? 0);
    }
    return undefined;
  };
  const j = v.json as unknown;
  if (Array.isArray(j) && j[0] === 'Rational') {
    const n = int(j[1]);
    const d = int(j[2]);
    return n !== undefined && d !== undefined ? [n, d] : undefined;
  }
  const n = int(j);
  return n === undefined ? undefined : [n, 1n];
}

function hasInfinity(e: Expression): boolean {
  return /Infinity|ComplexInfinity/.test(JSON.stringify(e.json));
}

function numberEq(g: Scalar, p: Scalar, o: CompareOptions): boolean {
  const inexact = g.inexact || p.inexact;
  if (!inexact) {
    // Two exact rationals (2^{70} and 2^{70} + 1 too) compare exactly, never within a tolerance.
    const a = rational(g.e);
    const b = rational(p.e);
    if (a && b) return a[0] * b[1] === b[0] * a[1];
  }
  const a = numericParts(g.e);
  const b = numericParts(p.e);
  if (!a || !b) {
    // Not a finite number: equal only if both are the same infinity (an overflow is not an infinity).
    return !hasInfinity(g.e) || !hasInfinity(p.e) ? false : g.e.N().isSame(p.e.N());
  }
  if (inexact) return roundedEq(a[0], b[0], o.precision) && roundedEq(a[1], b[1], o.precision);
  // Exact but irrational (\frac{\sqrt{2}}{2} and \frac{1}{\sqrt{2}}): equal to the engine's precision.
  return decClose(a[0], b[0], 15) && decClose(a[1], b[1], 15);
}
