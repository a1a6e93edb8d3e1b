// The Gateway: validates requests, admits them, runs the engine, and answers in SPEC JSON or proto; also the streaming path.
import { Admission, InvalidArgumentError, messageOf, noopLogger, type Logger } from '@verimesh/kit';
import {
  CATALOGUE,
  type GroupStatsJson,
  type ResultJson,
  type RewardSpecJson,
  type Sample__Output,
  type ServiceName,
  type VerifierInfo,
} from '@verimesh/proto';
import { inProcessBackend, type VerifierBackend } from './backends.js';
import { internalFailure, invalidOutcome, runSamples, type ScoringDeps, type SampleOutcome } from './scoring.js';
import { GatewayMetrics } from './metrics.js';
import { groupStats, toResultJson } from './results.js';
import { idProblem, prepareSample, type PrepareContext, type PreparedSample } from './samples.js';
import { SpecCache, compileSpec, type CompiledSpec } from './spec.js';
import { DuplicateTracker } from './sentinels.js';
import { streamTally, traceResults } from './tracing.js';
import { createTextService } from './text-service.js';
import { isObject } from './wire.js';

/** The documented maximum of samples per request (PLAN D4); a request with more is refused as a whole (INVALID_ARGUMENT). */
export const MAX_SAMPLES_PER_REQUEST = 100_000;
/**
 * Samples admitted at once by default: the documented maximum request, so an idle gateway admits any request within
 * the documented limit (SPEC 6). Measured: one 100,000-sample request of three components peaks at about 1 GB of RSS
 * (it needs a V8 old space of more than 512 MB; bench/RESULTS.md, gateway section).
 */
export const DEFAULT_MAX_IN_FLIGHT = MAX_SAMPLES_PER_REQUEST;
/** Streaming: the largest micro-batch, and how many micro-batches run at once. */
const STREAM_MAX_BATCH = 1024;
const STREAM_MAX_ACTIVE = 4;

export interface GatewayOptions {
  backends: Partial<Record<ServiceName, VerifierBackend>>;
  profiles?: Record<string, RewardSpecJson>;
  /** Per-component deadline when a component sets no timeout_ms (default 30,000 ms). */
  defaultTimeoutMs?: number;
  /**
   * Samples admitted at once across all calls and streams (default DEFAULT_MAX_IN_FLIGHT); beyond it RESOURCE_EXHAUSTED.
   * It also bounds one request: a request larger than this could never be admitted, so it is INVALID_ARGUMENT.
   */
  maxInFlight?: number;
  log?: Logger;
}

export interface ScoreOptions {
  /** Absolute deadline of the whole call (ms since epoch). */
  deadline?: number;
  signal?: AbortSignal;
}

type Input = { kind: 'json'; samples: unknown[] } | { kind: 'proto'; samples: Sample__Output[] };

const NO_LABELS: readonly string[] = [];

export class Gateway {
  readonly metrics = new GatewayMetrics();
  private readonly backends = new Map<ServiceName, VerifierBackend>();
  private readonly ctx: PrepareContext;
  private readonly admission: Admission;
  private readonly deps: ScoringDeps;
  private readonly log: Logger;

  constructor(opts: GatewayOptions) {
    this.log = opts.log ?? noopLogger;
    for (const [name, b] of Object.entries(opts.backends)) if (b) this.backends.set(name as ServiceName, b);
    // The built-in text verifiers run in process through the kit's runBatch, like every other in-process service.
    if (!this.backends.has('gateway')) this.backends.set('gateway', inProcessBackend(createTextService(), this.log));
    const profiles = new Map<string, CompiledSpec>();
    for (const [name, spec] of Object.entries(opts.profiles ?? {})) profiles.set(name, compileSpec(spec, `profiles.${name}`));
    this.ctx = { profiles, cache: new SpecCache() };
    this.admission = new Admission(opts.maxInFlight || DEFAULT_MAX_IN_FLIGHT);
    this.deps = { backends: this.backends, defaultTimeoutMs: opts.defaultTimeoutMs ?? 30_000, metrics: this.metrics, log: this.log };
    this.metrics.collectFrom(() => this.admission.current, this.backends);
  }

  /** Scores a batch: exactly one result per sample, in request order, plus statistics per group. */
  async score(samples: unknown[], opts: ScoreOptions = {}): Promise<{ results: ResultJson[]; groups: Record<string, GroupStatsJson> }> {
    const results = await this.scoreOutcomes({ kind: 'json', samples }, opts);
    return { results: results.map(toResultJson), groups: groupStats(results, this.metrics) };
  }

