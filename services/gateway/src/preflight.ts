// The CLI's --gateway door: a SPEC JSON sample checked by the gateway's own validator before it is sent as proto.
import { InvalidArgumentError } from '@verimesh/kit';
import type { ResultJson, Sample } from '@verimesh/proto';
import { invalidOutcome } from './scoring.js';
import { toResultJson } from './results.js';
import { REMOTE_PROFILE, prepareSample, type PrepareContext } from './samples.js';
import { SpecCache } from './spec.js';
import { rewardSpecToProto } from './wire.js';

const preflightContext: PrepareContext = { profiles: undefined, cache: new SpecCache(64) };

/**
 * The CLI's --gateway mode: the gateway's own verdict on a SPEC JSON sample, reached before it is sent, since the proto
 * cannot carry every malformed value. Returns the proto Sample to send, or the `invalid` result the gateway would give
 * (the same validator, the same message). Profiles are left to the remote gateway.
 */
export function preflight(raw: unknown, ctx: PrepareContext = preflightContext): { ok: true; sample: Sample } | { ok: false; result: ResultJson } {
  const p = prepareSample('json', raw, 0, ctx);
  if (!p.ok) return { ok: false, result: toResultJson(invalidOutcome(p.spec === REMOTE_PROFILE ? { ...p, spec: undefined } : p)) };
  const s = raw as Record<string, unknown>;
  const out: Sample = { id: p.id, response: p.response };
  if (p.group !== undefined) out.group = p.group;
  if (p.prompt) out.prompt = p.prompt;
  if (typeof s.profile === 'string' && s.profile !== '') out.profile = s.profile;
  if (p.refObj) out.reference_json = JSON.stringify(p.refObj);
  if (s.reward !== undefined && s.reward !== null) out.reward = rewardSpecToProto(s.reward);
  if (p.metadataJson) out.metadata_json = p.metadataJson;
  if (p.media.length) out.media = p.media;
  return { ok: true, sample: out };
}

/** A SPEC JSON sample as the proto Sample; throws InvalidArgumentError with the gateway's own message when it is not valid. */
export function sampleToProto(raw: Record<string, unknown>): Sample {
  const r = preflight(raw);
  if (!r.ok) throw new InvalidArgumentError('', r.result.error ?? 'invalid sample');
  return r.sample;
}
