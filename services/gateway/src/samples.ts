// Validates one sample (SPEC section 1), from JSON or from proto, into what the engine scores, or into a per-sample `invalid`.
import { InvalidArgumentError, messageOf } from '@verimesh/kit';
import type { Media, Sample__Output } from '@verimesh/proto';
import { MAX_CACHE_KEY, compileSpec, type CompiledSpec, type SpecCache } from './spec.js';
import { isObject, parseJsonField, rewardSpecFromProto } from './wire.js';

/** The largest `response` scored (UTF-8 bytes); a longer one makes that sample `invalid`. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** What every result echoes, whether the sample was scored or not. */
export interface SampleEcho {
  /** Position in the request (or the stream). */
  readonly index: number;
  readonly id: string;
  readonly group: string | undefined;
  /** Metadata as given (JSON path) or undefined (proto path, where only metadataJson is kept). */
  readonly metadata: unknown;
  /** Metadata as JSON text ('' when absent). */
  readonly metadataJson: string;
}

export interface PreparedSample extends SampleEcho {
  readonly ok: true;
  readonly prompt: string;
  readonly response: string;
  /** The sample's reference as JSON text ('' when absent) and as an object (when absent: undefined). */
  refText: string | undefined;
  readonly refObj: Record<string, unknown> | undefined;
  readonly media: Media[];
  readonly spec: CompiledSpec;
}

export interface InvalidSample extends SampleEcho {
  readonly ok: false;
  readonly error: string;
  /** The sample's spec when it compiled (another field was wrong): its result still lists every component (SPEC 3). */
  readonly spec?: CompiledSpec;
}

/** The spec of a sample found invalid, if it has a usable one; never throws. */
function specIfAny(compile: () => CompiledSpec | undefined): CompiledSpec | undefined {
  try {
    return compile();
  } catch {
    return undefined;
  }
}

export interface PrepareContext {
  profiles: ReadonlyMap<string, CompiledSpec>;
  cache: SpecCache;
  /** The last proto spec compiled: samples of a batch usually share one, and comparing fields beats hashing a key. */
  lastProto?: { reward: NonNullable<Sample__Output['reward']>; spec: CompiledSpec };
  /** The last reference_json parsed: rollouts of one prompt (a GRPO group) arrive together and share it. Never mutated. */
  lastRef?: { text: string; obj: Record<string, unknown> };
}


function responseTooLarge(r: string): boolean {
  // UTF-8 takes at least one byte per UTF-16 unit and at most three: count bytes only when it can matter.
  if (r.length > MAX_RESPONSE_BYTES) return true;
  return r.length * 3 > MAX_RESPONSE_BYTES && Buffer.byteLength(r, 'utf8') > MAX_RESPONSE_BYTES;
}

function mediaFromJson(raw: unknown): Media[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InvalidArgumentError('media', 'media must be an array of {kind, role?, uri? | data_b64?, mime?}');
  return raw.map((m, i) => {
    const f = `media[${i}]`;
    if (!isObject(m)) throw new InvalidArgumentError(f, `${f} must be an object`);
    if (m.kind !== 'image' && m.kind !== 'video') throw new InvalidArgumentError(`${f}.kind`, `${f}.kind must be "image" or "video"`);
    if (m.role !== undefined && m.role !== null && m.role !== 'input' && m.role !== 'output') {
      throw new InvalidArgumentError(`${f}.role`, `${f}.role must be "input" or "output"`);
    }
    for (const k of ['uri', 'data_b64', 'mime'] as const) {
      if (m[k] !== undefined && m[k] !== null && typeof m[k] !== 'string') throw new InvalidArgumentError(`${f}.${k}`, `${f}.${k} must be a string`);
    }
    const out: Media = { kind: m.kind, role: typeof m.role === 'string' ? m.role : 'input' };
    if (typeof m.uri === 'string') out.uri = m.uri;
    if (typeof m.data_b64 === 'string') out.data_b64 = m.data_b64;
    if (typeof m.mime === 'string') out.mime = m.mime;
    return out;
  });
}

/**
 * The profile's spec when the sample names one, undefined when it carries its own `reward`; throws for both, neither,
 * or an unknown profile. (No callbacks: this runs once per sample on the hot path.)
 */
