// Validates a RewardSpec (SPEC section 2) once and compiles it into what the engine runs: components, stages and combine.
import { InvalidArgumentError, Lru } from '@verimesh/kit';
import { SENTINEL_FLAGS, serviceOf, type ServiceName } from '@verimesh/proto';
import { FORMULA_IDENT, FormulaError, bindFormula, evalFormula, parseFormula, type Expr } from './formula.js';
import { namedFlagBit } from './sentinels.js';
import { checkDepth, isObject } from './wire.js';

export const MAX_COMPONENTS = 32;
/** Per-component timeout ceiling (one hour): anything longer is a typo. */
export const MAX_TIMEOUT_MS = 3_600_000;

export type CombineMode = 'sum' | 'mean' | 'min' | 'product' | 'formula';

export interface CompiledComponent {
  readonly name: string;
  readonly verifier: string;
  readonly service: ServiceName;
  readonly weight: number;
  /** The component's own reference, merged over the sample's (component keys win, shallow). */
  readonly reference: Record<string, unknown> | undefined;
  /** params as JSON text, serialized once here rather than once per sample. */
  readonly paramsJson: string;
  readonly gate: { readonly min: number; readonly value: number } | undefined;
  readonly timeoutMs: number | undefined;
  /** The score that stands in when the component is error/timeout/unavailable/invalid. */
  readonly onError: number;
}

export interface CompiledSpec {
  readonly components: readonly CompiledComponent[];
  readonly combine: CombineMode;
  readonly formula: Expr | undefined;
  /** Component indices per stage: a stage ends at each gated component, so nothing behind a gate is sent before it passed. */
  readonly stages: readonly (readonly number[])[];
  /** Σ|wᵢ|, the denominator of `mean`. */
  readonly weightSum: number;
  /** on_flag (SPEC 3.1): the sentinels that set the reward (a mask over SENTINEL_FLAGS), and each one's value by bit index. */
  readonly onFlagMask: number;
  readonly onFlagValues: readonly number[];
}

const COMPONENT_KEYS = new Set(['name', 'verifier', 'weight', 'reference', 'params', 'gate', 'timeout_ms', 'on_error']);
const SPEC_KEYS = new Set(['components', 'combine', 'on_flag']);


