// THE sample validator (SPEC sections 1 and 6), for every door: HTTP and the library (SPEC JSON), gRPC Score and
// ScoreStream (proto), the embedded CLI, and the CLI's --gateway mode before it sends (preflight). One function checks
// both shapes in the same order with the same messages, so a sample gets the same verdict whichever door it entered.
import { InvalidArgumentError, messageOf } from '@verimesh/kit';
import { readMedia, type MediaJson, type Sample__Output } from '@verimesh/proto';
import { MAX_CACHE_KEY, compileSpec, type CompiledSpec, type SpecCache } from './spec.js';
import { MAX_JSON_DEPTH, checkDepth, isObject, nestsDeeper, parseJsonPart, rewardSpecFromProto } from './wire.js';

/** The largest `response` scored (UTF-8 bytes); a longer one makes that sample `invalid`. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** The shape a sample arrives in: SPEC JSON (HTTP, the library, JSONL) or proto (gRPC Score, ScoreStream). */
export type Door = 'json' | 'proto';

/** What every result echoes, whether the sample was scored or not. */
export interface SampleEcho {
  /** Position in the request (or the stream). */
  readonly index: number;
  readonly id: string;
  readonly group: string | undefined;
  /** Metadata as given (JSON door) or undefined (proto door, where only metadataJson is kept). Not echoed when it is itself the problem. */
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
  readonly media: MediaJson[];
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
  /**
   * The gateway's profiles. Undefined in preflight (the CLI's --gateway mode): the gateway the sample goes to knows
   * its own profiles, so any name passes here and that gateway decides.
   */
  profiles: ReadonlyMap<string, CompiledSpec> | undefined;
  cache: SpecCache;
  /** The last proto spec compiled: samples of a batch usually share one, and comparing fields beats hashing a key. */
  lastProto?: { reward: NonNullable<Sample__Output['reward']>; spec: CompiledSpec };
  /** The last reference_json parsed: rollouts of one prompt (a GRPO group) arrive together and share it. Never mutated. */
  lastRef?: { text: string; obj: Record<string, unknown> };
}

/** Why a sample's `id` is unusable (`is required …`, `must be a string, got the number 7`), or undefined when it is fine. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id === 'string') return id === '' ? 'is required (a non-empty string)' : undefined;
  if (id === undefined || id === null) return 'is required (a non-empty string)';
  return `must be a string, got ${Array.isArray(id) ? 'an array' : typeof id === 'object' ? 'an object' : `the ${typeof id} ${String(id)}`}`;
}

function responseTooLarge(r: string): boolean {
  // UTF-8 takes at least one byte per UTF-16 unit and at most three: count bytes only when it can matter.
  if (r.length > MAX_RESPONSE_BYTES) return true;
  return r.length * 3 > MAX_RESPONSE_BYTES && Buffer.byteLength(r, 'utf8') > MAX_RESPONSE_BYTES;
}

/** A spec that stands for a profile the remote gateway resolves (preflight only; never scored). */
export const REMOTE_PROFILE: CompiledSpec = Object.freeze({ ...compileSpec({ components: [{ verifier: 'text.exact' }] }), components: [], stages: [] });

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
    if (!ctx.profiles) return REMOTE_PROFILE;
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

/** Levels a component's params or reference sit below its RewardSpec (reward, components, component). */
const SPEC_PART_LEVEL = 3;