function profileSpec(reward: unknown, profile: unknown, ctx: PrepareContext): CompiledSpec | undefined {
  const hasReward = reward !== undefined && reward !== null;
  const hasProfile = profile !== undefined && profile !== null && profile !== '';
  if (hasReward && hasProfile) throw new InvalidArgumentError('reward', 'reward and profile: give one of them, not both');
  if (hasProfile) {
    if (typeof profile !== 'string') throw new InvalidArgumentError('profile', 'profile must be a string');
    const p = ctx.profiles.get(profile);
    if (!p) {
      const known = [...ctx.profiles.keys()];
      throw new InvalidArgumentError('profile', `profile: unknown profile ${JSON.stringify(profile)} (${known.length ? `known: ${known.join(', ')}` : 'the gateway has no profiles configured'})`);
    }
    return p;
  }
  if (!hasReward) throw new InvalidArgumentError('reward', 'reward is required (a RewardSpec), or profile (the name of a configured profile)');
  return undefined;
}

function jsonSpec(reward: unknown, ctx: PrepareContext): CompiledSpec {
  const key = JSON.stringify(reward);
  return key.length <= MAX_CACHE_KEY ? ctx.cache.get(key, () => compileSpec(reward)) : compileSpec(reward);
}

function protoSpec(reward: NonNullable<Sample__Output['reward']>, ctx: PrepareContext): CompiledSpec {
  const last = ctx.lastProto;
  if (last && sameProtoSpec(last.reward, reward)) return last.spec;
  const key = protoSpecKey(reward);
  const build = (): CompiledSpec => compileSpec(rewardSpecFromProto(reward));
  const spec = key.length <= MAX_CACHE_KEY ? ctx.cache.get(key, build) : build();
  ctx.lastProto = { reward, spec };
  return spec;
}

/**
 * Validates one SPEC-JSON sample. `id` must already be known to be a string (the request-level check);
 * anything else wrong makes the sample `invalid` with a message naming the field.
 */
/** What is wrong with a sample id that is not a non-empty string: missing, or present with another type (a number is not an id). */
export function idError(id: unknown): string {
  if (id === undefined || id === null || id === '') return 'id is required (a non-empty string)';
  const kind = Array.isArray(id) ? 'an array' : typeof id === 'object' ? 'an object' : `a ${typeof id}`;
  return `id must be a string, got ${kind}`;
}

export function prepareJsonSample(raw: Record<string, unknown>, index: number, ctx: PrepareContext): PreparedSample | InvalidSample {
  const id = typeof raw.id === 'string' ? raw.id : '';
  const group = typeof raw.group === 'string' && raw.group !== '' ? raw.group : undefined;
  const metadata = raw.metadata;
  let metadataJson = '';
  try {
    if (metadata !== undefined) metadataJson = JSON.stringify(metadata) ?? '';
    if (typeof raw.id !== 'string' || raw.id === '') throw new InvalidArgumentError('id', idError(raw.id));
    if (raw.group !== undefined && raw.group !== null && typeof raw.group !== 'string') throw new InvalidArgumentError('group', 'group must be a string');
    const response = raw.response;
    if (typeof response !== 'string') throw new InvalidArgumentError('response', 'response is required (a string)');
    if (responseTooLarge(response)) throw new InvalidArgumentError('response', `response is larger than ${MAX_RESPONSE_BYTES} bytes (10 MiB)`);
    const prompt = raw.prompt ?? '';
    if (typeof prompt !== 'string') throw new InvalidArgumentError('prompt', 'prompt must be a string');
    let refObj: Record<string, unknown> | undefined;
    if (raw.reference !== undefined && raw.reference !== null) {
      if (!isObject(raw.reference)) throw new InvalidArgumentError('reference', 'reference must be an object');
      refObj = raw.reference;
    }
    const media = mediaFromJson(raw.media);
    const spec = profileSpec(raw.reward, raw.profile, ctx) ?? jsonSpec(raw.reward, ctx);
    return { ok: true, index, id, group, metadata, metadataJson, prompt, response, refText: undefined, refObj, media, spec };
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    const spec = specIfAny(() => profileSpec(raw.reward, raw.profile, ctx) ?? jsonSpec(raw.reward, ctx));
    return { ok: false, index, id, group, metadata, metadataJson, error: e.message, spec };
  }
}