function bad(field: string, message: string): never {
  throw new InvalidArgumentError(field, `${field} ${message}`);
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, `must be a finite number, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v;
}

function compileComponent(raw: unknown, field: string): CompiledComponent {
  if (!isObject(raw)) bad(field, `must be an object, got ${describe(raw)}`);
  for (const k of Object.keys(raw)) {
    if (!COMPONENT_KEYS.has(k)) bad(`${field}.${k}`, `is not a component field (fields: ${[...COMPONENT_KEYS].join(', ')})`);
  }
  const verifier = raw.verifier;
  if (typeof verifier !== 'string' || verifier === '') bad(`${field}.verifier`, 'is required (a catalogue name such as "text.exact")');
  const service = serviceOf(verifier);
  if (!service) bad(`${field}.verifier`, `names an unknown verifier ${JSON.stringify(verifier)}`);
  let name = verifier;
  if (raw.name !== undefined && raw.name !== null && raw.name !== '') {
    if (typeof raw.name !== 'string') bad(`${field}.name`, `must be a string, got ${describe(raw.name)}`);
    name = raw.name;
  }
  const weight = raw.weight === undefined || raw.weight === null ? 1 : finite(raw.weight, `${field}.weight`);
  let reference: Record<string, unknown> | undefined;
  if (raw.reference !== undefined && raw.reference !== null) {
    if (!isObject(raw.reference)) bad(`${field}.reference`, `must be an object, got ${describe(raw.reference)}`);
    checkDepth(raw.reference, `${field}.reference`);
    if (Object.keys(raw.reference).length) reference = raw.reference;
  }
  let paramsJson = '';
  if (raw.params !== undefined && raw.params !== null) {
    if (!isObject(raw.params)) bad(`${field}.params`, `must be an object, got ${describe(raw.params)}`);
    checkDepth(raw.params, `${field}.params`);
    if (Object.keys(raw.params).length) {
      paramsJson = JSON.stringify(raw.params);
    }
  }
  let gate: CompiledComponent['gate'];
  if (raw.gate !== undefined && raw.gate !== null) {
    if (!isObject(raw.gate)) bad(`${field}.gate`, `must be an object {"min": number, "value"?: number}, got ${describe(raw.gate)}`);
    for (const k of Object.keys(raw.gate)) if (k !== 'min' && k !== 'value') bad(`${field}.gate.${k}`, 'is not a gate field (fields: min, value)');
    const min = finite(raw.gate.min, `${field}.gate.min`);
    const value = raw.gate.value === undefined || raw.gate.value === null ? 0 : finite(raw.gate.value, `${field}.gate.value`);
    gate = { min, value };
  }
  let timeoutMs: number | undefined;
  if (raw.timeout_ms !== undefined && raw.timeout_ms !== null) {
    const t = raw.timeout_ms;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS) {
      bad(`${field}.timeout_ms`, `must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${describe(t)}`);
    }
    timeoutMs = t;
  }
  let onError = 0;
  if (raw.on_error !== undefined && raw.on_error !== null) {
    if (!isObject(raw.on_error)) bad(`${field}.on_error`, `must be an object {"score": number}, got ${describe(raw.on_error)}`);
    for (const k of Object.keys(raw.on_error)) if (k !== 'score') bad(`${field}.on_error.${k}`, 'is not an on_error field (fields: score)');
    onError = raw.on_error.score === undefined ? 0 : finite(raw.on_error.score, `${field}.on_error.score`);
  }
  return { name, verifier, service, weight, reference, paramsJson, gate, timeoutMs, onError };
}

/**
 * Validates and compiles a RewardSpec. Throws InvalidArgumentError whose message names the field
 * (`reward.components[1].weight must be a finite number, got NaN`).
 */
export function compileSpec(raw: unknown, field = 'reward'): CompiledSpec {
  if (!isObject(raw)) bad(field, `must be an object {"components": [...], "combine"?: ...}, got ${describe(raw)}`);
  for (const k of Object.keys(raw)) if (!SPEC_KEYS.has(k)) bad(`${field}.${k}`, 'is not a RewardSpec field (fields: components, combine, on_flag)');
  const comps = raw.components;
  if (!Array.isArray(comps)) bad(`${field}.components`, `must be an array of 1 to ${MAX_COMPONENTS} components, got ${describe(comps)}`);
  if (comps.length < 1 || comps.length > MAX_COMPONENTS) bad(`${field}.components`, `must hold 1 to ${MAX_COMPONENTS} components, got ${comps.length}`);
  const components = comps.map((c, i) => compileComponent(c, `${field}.components[${i}]`));
  const index = new Map<string, number>();
  components.forEach((c, i) => {
    if (index.has(c.name)) bad(`${field}.components[${i}].name`, `${JSON.stringify(c.name)} is used twice (names must be unique; the name defaults to the verifier)`);
    index.set(c.name, i);
  });

  let combine: CombineMode = 'sum';
  let formula: Expr | undefined;
  const cb = raw.combine;
  if (cb === undefined || cb === null || cb === '') combine = 'sum';
  else if (cb === 'sum' || cb === 'mean' || cb === 'min' || cb === 'product') combine = cb;
  else if (isObject(cb)) {
    for (const k of Object.keys(cb)) if (k !== 'formula') bad(`${field}.combine.${k}`, 'is not a combine field (fields: formula)');
    if (typeof cb.formula !== 'string') bad(`${field}.combine.formula`, `must be a string, got ${describe(cb.formula)}`);
    try {
      formula = bindFormula(parseFormula(cb.formula), index);
    } catch (e) {
      if (e instanceof FormulaError) {
        const hint = components.some((c) => !FORMULA_IDENT.test(c.name)) ? ' (component names used in a formula must look like identifiers: letters, digits, "_" and ".")' : '';
        bad(`${field}.combine.formula`, `is not a valid formula: ${e.message}${hint}`);
      }
      throw e;
    }
    combine = 'formula';
  } else bad(`${field}.combine`, `must be "sum", "mean", "min", "product" or {"formula": "..."}, got ${describe(cb)}`);

  const stages: number[][] = [[]];
  components.forEach((c, i) => {
    stages[stages.length - 1]!.push(i);
    if (c.gate && i < components.length - 1) stages.push([]);
  });
  const weightSum = components.reduce((a, c) => a + Math.abs(c.weight), 0);
  const { mask: onFlagMask, values: onFlagValues } = compileOnFlag(raw.on_flag, `${field}.on_flag`);
  return Object.freeze({ components, combine, formula, stages, weightSum, onFlagMask, onFlagValues });
}

/** `on_flag`: {flag: value}, every flag a known sentinel and every value finite. */
function compileOnFlag(raw: unknown, field: string): { mask: number; values: number[] } {
  const values = SENTINEL_FLAGS.map(() => Number.NaN);
  let mask = 0;
  if (raw === undefined || raw === null) return { mask, values };
  if (!isObject(raw)) bad(field, `must be an object {"flag": reward}, e.g. {"tamper": 0}, got ${describe(raw)}`);
  for (const [k, v] of Object.entries(raw)) {
    const bit = namedFlagBit(k, `${field}.${k}`);
    values[31 - Math.clz32(bit)] = finite(v, `${field}.${k}`);
    mask |= bit;
  }
  return { mask, values };
}

/** The reward on_flag sets for the raised flags (the lowest of their values), or undefined when none of them is listed. */
export function onFlagReward(spec: CompiledSpec, raised: number): number | undefined {
  const hit = raised & spec.onFlagMask;
  if (hit === 0) return undefined;
  let r = Infinity;
  for (let i = 0; i < spec.onFlagValues.length; i++) if (hit & (1 << i)) r = Math.min(r, spec.onFlagValues[i]!);
  return r;
}

/** Combines effective component scores (on_error already standing in) into one finite reward. */
export function combineScores(spec: CompiledSpec, scores: ArrayLike<number>): number {
  const cs = spec.components;
  let r: number;
  switch (spec.combine) {
    case 'sum': {
      r = 0;
      for (let i = 0; i < cs.length; i++) r += cs[i]!.weight * scores[i]!;
      break;
    }
    case 'mean': {
      let num = 0;
      for (let i = 0; i < cs.length; i++) num += cs[i]!.weight * scores[i]!;
      r = spec.weightSum === 0 ? 0 : num / spec.weightSum;
      break;
    }
    case 'min': {
      // Weights do not scale here; a weight-0 component is informational and left out (as it is in sum and mean).
      r = Infinity;
      for (let i = 0; i < cs.length; i++) if (cs[i]!.weight !== 0) r = Math.min(r, scores[i]!);
      if (r === Infinity) r = 0;
      break;
    }
    case 'product': {
      r = 1;
      let any = false;
      for (let i = 0; i < cs.length; i++) {
        if (cs[i]!.weight === 0) continue;
        r *= scores[i]!;
        any = true;
      }
      if (!any) r = 0;
      break;
    }
    case 'formula': {
      // evalFormula already maps a non-finite value to 0.
      r = evalFormula(spec.formula!, scores);
      break;
    }
  }
  return Number.isFinite(r) ? r : 0;
}

/**
 * A component's share of the reward (SPEC section 3): wᵢ·sᵢ for sum, wᵢ·sᵢ / Σ|wᵢ| for mean, null for min, product and
 * formulas (no additive share exists). `set`: the reward was set rather than combined (a gate fired, or on_flag), so
 * for sum and mean every share is 0.
 */
export function contributionOf(spec: CompiledSpec, weight: number, score: number, set: boolean): number | null {
  if (spec.combine === 'sum') return set ? 0 : weight * score;
  if (spec.combine === 'mean') return set || spec.weightSum === 0 ? 0 : (weight * score) / spec.weightSum;
  return null;
}

/** An LRU (the kit's) of compiled specs keyed by their text, so the same inline spec on 1,000 samples is validated once. */
export class SpecCache {
  private readonly lru: Lru<string, CompiledSpec | InvalidArgumentError>;
  constructor(size = 512) {
    this.lru = new Lru(size);
  }

  /** The compiled spec for `key`, built once; a spec that failed to compile is remembered and throws again. */
  get(key: string, build: () => CompiledSpec): CompiledSpec {
    let v = this.lru.get(key);
    if (v === undefined) {
      try {
        v = build();
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        v = e;
      }
      this.lru.set(key, v);
    }
    if (v instanceof InvalidArgumentError) throw v;
    return v;
  }
}

/** Keys longer than this are not cached (a spec carrying a large per-sample reference is not shared anyway). */
export const MAX_CACHE_KEY = 8192;
