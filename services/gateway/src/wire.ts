// SPEC JSON (sections 1-2) <-> proto for samples and reward specs: the one place both directions live.
import { InvalidArgumentError } from '@verimesh/kit';
import type { Component, Media, RewardSpec, RewardSpec__Output, Sample } from '@verimesh/proto';
import { namedFlagBit } from './sentinels.js';

type Obj = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidArgumentError(`${field}${key}`, `${field}${key} must be a string`);
  return v;
}

function num(o: Obj, key: string, field: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${field}${key}`, `${field}${key} must be a finite number`);
  return v;
}

function json(o: Obj, key: string, field: string, object = true): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (object && !isObject(v)) throw new InvalidArgumentError(`${field}${key}`, `${field}${key} must be a JSON object`);
  return JSON.stringify(v);
}

function componentToProto(c: unknown, i: number): Component {
  const field = `reward.components[${i}].`;
  if (!isObject(c)) throw new InvalidArgumentError(`reward.components[${i}]`, `reward.components[${i}] must be an object`);
  const out: Component = { verifier: str(c, 'verifier', field) ?? '', name: str(c, 'name', field) ?? '' };
  const weight = num(c, 'weight', field);
  if (weight !== undefined) out.weight = weight;
  out.reference_json = json(c, 'reference', field) ?? '';
  out.params_json = json(c, 'params', field) ?? '';
  if (c.gate !== undefined && c.gate !== null) {
    if (!isObject(c.gate)) throw new InvalidArgumentError(`${field}gate`, `${field}gate must be an object`);
    const min = num(c.gate, 'min', `${field}gate.`);
    if (min === undefined) throw new InvalidArgumentError(`${field}gate.min`, `${field}gate.min is required`);
    const value = num(c.gate, 'value', `${field}gate.`);
    out.gate = value === undefined ? { min } : { min, value };
  }
  const timeout = num(c, 'timeout_ms', field);
  if (timeout !== undefined) {
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 0xffffffff) throw new InvalidArgumentError(`${field}timeout_ms`, `${field}timeout_ms must be a positive integer`);
    out.timeout_ms = timeout;
  }
  if (c.on_error !== undefined && c.on_error !== null) {
    if (!isObject(c.on_error)) throw new InvalidArgumentError(`${field}on_error`, `${field}on_error must be an object`);
    out.on_error = { score: num(c.on_error, 'score', `${field}on_error.`) ?? 0 };
  }
  return out;
}

/** A JSON RewardSpec as the proto RewardSpec (the inverse of rewardSpecFromProto); type errors name the field. */
export function rewardSpecToProto(r: unknown): RewardSpec {
  if (!isObject(r)) throw new InvalidArgumentError('reward', 'reward must be an object');
  if (!Array.isArray(r.components)) throw new InvalidArgumentError('reward.components', 'reward.components must be a list');
  const out: RewardSpec = { components: r.components.map(componentToProto) };
  if (typeof r.combine === 'string') out.combine = r.combine;
  else if (isObject(r.combine) && typeof r.combine.formula === 'string') out.formula = r.combine.formula;
  else if (r.combine !== undefined && r.combine !== null) throw new InvalidArgumentError('reward.combine', 'reward.combine must be a mode name or {"formula": "..."}');
  if (r.on_flag !== undefined && r.on_flag !== null) {
    if (!isObject(r.on_flag)) throw new InvalidArgumentError('reward.on_flag', 'reward.on_flag must be an object {"flag": reward}');
    out.on_flag = {};
    for (const k of Object.keys(r.on_flag)) {
      namedFlagBit(k, `reward.on_flag.${k}`);
      const v = num(r.on_flag, k, 'reward.on_flag.');
      if (v === undefined) throw new InvalidArgumentError(`reward.on_flag.${k}`, `reward.on_flag.${k} must be a finite number`);
      out.on_flag[k] = v;
    }
  }
  return out;
}

/**
 * A JSON sample (SPEC section 1) as the proto Sample. Type errors that the proto cannot carry (a string weight,
 * a list as reference) throw InvalidArgumentError naming the field (the CLI turns that into the line's `invalid` result).
 */
export function sampleToProto(s: Obj): Sample {
  const out: Sample = { id: str(s, 'id', '') ?? '', response: str(s, 'response', '') ?? '' };
  const group = str(s, 'group', '');
  if (group !== undefined) out.group = group;
  const prompt = str(s, 'prompt', '');
  if (prompt !== undefined) out.prompt = prompt;
  const profile = str(s, 'profile', '');
  if (profile !== undefined) out.profile = profile;
  const ref = json(s, 'reference', '');
  if (ref !== undefined) out.reference_json = ref;
  if (s.reward !== undefined && s.reward !== null) out.reward = rewardSpecToProto(s.reward);
  if (s.metadata !== undefined) out.metadata_json = JSON.stringify(s.metadata);
  if (s.media !== undefined && s.media !== null) {
    if (!Array.isArray(s.media)) throw new InvalidArgumentError('media', 'media must be a list');
    out.media = s.media.map((m, i): Media => {
      if (!isObject(m)) throw new InvalidArgumentError(`media[${i}]`, `media[${i}] must be an object`);
      const f = `media[${i}].`;
      return { kind: str(m, 'kind', f) ?? '', role: str(m, 'role', f) ?? '', uri: str(m, 'uri', f) ?? '', data_b64: str(m, 'data_b64', f) ?? '', mime: str(m, 'mime', f) ?? '' };
    });
  }
  return out;
}

/** The proto RewardSpec as SPEC JSON (free-form JSON text parsed); bad JSON text is reported naming the field. */
export function rewardSpecFromProto(spec: RewardSpec__Output, field = 'reward'): unknown {
  const components = (spec.components ?? []).map((c, i) => {
    const out: Record<string, unknown> = { verifier: c.verifier };
    if (c.name) out.name = c.name;
    if (c.weight !== undefined && c.weight !== null) out.weight = c.weight;
    if (c.reference_json) out.reference = parseJsonField(c.reference_json, `${field}.components[${i}].reference_json`);
    if (c.params_json) out.params = parseJsonField(c.params_json, `${field}.components[${i}].params_json`);
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

export function parseJsonField(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(field, `${field} is not valid JSON: ${(e as Error).message}`);
  }
}
