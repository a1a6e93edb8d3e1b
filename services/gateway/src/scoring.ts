// The scoring engine: stages of components, one call per service per stage (chunked by its backend), gates, on_error, combine, one result per sample.
import { atDeadline, componentStatusOf, deadlineAfter, expired, messageOf, minDeadline, type Logger } from '@verimesh/kit';
import { componentStatusFromProto, type ComponentStatus, type ResultStatus, type ServiceName, type VerifyItem, type VerifyResult } from '@verimesh/proto';
import type { VerifierBackend } from './backends.js';
import type { GatewayMetrics } from './metrics.js';
import type { InvalidSample, PreparedSample } from './samples.js';
import { DEGENERATE, DUPLICATE_IN_GROUP, DuplicateTracker, FORMAT_FAIL_MAX, flagsOf, formatFailMax, isDegenerate, maskOf } from './sentinels.js';
import { combineScores, contributionOf, onFlagReward, type CompiledComponent, type CompiledSpec } from './spec.js';
import { traceCall } from './tracing.js';

export interface ComponentOutcome {
  readonly name: string;
  readonly verifier: string;
  /** The score that went into the reward: the verifier's for ok, the on_error stand-in otherwise, 0 for skipped. */
  readonly score: number;
  readonly status: ComponentStatus;
  readonly detail: string;
  /** Metrics as the service sent them (JSON text, '' when none): passed through, parsed only for JSON replies. */
  readonly metricsJson: string;
  readonly latencyMs: number;
  /** The component's weight in the spec. */
  readonly weight: number;
  /** Its share of the reward (SPEC section 3; contributionOf), set when the sample is final. */
  contribution: number | null;
  /** Sentinels the service raised for this component: a mask over SENTINEL_FLAGS (sentinels.ts flagsOf). */
  readonly flags: number;
}

export interface SampleOutcome {
  readonly index: number;
  readonly id: string;
  readonly group: string | undefined;
  readonly reward: number;
  readonly status: ResultStatus;
  readonly error: string | null;
  readonly components: readonly ComponentOutcome[];
  /** Sentinels raised for the sample (lifted from its components, or the gateway's own): a mask (flagsOf). */
  readonly flags: number;
  readonly metadata: unknown;
  readonly metadataJson: string;
}

export interface ScoringDeps {
  backends: ReadonlyMap<ServiceName, VerifierBackend>;
  /** Per-component deadline when the component sets no timeout_ms. */
  defaultTimeoutMs: number;
  metrics: GatewayMetrics;
  log: Logger;
}

/** How long past its deadline a backend may take to answer before the gateway stops waiting for it. */
const BACKEND_GRACE_MS = 250;

/** Keys are sample position * 32 + component index (at most 32 components), so they are unique within a call. */
const KEY_STRIDE = 32;

function outcome(c: CompiledComponent, score: number, status: ComponentStatus, detail: string, metricsJson = '', latencyMs = 0, flags = 0): ComponentOutcome {
  return { name: c.name, verifier: c.verifier, score, status, detail, metricsJson, latencyMs, weight: c.weight, contribution: null, flags };
}

/** Every component of a sample that was never run, as `status`, with reward 0 (so every share is 0 or null). */
function notRun(spec: CompiledSpec | undefined, status: ComponentStatus, detail: string, score: (c: CompiledComponent) => number): ComponentOutcome[] {
  if (!spec) return [];
  return spec.components.map((c) => {
    const o = outcome(c, score(c), status, detail);
    o.contribution = contributionOf(spec, c.weight, 0, true);
    return o;
  });
}

/** A sample that was not scored: its components (when its spec compiled) are `skipped`, so every key is present (SPEC 3). */
export function invalidOutcome(s: InvalidSample): SampleOutcome {
  const components = notRun(s.spec, 'skipped', 'not evaluated: the sample is invalid', () => 0);
  return { index: s.index, id: s.id, group: s.group, reward: 0, status: 'invalid', error: s.error, components, flags: 0, metadata: s.metadata, metadataJson: s.metadataJson };
}

/** The result of a sample whose scoring failed inside the gateway (a bug): still one result, every component `error`. */
export function internalFailure(p: PreparedSample, e: unknown): SampleOutcome {
  const error = `internal error: ${messageOf(e)}`;
  const components = notRun(p.spec, 'error', error, (c) => c.onError);
  return { index: p.index, id: p.id, group: p.group, reward: 0, status: 'partial', error, components, flags: 0, metadata: p.metadata, metadataJson: p.metadataJson };
}

