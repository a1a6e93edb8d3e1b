// The safe formula language of `combine: {formula}`: a hand-written recursive-descent parser to an AST and a tiny interpreter.
// Nothing here ever reaches eval/Function: an expression can only name components, numbers and five built-in functions.

/** A parsed formula. Variables are resolved to component indices when the formula is bound to a spec. */
export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'var'; readonly name: string; idx: number }
  | { readonly k: 'neg'; readonly a: Expr }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'call'; readonly fn: FnName; readonly args: readonly Expr[] };

type BinOp = '+' | '-' | '*' | '/' | '<' | '<=' | '>' | '>=' | '==' | '!=';
type FnName = 'min' | 'max' | 'clamp' | 'if';

const ARITY: Record<FnName, [number, number]> = { min: [1, 32], max: [1, 32], clamp: [3, 3], if: [3, 3] };

/** Limits that keep hostile input cheap: no deep recursion, no huge token streams. */
export const MAX_FORMULA_LENGTH = 2000;
export const MAX_FORMULA_DEPTH = 64;

export class FormulaError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message} at position ${pos}`);
    this.name = 'FormulaError';
  }
}

type Tok = { t: 'num'; v: number; p: number } | { t: 'id'; v: string; p: number } | { t: 'op'; v: string; p: number } | { t: 'end'; p: number };

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.]/;
/** The identifier form a component name needs to be usable in a formula. */
export const FORMULA_IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]), p: i });
      i += m[0].length;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < src.length && IDENT_PART.test(src[j]!)) j++;
      out.push({ t: 'id', v: src.slice(i, j), p: i });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '==' || two === '!=') {
      out.push({ t: 'op', v: two, p: i });
      i += 2;
      continue;
    }
    if ('+-*/(),<>'.includes(c)) {
      out.push({ t: 'op', v: c, p: i });
      i++;
      continue;
    }
    throw new FormulaError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  out.push({ t: 'end', p: src.length });
  return out;
}

/**
 * Parses a formula. Grammar (lowest precedence first):
 *   expr    := sum [ ('<' | '<=' | '>' | '>=' | '==' | '!=') sum ]
 *   sum     := product { ('+' | '-') product }
 *   product := unary { ('*' | '/') unary }
 *   unary   := ('-' | '+') unary | primary
 *   primary := number | name | fn '(' expr { ',' expr } ')' | '(' expr ')'
 *   fn      := min | max | clamp | if
 * Throws FormulaError (with the position) on anything else, e.g. `process.exit()` (a call of something that is not a function).
 */
export function parseFormula(src: string): Expr {
  if (typeof src !== 'string' || src.trim() === '') throw new FormulaError('formula is empty', 0);
  if (src.length > MAX_FORMULA_LENGTH) throw new FormulaError(`formula is longer than ${MAX_FORMULA_LENGTH} characters`, MAX_FORMULA_LENGTH);
  const toks = tokenize(src);
  let i = 0;
  let depth = 0;
  const peek = (): Tok => toks[i]!;
  const isOp = (v: string): boolean => {
    const t = peek();
    return t.t === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new FormulaError(`expected "${v}"`, peek().p);
    i++;
  };
  const enter = (): void => {
    if (++depth > MAX_FORMULA_DEPTH) throw new FormulaError(`formula nests deeper than ${MAX_FORMULA_DEPTH}`, peek().p);
  };

  const expr = (): Expr => {
    enter();
    const a = sum();
    const t = peek();
    let out = a;
    if (t.t === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(t.v)) {
      i++;
      out = { k: 'bin', op: t.v as BinOp, a, b: sum() };
      const u = peek();
      if (u.t === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(u.v)) throw new FormulaError('comparisons do not chain; use if()', u.p);
    }
    depth--;
    return out;
  };
  const sum = (): Expr => {
    let a = product();
    for (;;) {
      const t = peek();
      if (t.t === 'op' && (t.v === '+' || t.v === '-')) {
        i++;
        a = { k: 'bin', op: t.v, a, b: product() };
      } else return a;
    }
  };
  const product = (): Expr => {
    let a = unary();
    for (;;) {
      const t = peek();
      if (t.t === 'op' && (t.v === '*' || t.v === '/')) {
        i++;
        a = { k: 'bin', op: t.v, a, b: unary() };
      } else return a;
    }
  };
  const unary = (): Expr => {
    const t = peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+')) {
      i++;
      enter();
      const a = unary();
      depth--;
      return t.v === '-' ? { k: 'neg', a } : a;
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = peek();
    if (t.t === 'num') {
      i++;
      if (!Number.isFinite(t.v)) throw new FormulaError('number out of range', t.p);
      return { k: 'num', v: t.v };
    }
    if (t.t === 'id') {
      i++;
      if (isOp('(')) {
        if (!Object.hasOwn(ARITY, t.v)) throw new FormulaError(`"${t.v}" is not a function (functions: min, max, clamp, if)`, t.p);
        const fn = t.v as FnName;
        i++;
        const args: Expr[] = [];
        if (!isOp(')')) {
          args.push(expr());
          while (isOp(',')) {
            i++;
            args.push(expr());
          }
        }
        expect(')');
        const [lo, hi] = ARITY[fn];
        if (args.length < lo || args.length > hi) {
          throw new FormulaError(`${fn}() takes ${lo === hi ? lo : `${lo} to ${hi}`} argument${hi === 1 ? '' : 's'}, got ${args.length}`, t.p);
        }
        return { k: 'call', fn, args };
      }
      return { k: 'var', name: t.v, idx: -1 };
    }
    if (t.t === 'op' && t.v === '(') {
      i++;
      const e = expr();
      expect(')');
      return e;
    }
    throw new FormulaError(t.t === 'end' ? 'unexpected end of formula' : `unexpected "${t.v}"`, t.p);
  };

  const e = expr();
  const rest = peek();
  if (rest.t !== 'end') throw new FormulaError(`unexpected "${String(rest.v)}" after the expression`, rest.p);
  return e;
}

/** Resolves names to indices (a copy; the parsed tree may be shared). Throws FormulaError naming an unknown name. */
export function bindFormula(e: Expr, index: ReadonlyMap<string, number>): Expr {
  switch (e.k) {
    case 'num':
      return e;
    case 'var': {
      const idx = index.get(e.name);
      if (idx === undefined) throw new FormulaError(`unknown component "${e.name}" (components: ${[...index.keys()].join(', ')})`, 0);
      return { k: 'var', name: e.name, idx };
    }
    case 'neg':
      return { k: 'neg', a: bindFormula(e.a, index) };
    case 'bin':
      return { k: 'bin', op: e.op, a: bindFormula(e.a, index), b: bindFormula(e.b, index) };
    case 'call':
      return { k: 'call', fn: e.fn, args: e.args.map((a) => bindFormula(a, index)) };
  }
}

function binary(op: BinOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      // Safe value: division by zero is 0 (a reward must stay finite).
      return b === 0 ? 0 : a / b;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
  }
}

function call(fn: FnName, args: readonly Expr[], s: ArrayLike<number>): number {
  switch (fn) {
    case 'min': {
      let m = Infinity;
      for (const a of args) m = Math.min(m, ev(a, s));
      return m;
    }
    case 'max': {
      let m = -Infinity;
      for (const a of args) m = Math.max(m, ev(a, s));
      return m;
    }
    case 'clamp':
      return Math.min(Math.max(ev(args[0]!, s), ev(args[1]!, s)), ev(args[2]!, s));
    case 'if':
      // Lazy: only the chosen branch is evaluated; any non-zero condition is true.
      return ev(args[0]!, s) !== 0 ? ev(args[1]!, s) : ev(args[2]!, s);
  }
}

function ev(e: Expr, s: ArrayLike<number>): number {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'var':
      return s[e.idx] ?? 0;
    case 'neg':
      return -ev(e.a, s);
    case 'bin':
      return binary(e.op, ev(e.a, s), ev(e.b, s));
    case 'call':
      return call(e.fn, e.args, s);
  }
}

/** Evaluates a bound formula over component scores (by index). A non-finite result (overflow) is 0. */
export function evalFormula(e: Expr, scores: ArrayLike<number>): number {
  const v = ev(e, scores);
  return Number.isFinite(v) ? v : 0;
}