function sameProtoSpec(a: NonNullable<Sample__Output['reward']>, b: NonNullable<Sample__Output['reward']>): boolean {
  if (a === b) return true;
  if (a.combine !== b.combine || a.formula !== b.formula || !sameOnFlag(a, b)) return false;
  const ca = a.components ?? [];
  const cb = b.components ?? [];
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (
      x.name !== y.name ||
      x.verifier !== y.verifier ||
      x.weight !== y.weight ||
      x.reference_json !== y.reference_json ||
      x.params_json !== y.params_json ||
      x.timeout_ms !== y.timeout_ms ||
      (x.gate ? !y.gate || x.gate.min !== y.gate.min || x.gate.value !== y.gate.value : !!y.gate) ||
      (x.on_error ? !y.on_error || x.on_error.score !== y.on_error.score : !!y.on_error)
    ) {
      return false;
    }
  }
  return true;
}

/** The same on_flag maps (no allocation: this runs per sample). */
function sameOnFlag(a: NonNullable<Sample__Output['reward']>, b: NonNullable<Sample__Output['reward']>): boolean {
  const x = a.on_flag ?? {};
  const y = b.on_flag ?? {};
  let n = 0;
  for (const k in x) {
    if (x[k] !== y[k]) return false;
    n++;
  }
  for (const _ in y) n--;
  return n === 0;
}

/** A proto spec's on_flag map as text ('' when empty): part of what makes two specs the same. */
function onFlagKey(s: NonNullable<Sample__Output['reward']>): string {
  const m = s.on_flag;
  if (!m) return '';
  let k = '';
  for (const f of Object.keys(m)) k += `${f}=${m[f]},`;
  return k;
}

function protoSpecKey(s: NonNullable<Sample__Output['reward']>): string {
  let k = `\u0000proto\u0001${s.combine}\u0001${s.formula}\u0001${onFlagKey(s)}`;
  for (const c of s.components ?? []) {
    k += `\u0001${c.name}\u0002${c.verifier}\u0002${c.weight}\u0002${c.reference_json}\u0002${c.params_json}\u0002${c.gate ? `${c.gate.min},${c.gate.value}` : ''}\u0002${c.timeout_ms}\u0002${c.on_error ? c.on_error.score : ''}`;
  }
  return k;
}

/** Validates one proto sample; the reference and metadata JSON texts are kept as they came (no re-serialization). */
export function prepareProtoSample(s: Sample__Output, index: number, ctx: PrepareContext): PreparedSample | InvalidSample {
  const id = s.id ?? '';
  const group = s.group ? s.group : undefined;
  const metadataJson = s.metadata_json ?? '';
  try {
    if (!id) throw new InvalidArgumentError('id', 'id is required (a non-empty string)');
    const response = s.response ?? '';
    if (responseTooLarge(response)) throw new InvalidArgumentError('response', `response is larger than ${MAX_RESPONSE_BYTES} bytes (10 MiB)`);
    if (metadataJson) parseJsonField(metadataJson, 'metadata_json');
    let refObj: Record<string, unknown> | undefined;
    const refText = s.reference_json ?? '';
    if (refText) {
      if (ctx.lastRef?.text === refText) refObj = ctx.lastRef.obj;
      else {
        const r = parseJsonField(refText, 'reference_json');
        if (!isObject(r)) throw new InvalidArgumentError('reference_json', 'reference_json must be a JSON object');
        refObj = r;
        ctx.lastRef = { text: refText, obj: r };
      }
    }
    for (let i = 0; i < (s.media ?? []).length; i++) {
      const m = s.media[i]!;
      if (m.kind !== 'image' && m.kind !== 'video') throw new InvalidArgumentError(`media[${i}].kind`, `media[${i}].kind must be "image" or "video"`);
    }
    const spec = profileSpec(s.reward ?? undefined, s.profile, ctx) ?? protoSpec(s.reward!, ctx);
    return { ok: true, index, id, group, metadata: undefined, metadataJson, prompt: s.prompt ?? '', response, refText: refObj ? refText : '', refObj, media: s.media ?? [], spec };
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    const spec = specIfAny(() => profileSpec(s.reward ?? undefined, s.profile, ctx) ?? protoSpec(s.reward!, ctx));
    return { ok: false, index, id, group, metadata: undefined, metadataJson, error: messageOf(e), spec };
  }
}
