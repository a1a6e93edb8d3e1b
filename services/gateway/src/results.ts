// Results out of the engine as SPEC JSON (HTTP, JSONL) or proto (gRPC), and the per-group statistics of a batch.
import {
  componentStatusFromProto,
  componentStatusToProto,
  resultStatusFromProto,
  resultStatusToProto,
  type ComponentResult,
  type ComponentResultJson,
  type ComponentStatus,
  type GroupStats,
  type GroupStatsJson,
  type Result,
  type Result__Output,
  type ResultJson,
} from '@verimesh/proto';
import { invalidOutcome, type SampleOutcome } from './scoring.js';
import type { GatewayMetrics } from './metrics.js';
import { SENTINEL_FLAGS } from '@verimesh/proto';
import { flagsOf, maskOf } from './sentinels.js';
import { compileSpec } from './spec.js';
import { isObject, nestsDeeper } from './wire.js';


function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * An object keyed by user-chosen names (component names, groups): no prototype, so a name such as `__proto__` is an
 * ordinary key (and JSON.stringify writes it) instead of reaching Object.prototype.
 */
function byName<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** One component as SPEC JSON from its wire fields; metrics JSON text becomes an object (anything else is dropped). */
function componentJson(
  score: number,
  status: ComponentStatus,
  weight: number,
  contribution: number | null,
  detail: string,
  metricsJson: string,
  latencyMs: number,
  flags: number,
): ComponentResultJson {
  const o: ComponentResultJson = { score, status, weight, contribution };
  if (detail) o.detail = detail;
  if (metricsJson) {
    const m = parseOrUndefined(metricsJson);
    // (A service's metrics deeper than any JSON part may be would not serialize into the reply: dropped.)
    if (isObject(m) && !nestsDeeper(m)) o.metrics = m;
  }
  o.latency_ms = latencyMs;
  if (flags !== 0) o.flags = [...flagsOf(flags)];
  return o;
}

export function toResultJson(r: SampleOutcome): ResultJson {
  const components = byName<ComponentResultJson>();
  for (const c of r.components) components[c.name] = componentJson(c.score, c.status, c.weight, c.contribution, c.detail, c.metricsJson, c.latencyMs, c.flags);
  const out: ResultJson = { id: r.id, reward: r.reward, status: r.status, error: r.error, components, flags: [...flagsOf(r.flags)] };
  if (r.metadata !== undefined) out.metadata = r.metadata;
  else if (r.metadataJson) out.metadata = parseOrUndefined(r.metadataJson);
  return out;
}

/**
 * The `invalid` result of a sample rejected before it reached a gateway (the CLI's unusable lines): when the sample's
 * inline `reward` compiles, every component key is present (SPEC section 3), as the gateway's own invalid results have.
 */
export function invalidResultJson(id: string, error: string, reward?: unknown): ResultJson {
  let spec;
  try {
    spec = reward === undefined || reward === null ? undefined : compileSpec(reward);
  } catch {
    spec = undefined;
  }
  return toResultJson(invalidOutcome({ ok: false, index: 0, id, group: undefined, metadata: undefined, metadataJson: '', error, spec }));
}

/** A proto Result (what a remote gateway sends) as the SPEC JSON result; an empty error becomes null. */
export function resultFromProto(r: Result__Output): ResultJson {
  const components = byName<ComponentResultJson>();
  for (const c of r.components ?? []) {
    const contribution = c.contribution === undefined || c.contribution === null ? null : Number(c.contribution);
    components[c.name] = componentJson(c.score, componentStatusFromProto(c.status), Number(c.weight ?? 0), contribution, c.detail, c.metrics_json, c.latency_ms, maskOf(c.flags));
  }
  const flags = [...flagsOf(maskOf(r.flags))];
  const out: ResultJson = { id: r.id, reward: r.reward, status: resultStatusFromProto(r.status), error: r.error || null, components, flags };
  if (r.metadata_json) out.metadata = parseOrUndefined(r.metadata_json);
  return out;
}

export function toResultProto(r: SampleOutcome): Result {
  return {
    id: r.id,
    reward: r.reward,
    status: resultStatusToProto(r.status) as Result['status'],
    error: r.error ?? '',
    // One object shape for every component; absent parts are undefined (the encoder then allocates nothing for them).
    components: r.components.map(
      (c): ComponentResult => ({
        name: c.name,
        score: c.score,
        status: componentStatusToProto(c.status) as ComponentResult['status'],
        detail: c.detail,
        metrics_json: c.metricsJson,
        latency_ms: c.latencyMs,
        flags: c.flags === 0 ? undefined : (flagsOf(c.flags) as string[]),
        weight: c.weight,
        contribution: c.contribution ?? undefined,
      }),
    ),
    metadata_json: r.metadataJson,
    flags: r.flags === 0 ? undefined : (flagsOf(r.flags) as string[]),
  };
}

/** Rewards closer than this count as equal for `all_equal` (they come from the same arithmetic, so equal ones are identical). */
export const ALL_EQUAL_TOLERANCE = 1e-12;

/**
 * Statistics per `group` over every sample of the batch that names it (invalid samples included, with their reward 0,
 * since that is the reward the trainer receives). `std` is the population standard deviation (divide by n), two-pass.
 * With `metrics`, each group is counted in verimesh_gateway_groups_total{all_equal} (a reply's groups, once).
 */
export function groupStats(results: readonly SampleOutcome[], metrics?: GatewayMetrics): Record<string, GroupStatsJson> {
  const by = new Map<string, { rewards: number[]; flags: number[] }>();
  for (const r of results) {
    if (r.group === undefined) continue;
    let g = by.get(r.group);
    if (!g) by.set(r.group, (g = { rewards: [], flags: [] }));
    g.rewards.push(r.reward);
    if (r.flags !== 0) g.flags.push(r.flags);
  }
  const out = byName<GroupStatsJson>();
  for (const [g, { rewards: xs, flags: masks }] of by) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const x of xs) {
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = sum / xs.length;
    let ss = 0;
    for (const x of xs) ss += (x - mean) * (x - mean);
    const allEqual = max - min <= ALL_EQUAL_TOLERANCE;
    out[g] = { count: xs.length, mean, std: Math.sqrt(ss / xs.length), min, max, all_equal: allEqual, flags: flagCounts(masks) };
    metrics?.groups.inc1(allEqual ? 'true' : 'false');
  }
  return out;
}

/** Flag name -> how many of the masks have it, names sorted, only those raised. */
function flagCounts(masks: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (masks.length === 0) return out;
  let any = 0;
  for (const m of masks) any |= m;
  for (const f of flagsOf(any)) {
    const bit = 1 << SENTINEL_FLAGS.indexOf(f);
    let n = 0;
    for (const m of masks) if (m & bit) n++;
    out[f] = n;
  }
  return out;
}

export function groupStatsProto(stats: Record<string, GroupStatsJson>): GroupStats[] {
  return Object.entries(stats).map(([group, s]) => ({ group, ...s }));
}