interface Call {
  service: ServiceName;
  items: VerifyItem[];
  /** (sample position, component index) per item. */
  who: number[];
  /** Each item's own deadline; the call's deadline is the latest of them. */
  deadlines: number[];
  deadline: number;
}

/** A status for items the service did not score (one object shared by every item of a failed chunk). */
interface Failure {
  status: ComponentStatus;
  detail: string;
}

function failed(c: CompiledComponent, status: ComponentStatus, detail: string, latencyMs = 0): ComponentOutcome {
  return outcome(c, c.onError, status, detail, '', latencyMs);
}

/** A service's answer for one item, checked: anything malformed is status error, never a silent 0. */
function outcomeOf(c: CompiledComponent, r: VerifyResult | undefined): ComponentOutcome {
  const res = r?.result;
  if (!res) return failed(c, 'error', 'the service returned no result for this component');
  const status = componentStatusFromProto(typeof res.status === 'string' ? res.status : String(res.status));
  const detail = typeof res.detail === 'string' ? res.detail : '';
  const latency = Number(res.latency_ms ?? 0);
  const latencyMs = Number.isFinite(latency) ? latency : 0;
  const metricsJson = typeof res.metrics_json === 'string' ? res.metrics_json : '';
  const flags = Array.isArray(res.flags) ? maskOf(res.flags) : 0;
  if (status === 'skipped') return failed(c, 'error', 'the service answered "skipped", which only the gateway decides', latencyMs);
  if (status === 'ok') {
    // proto doubles arrive as numbers (or numeric strings from a lenient peer); anything else is garbage.
    const score = typeof res.score === 'number' || typeof res.score === 'string' ? Number(res.score) : Number.NaN;
    if (Number.isFinite(score)) return outcome(c, score, status, detail, metricsJson, latencyMs, flags);
    return failed(c, 'error', `the service returned a non-finite score (${String(res.score)})`, latencyMs);
  }
  return outcome(c, c.onError, status, detail || `status ${status}`, metricsJson, latencyMs, flags);
}

function sampleRefText(s: PreparedSample): string {
  if (s.refText === undefined) s.refText = s.refObj ? JSON.stringify(s.refObj) : '';
  return s.refText;
}

function itemFor(s: PreparedSample, c: CompiledComponent, key: number): VerifyItem {
  const reference_json = c.reference ? JSON.stringify(s.refObj ? { ...s.refObj, ...c.reference } : c.reference) : sampleRefText(s);
  return {
    key: String(key),
    verifier: c.verifier,
    prompt: s.prompt,
    response: s.response,
    reference_json,
    params_json: c.paramsJson,
    media: s.media,
    metadata_json: s.metadataJson,
    timeout_ms: 0,
  };
}

/**
 * Scores prepared samples: stage by stage, each stage's components grouped by service into one VerifyBatch each.
 * `onDone` gets every sample's result as soon as it is final (a failed gate finishes a sample early).
 * Never throws for a backend's failure: those become component statuses.
 * `duplicates`: what earlier calls of the same request saw (a stream's micro-batches share one); default: this call.
 */