  /**
   * The batch path behind score() and the gRPC Score handler. Throws InvalidArgumentError for request-level problems
   * (not an array, empty, too many, a sample without an id) and ResourceExhaustedError when over the in-flight limit.
   * @internal
   */
  async scoreOutcomes(input: Input, opts: ScoreOptions = {}): Promise<SampleOutcome[]> {
    const samples = input.samples;
    if (!Array.isArray(samples)) throw new InvalidArgumentError('samples', 'samples must be an array of samples');
    if (samples.length === 0) throw new InvalidArgumentError('samples', 'samples must not be empty');
    // PLAN D4: what an idle gateway could never admit is the request's fault (never a "retry" that cannot succeed).
    const most = Math.min(MAX_SAMPLES_PER_REQUEST, this.admission.limit);
    if (samples.length > most) {
      const why = most === MAX_SAMPLES_PER_REQUEST ? 'the documented maximum' : 'this gateway\'s --max-in-flight';
      throw new InvalidArgumentError('samples', `samples holds ${samples.length} samples; at most ${most} per request (${why}): split it`, 'TOO_MANY_SAMPLES');
    }
    const ids = new Map<string, number>();
    const dup: (number | undefined)[] = new Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      const id = isObject(s) ? s.id : undefined;
      // SPEC section 6: a sample without an id is a malformed request (its result could not be told apart).
      const bad = idProblem(id);
      if (bad !== undefined) throw new InvalidArgumentError(`samples[${i}].id`, `samples[${i}].id ${bad}${isObject(s) ? '' : '; the sample is not an object'}`);
      const first = ids.get(id as string);
      if (first === undefined) ids.set(id as string, i);
      else dup[i] = first;
    }
    this.admission.acquire(samples.length);
    const t0 = performance.now();
    try {
      const results: SampleOutcome[] = new Array(samples.length);
      const prepared: PreparedSample[] = [];
      for (let i = 0; i < samples.length; i++) {
        const p = prepareSample(input.kind, samples[i], i, this.ctx);
        if (dup[i] !== undefined) {
          const error = `id: ${JSON.stringify(p.id)} duplicates samples[${dup[i]}].id (ids must be unique within a request)`;
          results[i] = this.record(invalidOutcome({ ...p, ok: false, error }));
        } else if (!p.ok) results[i] = this.record(invalidOutcome(p));
        else prepared.push(p);
      }
      if (prepared.length) {
        try {
          await runSamples(this.deps, prepared, { deadline: opts.deadline ?? Infinity, signal: opts.signal }, (r) => {
            results[r.index] = this.record(r);
          });
        } catch (e) {
          // The engine turns backend failures into statuses; reaching here is a bug, and still every sample gets a result.
          this.log.error('scoring failed', { error: messageOf(e) });
          for (const p of prepared) results[p.index] ??= this.record(internalFailure(p, e));
        }
      }
      traceResults(results);
      return results;
    } finally {
      this.admission.release(samples.length);
      this.metrics.requestSeconds.observe([input.kind], (performance.now() - t0) / 1000);
    }
  }

  /**
   * Scores samples as they arrive and yields each result as soon as it is final. What has arrived is micro-batched,
   * so services still get one VerifyBatch per service per micro-batch. A malformed sample (even one without an id)
   * yields an `invalid` result rather than ending the stream. In-flight samples are bounded: past the limit the
   * stream stops reading its input until results drain (backpressure, never an unbounded queue).
   */
  async *scoreStream(samples: AsyncIterable<unknown>, opts: { signal?: AbortSignal } = {}): AsyncIterable<ResultJson> {
    async function* tagged(): AsyncIterable<{ sample: unknown; tag: undefined }> {
      for await (const sample of samples) yield { sample, tag: undefined };
    }
    for await (const { result } of this.streamOutcomes('json', tagged(), opts)) yield toResultJson(result);
  }

  /** @internal The streaming core; tags let the gRPC handler tell which request message a result belongs to. */
  async *streamOutcomes<T>(kind: Input['kind'], input: AsyncIterable<{ sample: unknown; tag: T }>, opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ result: SampleOutcome; tag: T }> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const ready: Array<{ result: SampleOutcome; tag: T }> = [];
    const tags = new Map<number, T>();
    let queue: PreparedSample[] = [];
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    let held = 0; // admitted samples not yet handed to the consumer
    let active = 0;
    let scheduled = false;
    let inputDone = false;
    let inputError: unknown;
    let nextIndex = 0;
    // The whole stream is one request for duplicate_in_group (sentinels.ts), across its micro-batches.
    const duplicates = new DuplicateTracker();
    const tally = streamTally();
    const done = (r: SampleOutcome): void => {
      tally?.add(r);
      ready.push({ result: this.record(r), tag: tags.get(r.index) as T });
      tags.delete(r.index);
      notify();
    };
    const dispatch = (): void => {
      scheduled = false;
      while (queue.length && active < STREAM_MAX_ACTIVE) {
        const batch = queue.length <= STREAM_MAX_BATCH ? queue : queue.slice(0, STREAM_MAX_BATCH);
        queue = queue.length <= STREAM_MAX_BATCH ? [] : queue.slice(STREAM_MAX_BATCH);
        active++;
        const finished = new Set<number>();
        runSamples(this.deps, batch, { deadline: Infinity, signal: controller.signal, duplicates }, (r) => {
          finished.add(r.index);
          done(r);
        })
          .catch((e: unknown) => {
            this.log.error('scoring failed', { error: messageOf(e) });
            for (const p of batch) if (!finished.has(p.index)) done(internalFailure(p, e));
          })
          .finally(() => {
            active--;
            dispatch();
            notify();
          });
      }
    };
    const pump = (async () => {
      try {
        for await (const { sample, tag } of input) {
          if (controller.signal.aborted) break;
          const index = nextIndex++;
          // Validated before admission (prepareSample never throws), so nothing can come between a slot and its result.
          const p = prepareSample(kind, sample, index, this.ctx);
          await this.admission.acquireWait(1, controller.signal);
          held++;
          tags.set(index, tag);
          if (!p.ok) done(invalidOutcome(p));
          else {
            queue.push(p);
            if (!scheduled) {
              scheduled = true;
              // Coalesce what arrives in the same turn of the event loop into one micro-batch.
              setImmediate(dispatch);
            }
          }
        }
      } catch (e) {
        inputError = e;
      } finally {
        inputDone = true;
        notify();
      }
    })();
    try {
      for (;;) {
        while (ready.length) {
          const batch = ready.splice(0);
          for (const x of batch) {
            held--;
            this.admission.release(1);
            yield x;
          }
        }
        if (inputDone && held === 0) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (ready.length || (inputDone && held === 0)) notify();
        });
      }
      await pump;
      if (inputError !== undefined) throw inputError;
    } finally {
      controller.abort(new Error('stream closed'));
      opts.signal?.removeEventListener('abort', onAbort);
      tally?.end();
      if (held > 0) this.admission.release(held);
      held = 0;
    }
  }

  /** The catalogue (SPEC section 4) with each backend's Describe; verifiers whose service is missing or down are unavailable. */
  async listVerifiers(): Promise<VerifierInfo[]> {
    const described = new Map<string, VerifierInfo>();
    await Promise.all(
      [...this.backends].map(async ([svc, b]) => {
        try {
          const d = await b.describe();
          for (const v of d.verifiers ?? []) if (v.name) described.set(v.name, { ...v, service: svc, available: v.available ?? true });
        } catch (e) {
          this.log.warn('describe failed', { service: svc, error: messageOf(e) });
        }
      }),
    );
    return Object.entries(CATALOGUE).map(
      ([name, service]) => described.get(name) ?? { name, service, description: '', params_json: '{}', reference_json: '{}', available: false },
    );
  }

  metricsText(): string {
    return this.metrics.render();
  }

  /** How many samples are admitted right now. */
  get inFlight(): number {
    return this.admission.current;
  }

  async close(): Promise<void> {
    for (const b of this.backends.values()) b.close();
  }

  private record(r: SampleOutcome): SampleOutcome {
    const m = this.metrics;
    m.samples.inc1(r.status);
    m.reward.observe(NO_LABELS, r.reward);
    for (const c of r.components) {
      m.components.inc2(c.verifier, c.status);
      if (c.status === 'skipped') continue;
      m.componentScore.observe1(c.name, c.score);
      if (c.status === 'ok' || c.latencyMs > 0) m.verifierLatency.observe1(c.verifier, c.latencyMs / 1000);
      if (c.metricsJson !== '' && c.metricsJson.includes('"cache_hit":true')) m.cacheHits.inc1(c.verifier);
    }
    return r;
  }

}
