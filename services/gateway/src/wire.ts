// SPEC JSON (sections 1-2) <-> proto for reward specs (samples: samples.ts, which validates first), and the depth
// limit on every free-form JSON part.
import { InvalidArgumentError } from '@verimesh/kit';
import type { Component, RewardSpec, RewardSpec__Output } from '@verimesh/proto';

type Obj = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The deepest a JSON part (reference, params, metadata; a component's reference) may nest arrays and objects (SPEC 6). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests arrays/objects deeper than `max` levels (the value itself is level 1; scalars are 0).
 * Iterative, with an explicit stack, and stops at the first path deeper than `max`: it never recurses, so no input
 * can overflow the call stack here, and the common shallow value costs one pass over its containers.
 */
export function nestsDeeper(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: object[] = [value];
  const depth: number[] = [1];
  while (stack.length) {
    const v = stack.pop()!;
    const d = depth.pop()!;
    if (d > max) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') {
          stack.push(x);
          depth.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        const x: unknown = (v as Obj)[k];
        if (x !== null && typeof x === 'object') {
          stack.push(x);
          depth.push(d + 1);
        }
      }
    }
  }
  return false;
}

/** Throws InvalidArgumentError naming `field` when `value` nests deeper than MAX_JSON_DEPTH (reason TOO_DEEP). */
export function checkDepth(value: unknown, field: string): void {
  if (nestsDeeper(value)) {
    throw new InvalidArgumentError(field, `${field} nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects (the limit for JSON parts)`, 'TOO_DEEP');
  }
}

/** JSON text from the proto (`reference_json`, `params_json`, ...) parsed; JSON.parse is iterative, so depth is checked after. */
export function parseJsonPart(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(field, `${field} is not valid JSON: ${(e as Error).message}`);
  }
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const jsonText = (v: unknown): string => (v === undefined || v === null ? '' : JSON.stringify(v));

/**
 * A RewardSpec that compileSpec accepted, as the proto RewardSpec (the inverse of rewardSpecFromProto). It converts and
 * does not check: validate first (the gateway's preflight does, so sampleToProto never sends what the gateway refuses).
 */
export function rewardSpecToProto(r: unknown): RewardSpec {
  const spec = r as Obj;
  const components = (spec.components as Obj[]).map((c): Component => {
    const out: Component = { verifier: text(c.verifier), name: text(c.name), reference_json: jsonText(c.reference), params_json: jsonText(c.params) };
    if (typeof c.weight === 'number') out.weight = c.weight;
    const gate = c.gate as Obj | undefined | null;
    if (gate) out.gate = typeof gate.value === 'number' ? { min: gate.min as number, value: gate.value } : { min: gate.min as number };
    if (typeof c.timeout_ms === 'number') out.timeout_ms = c.timeout_ms;
    const onError = c.on_error as Obj | undefined | null;
    if (onError) out.on_error = { score: typeof onError.score === 'number' ? onError.score : 0 };
    return out;
  });
  const out: RewardSpec = { components };
  if (typeof spec.combine === 'string') out.combine = spec.combine;
  else if (isObject(spec.combine)) out.formula = text(spec.combine.formula);
  // (compileSpec accepted on_flag, so its keys are sentinel names, never object internals.)
  if (isObject(spec.on_flag)) out.on_flag = { ...(spec.on_flag as Record<string, number>) };
  return out;
}

/** The proto RewardSpec as SPEC JSON (free-form JSON text parsed); bad JSON text is reported naming the field. */
export function rewardSpecFromProto(spec: RewardSpec__Output, field = 'reward'): unknown {
  const components = (spec.components ?? []).map((c, i) => {
    const out: Record<string, unknown> = { verifier: c.verifier };
    if (c.name) out.name = c.name;
    if (c.weight !== undefined && c.weight !== null) out.weight = c.weight;
    if (c.reference_json) out.reference = parseJsonPart(c.reference_json, `${field}.components[${i}].reference_json`);
    if (c.params_json) out.params = parseJsonPart(c.params_json, `${field}.components[${i}].params_json`);
    if (c.gate) out.gate = c.gate.value === undefined || c.gate.value === null ? { min: c.gate.min } : { min: c.gate.min, value: c.gate.value };
    if (c.timeout_ms !== undefined && c.timeout_ms !== null) out.timeout_ms = c.timeout_ms;
    if (c.on_error) out.on_error = { score: c.on_error.score };
    return out;
  });
  const out: Record<string, unknown> = { components };
  if (spec.formula) out.combine = { formula: spec.formula };
  else if (spec.combine) out.combine = spec.combine;
  if (spec.on_flag && Object.keys(spec.on_flag).length) out.on_flag = { ...spec.on_flag };
  return out;
}