export async function runSamples(
  deps: ScoringDeps,
  samples: readonly PreparedSample[],
  opts: { deadline: number; signal?: AbortSignal; duplicates?: DuplicateTracker },
  onDone: (r: SampleOutcome) => void,
): Promise<void> {
  const outs: ComponentOutcome[][] = samples.map((s) => new Array<ComponentOutcome>(s.spec.components.length));
  const pending = new Int32Array(samples.length);
  let live: number[] = samples.map((_, i) => i);
  const scratch = new Float64Array(32);
  // duplicate_in_group is decided in request order, before anything runs (samples finish in any order).
  const duplicates = opts.duplicates ?? new DuplicateTracker();
  const duplicate = new Uint8Array(samples.length);
  for (let pos = 0; pos < samples.length; pos++) {
    const s = samples[pos]!;
    if (s.group !== undefined && duplicates.seen(s.group, s.response)) duplicate[pos] = 1;
  }

  const finalize = (pos: number, failedGate?: number): void => {
    const s = samples[pos]!;
    const comps = s.spec.components;
    const out = outs[pos]!;
    let reward: number;
    if (failedGate !== undefined) {
      const g = comps[failedGate]!;
      const detail = `not evaluated: gate of "${g.name}" failed (${out[failedGate]!.score} < ${g.gate!.min})`;
      for (let i = failedGate + 1; i < comps.length; i++) out[i] = outcome(comps[i]!, 0, 'skipped', detail);
      reward = g.gate!.value;
    } else {
      const scores = scratch;
      for (let i = 0; i < comps.length; i++) scores[i] = out[i]!.score;
      reward = combineScores(s.spec, scores);
    }
    const flags = sentinels(deps, s, out, duplicate[pos] === 1);
    const flagged = onFlagReward(s.spec, flags);
    if (flagged !== undefined) reward = flagged;
    const set = failedGate !== undefined || flagged !== undefined;
    for (const o of out) o.contribution = contributionOf(s.spec, o.weight, o.score, set);
    let status: ResultStatus = 'ok';
    let error: string | null = null;
    for (const o of out) {
      if (o.status === 'ok' || o.status === 'skipped') continue;
      if (o.status === 'invalid') status = 'invalid';
      else if (status === 'ok') status = 'partial';
      const msg = `${o.name}: ${o.status}: ${o.detail}`;
      error = error === null ? msg : `${error}; ${msg}`;
    }
    const r: SampleOutcome = { index: s.index, id: s.id, group: s.group, reward, status, error, components: out, flags, metadata: s.metadata, metadataJson: s.metadataJson };
    onDone(r);
  };

  for (let stage = 0; live.length > 0; stage++) {
    const now = Date.now();
    const calls = new Map<ServiceName, Call>();
    for (const pos of live) {
      const s = samples[pos]!;
      const comps = s.spec.stages[stage]!;
      pending[pos] = comps.length;
      for (const ci of comps) {
        const c = s.spec.components[ci]!;
        const deadline = minDeadline(opts.deadline, deadlineAfter(c.timeoutMs ?? deps.defaultTimeoutMs, now));
        let call = calls.get(c.service);
        if (!call) {
          call = { service: c.service, items: [], who: [], deadlines: [], deadline: 0 };
          calls.set(c.service, call);
        }
        call.items.push(itemFor(s, c, pos * KEY_STRIDE + ci));
        call.who.push(pos, ci);
        call.deadlines.push(deadline);
        if (deadline > call.deadline) call.deadline = deadline;
      }
    }
    const next: number[] = [];
    const finishStage = (pos: number): void => {
      const s = samples[pos]!;
      const comps = s.spec.stages[stage]!;
      const last = comps[comps.length - 1]!;
      const c = s.spec.components[last]!;
      if (c.gate && outs[pos]![last]!.score < c.gate.min) return finalize(pos, last);
      if (stage === s.spec.stages.length - 1) return finalize(pos);
      next.push(pos);
    };
    await Promise.all(
      [...calls.values()].map((call) =>
        traceCall(call.service, stage, call.items.length, (tally) =>
          callService(deps, call, opts.signal, (k, result, failure) => {
            const pos = call.who[2 * k]!;
            const ci = call.who[2 * k + 1]!;
            const c = samples[pos]!.spec.components[ci]!;
            const o = failure ? failed(c, failure.status, failure.detail) : outcomeOf(c, result);
            outs[pos]![ci] = o;
            tally?.add(o);
            if (--pending[pos]! === 0) finishStage(pos);
          }),
        ),
      ),
    );
    live = next;
  }
}

/**
 * The sample's sentinels (SPEC 3.1, rules in sentinels.ts): its components' flags and the gateway's own, counted once
 * per result in verimesh_flags_total under the service that raised each first (`gateway` for the gateway's rules).
 */
function sentinels(deps: ScoringDeps, s: PreparedSample, out: readonly ComponentOutcome[], duplicate: boolean): number {
  let mask = 0;
  for (let i = 0; i < out.length; i++) {
    const fresh = out[i]!.flags & ~mask;
    if (fresh === 0) continue;
    for (const f of flagsOf(fresh)) deps.metrics.flags.inc2(s.spec.components[i]!.service, f);
    mask |= fresh;
  }
  let own = 0;
  if (formatFailMax(out)) own |= FORMAT_FAIL_MAX;
  if (duplicate) own |= DUPLICATE_IN_GROUP;
  if (isDegenerate(s.response)) own |= DEGENERATE;
  own &= ~mask;
  if (own !== 0) for (const f of flagsOf(own)) deps.metrics.flags.inc2('gateway', f);
  return mask | own;
}