function jsonSpec(reward: unknown, ctx: PrepareContext): CompiledSpec {
  // The cache key is the spec's text. A spec deeper than its parts may be cannot be keyed (nor serialized): it is
  // compiled as it is, and compileSpec names the part that nests too deep.
  if (nestsDeeper(reward, MAX_JSON_DEPTH + SPEC_PART_LEVEL)) {
    compileSpec(reward);
    throw new InvalidArgumentError('reward', `reward nests deeper than ${MAX_JSON_DEPTH + SPEC_PART_LEVEL} levels`, 'TOO_DEEP');
  }
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

function sampleSpec(door: Door, s: Record<string, unknown>, ctx: PrepareContext): CompiledSpec {
  const reward = s.reward ?? undefined;
  return profileSpec(reward, s.profile, ctx) ?? (door === 'json' ? jsonSpec(reward, ctx) : protoSpec(reward as NonNullable<Sample__Output['reward']>, ctx));
}

/** Metadata as [echoed value, JSON text]: any JSON value, at most MAX_JSON_DEPTH deep. */
function metadataOf(door: Door, s: Record<string, unknown>): [unknown, string] {
  if (door === 'proto') {
    const text = (s.metadata_json as string | undefined) ?? '';
    if (text) checkDepth(parseJsonPart(text, 'metadata_json'), 'metadata');
    return [undefined, text];
  }
  const m = s.metadata;
  if (m === undefined) return [undefined, ''];
  checkDepth(m, 'metadata');
  return [m, JSON.stringify(m)];
}

/** The reference as [object, JSON text when it came as text]; proto texts shared by consecutive samples are parsed once. */
function referenceOf(door: Door, s: Record<string, unknown>, ctx: PrepareContext): [Record<string, unknown> | undefined, string | undefined] {
  let ref: unknown;
  if (door === 'proto') {
    const text = (s.reference_json as string | undefined) ?? '';
    if (!text) return [undefined, ''];
    if (ctx.lastRef?.text === text) return [ctx.lastRef.obj, text];
    ref = parseJsonPart(text, 'reference_json');
  } else {
    ref = s.reference;
    if (ref === undefined || ref === null) return [undefined, undefined];
  }
  if (!isObject(ref)) throw new InvalidArgumentError('reference', 'reference must be an object');
  checkDepth(ref, 'reference');
  if (door === 'json') return [ref, undefined];
  ctx.lastRef = { text: s.reference_json as string, obj: ref };
  return [ref, s.reference_json as string];
}

function validate(door: Door, raw: unknown, index: number, ctx: PrepareContext): PreparedSample | InvalidSample {
  if (!isObject(raw)) return { ok: false, index, id: '', group: undefined, metadata: undefined, metadataJson: '', error: 'sample must be a JSON object' };
  // A proto Sample__Output is a plain object with the SPEC's names, except reference_json, metadata_json and a proto reward.
  const s = raw;
  const id = typeof s.id === 'string' ? s.id : '';
  const group = typeof s.group === 'string' && s.group !== '' ? s.group : undefined;
  let metadata: unknown;
  let metadataJson = '';
  let spec: CompiledSpec | undefined;
  try {
    const idBad = idProblem(s.id);
    if (idBad) throw new InvalidArgumentError('id', `id ${idBad}`);
    [metadata, metadataJson] = metadataOf(door, s);
    if (s.group !== undefined && s.group !== null && typeof s.group !== 'string') throw new InvalidArgumentError('group', 'group must be a string');
    const response = s.response;
    if (typeof response !== 'string') throw new InvalidArgumentError('response', 'response is required (a string)');
    if (responseTooLarge(response)) throw new InvalidArgumentError('response', `response is larger than ${MAX_RESPONSE_BYTES} bytes (10 MiB)`);
    const prompt = s.prompt ?? '';
    if (typeof prompt !== 'string') throw new InvalidArgumentError('prompt', 'prompt must be a string');
    const [refObj, refText] = referenceOf(door, s, ctx);
    const media = readMedia(s.media);
    if (!media.ok) throw new InvalidArgumentError(media.field, media.message);
    spec = sampleSpec(door, s, ctx);
    return { ok: true, index, id, group, metadata, metadataJson, prompt, response, refText, refObj, media: media.media, spec };
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    spec ??= specIfAny(() => sampleSpec(door, s, ctx));
    return { ok: false, index, id, group, metadata, metadataJson, error: e.message, spec };
  }
}

/**
 * Validates one sample from either door into what the engine scores, or into a per-sample `invalid` whose message
 * names the field. Never throws: a failure of the validation itself (a bug) is that sample's `invalid` result too,
 * so one sample can never sink its batch or stop a stream, and an admission slot never waits for a result that
 * will not come.
 */
export function prepareSample(door: Door, raw: unknown, index: number, ctx: PrepareContext): PreparedSample | InvalidSample {
  try {
    return validate(door, raw, index, ctx);
  } catch (e) {
    const id = isObject(raw) && typeof raw.id === 'string' ? raw.id : '';
    return { ok: false, index, id, group: undefined, metadata: undefined, metadataJson: '', error: `the sample could not be validated (internal error: ${messageOf(e)})` };
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