/** Results of items[from, to) aligned with the items: as they came when in order, else matched by key (a result with a key the call did not send is ignored; a missing one stays undefined). */
function aligned(items: readonly VerifyItem[], from: number, to: number, results: readonly (VerifyResult | undefined)[]): readonly (VerifyResult | undefined)[] {
  const n = to - from;
  let inOrder = results.length === n;
  for (let k = 0; inOrder && k < n; k++) inOrder = results[k]?.key === items[from + k]!.key;
  if (inOrder) return results;
  const out: (VerifyResult | undefined)[] = new Array(n);
  const pos = new Map<string, number>();
  for (let k = 0; k < n; k++) pos.set(items[from + k]!.key!, k);
  for (const r of results) {
    const k = r && typeof r.key === 'string' ? pos.get(r.key) : undefined;
    if (k !== undefined && out[k] === undefined) out[k] = r;
  }
  return out;
}

/**
 * One service's items of a stage, through its backend (in process, or chunks over its replicas). `deliver` is called
 * exactly once per item, as its chunk answers: with the service's result, or with a Failure (service not configured,
 * the chunk failed, the deadline passed). Never throws for a backend's failure.
 */
async function callService(
  deps: ScoringDeps,
  call: Call,
  signal: AbortSignal | undefined,
  deliver: (k: number, result: VerifyResult | undefined, failure: Failure | undefined) => void,
): Promise<void> {
  const backend = deps.backends.get(call.service);
  const started = performance.now();
  const n = call.items.length;
  const observe = (outcome: string): void => deps.metrics.serviceCalls.observe([call.service, outcome], (performance.now() - started) / 1000);
  if (!backend || expired(call.deadline)) {
    const failure: Failure = backend
      ? { status: 'timeout', detail: 'the deadline passed before the call could be made' }
      : { status: 'unavailable', detail: `service "${call.service}" is not configured on this gateway (see --services / VERIMESH_SERVICES)` };
    observe(failure.status);
    for (let k = 0; k < n; k++) deliver(k, undefined, failure);
    return;
  }
  const inFlight = deps.metrics.serviceItemsInFlight;
  inFlight.add1(call.service, n);
  const done = new Uint8Array(n);
  let left = n;
  const settle = (from: number, to: number, results: readonly (VerifyResult | undefined)[] | undefined, failure: Failure | undefined): void => {
    let settled = 0;
    for (let k = from; k < to; k++) {
      if (done[k]) continue;
      done[k] = 1;
      settled++;
      deliver(k, results?.[k - from], failure);
    }
    left -= settled;
    inFlight.add1(call.service, -settled);
  };
  const failureOf = (err: unknown): Failure => {
    const status = componentStatusOf(err);
    if (status === 'error') deps.log.warn('service call failed', { service: call.service, error: messageOf(err) });
    return { status, detail: messageOf(err) };
  };
  // The backend is cancelled when the caller goes away or this call's deadline (plus a grace) has passed.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let cancelTimer: (() => void) | undefined;
  const timedOut = new Promise<void>((resolve) => {
    cancelTimer = atDeadline(call.deadline, resolve, BACKEND_GRACE_MS);
  });
  try {
    const work = backend
      .verify(call.items, { deadlines: call.deadlines, signal: controller.signal }, (from, to, outcome) => {
        if (!outcome.ok) {
          const failure = failureOf(outcome.error);
          observe(failure.status);
          return settle(from, to, undefined, failure);
        }
        if (!Array.isArray(outcome.results)) {
          observe('error');
          return settle(from, to, undefined, { status: 'error', detail: `service "${call.service}" returned a malformed reply` });
        }
        observe('ok');
        settle(from, to, aligned(call.items, from, to, outcome.results), undefined);
      })
      .catch((e: unknown) => settle(0, n, undefined, failureOf(e)));
    await Promise.race([work, timedOut]);
  } finally {
    cancelTimer?.();
    signal?.removeEventListener('abort', onAbort);
    if (left > 0) {
      observe('timeout');
      settle(0, n, undefined, { status: 'timeout', detail: `service "${call.service}" did not answer before the deadline` });
      controller.abort(new Error('the gateway stopped waiting: deadline passed'));
    }
  }
}
