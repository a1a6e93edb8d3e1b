// What a verifier service is: a catalogue of verifier functions, run over a batch by one shared routine.
import { setMaxListeners } from 'node:events';
import type { ComponentResult, ComponentStatus, MediaJson, SentinelFlag, VerifierInfo, VerifyItem, VerifyResult } from '@verimesh/proto';
import { componentStatusToProto, readMedia } from '@verimesh/proto';
import { atDeadline, deadlineAfter, expired, minDeadline } from './deadline.js';
import { DeadlineError, InvalidArgumentError, componentStatusOf, messageOf } from './errors.js';
import { VerifierSpans } from './batch-spans.js';
import type { Logger } from './log.js';
import { noopLogger } from './log.js';
import type { PoolStats } from './service-metrics.js';

/** One component of one sample, as a verifier sees it (reference already merged, JSON parsed). */
export interface VerifyInput {
  key: string;
  verifier: string;
  prompt: string;
  response: string;
  reference: Record<string, unknown>;
  params: Record<string, unknown>;
  media: MediaJson[];
  metadata: unknown;
}

export interface VerifyContext {
  /** Fires when the item's deadline passes or the call is cancelled: stop work, kill children, abort requests. */
  signal: AbortSignal;
  /** Absolute deadline (ms since epoch, Date.now() clock). */
  deadline: number;
  log: Logger;
}

/** What a verifier returns. `status` defaults to ok; a wrong or unparseable response is ok with a low score and a detail. */
export interface VerifyOutcome {
  score: number;
  status?: ComponentStatus;
  detail?: string;
  metrics?: Record<string, unknown>;
  /**
   * Sentinels (SPEC section 3.1) this item raised, e.g. `tamper` when the response tried to forge the verdict or
   * `box_spam`. Flags never change the score; the gateway lifts them onto the sample's result.
   */
  flags?: readonly SentinelFlag[];
}

export interface VerifierDef {
  /** Catalogue name, e.g. "vision.box_iou". */
  name: string;
  description: string;
  /** Documented params: name -> one-line doc with the default. */
  params: Record<string, string>;
  /** Documented reference keys: name -> one-line doc. */
  reference: Record<string, string>;
  /**
   * Scores one item. Throw InvalidArgumentError for a bad reference/params (status invalid),
   * UnavailableError when a dependency is missing (unavailable), anything else is status error.
   */
  verify(input: VerifyInput, ctx: VerifyContext): VerifyOutcome | Promise<VerifyOutcome>;
}

export interface ServiceDef {
  /** Service name as in the catalogue: "code-exec", "vision-iou", ... */
  name: string;
  version: string;
  verifiers: readonly VerifierDef[];
  /** Facts for Describe (toolchains, sandbox mode, models); must be JSON-serializable. */
  info?: () => Record<string, unknown>;
  /** Items admitted at once across calls when VERIMESH_MAX_IN_FLIGHT is not set (default 20,000). */
  maxInFlight?: number;
  /** Items of one batch verified at once (default 64): bounds the async work one call starts. */
  concurrency?: number;
  /** `start` runs once before serving (load models, probe toolchains), or on first use in the embedded mesh; `stop` at shutdown. */
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
  /**
   * The service's worker pools now (sandboxes, solver workers, OCR sessions, judge backends, math workers), read at
   * every /metrics scrape: verimesh_pool_busy / _capacity / _queued{pool}. Cheap getters only.
   */
  pools?: () => readonly PoolStats[];
}

export function describeVerifiers(service: ServiceDef, available = true): VerifierInfo[] {
  return service.verifiers.map((v) => ({
    name: v.name,
    service: service.name,
    description: v.description,
    params_json: JSON.stringify(v.params),
    reference_json: JSON.stringify(v.reference),
    available,
  }));
}

function parseObject(text: string | undefined, field: string): Record<string, unknown> {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(field, `${field} is not valid JSON: ${messageOf(e)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(field, `${field} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function parseAny(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface RunBatchOptions {
  /** Absolute deadline for the whole call (ms since epoch); Infinity for none. */
  deadline: number;
  /** Cancels the whole call (client went away). */
  signal?: AbortSignal;
  log?: Logger;
  /** Called as a lane takes an item, before its verifier runs (for metrics: the item stops waiting). */
  onStart?: () => void;
  /** Called with each item's result as soon as it is known (for metrics). */
  onResult?: (verifier: string, result: VerifyResult) => void;
}

/** Finite score or an error: a NaN or infinite score from a verifier is a bug, reported as status error. */
function checkScore(score: unknown): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new Error(`verifier returned a non-finite score (${String(score)})`);
  return score;
}

/**
 * Runs one batch of items through a service's verifiers: the single code path behind both the gRPC
 * VerifyBatch handler and the embedded in-process mesh. Always returns exactly one result per item,
 * in item order; nothing a verifier does (throw, hang, return garbage) escapes as an exception.
 *
 * Cost matters here (a vision.box_iou item costs about 3.5 µs through here, bench/RESULTS.md): a verifier that
 * answers synchronously pays for no timer, promise or listener. One timer and one AbortController serve the whole
 * batch's deadline; only items with their own `timeout_ms` get a signal of their own.
 */
export async function runBatch(service: ServiceDef, items: readonly VerifyItem[], opts: RunBatchOptions): Promise<VerifyResult[]> {
  const byName = verifierIndex(service);
  const log = opts.log ?? noopLogger;
  const batch = new AbortController();
  // Every pending item listens on the batch signal: a large batch is not a listener leak.
  setMaxListeners(0, batch.signal);
  const onParentAbort = (): void => batch.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onParentAbort();
  else opts.signal?.addEventListener('abort', onParentAbort, { once: true });
  const cancelTimer = atDeadline(opts.deadline, () => batch.abort(new DeadlineError('the call deadline passed before the verifier finished')));
  const results: VerifyResult[] = new Array(items.length);
  const spans = VerifierSpans.start();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      opts.onStart?.();
      const r = runItem(byName, item, opts.deadline, batch.signal, log);
      results[i] = r instanceof Promise ? await r : r;
      spans?.add(item.verifier ?? '', byName.has(item.verifier ?? ''), results[i]!);
      opts.onResult?.(item.verifier ?? '', results[i]!);
    }
  };
  try {
    const lanes = Math.max(1, Math.min(service.concurrency ?? 64, items.length));
    await Promise.all(Array.from({ length: lanes }, worker));
  } finally {
    cancelTimer();
    opts.signal?.removeEventListener('abort', onParentAbort);
    spans?.end();
  }
  return results;
}

const indexCache = new WeakMap<ServiceDef, Map<string, VerifierDef>>();
function verifierIndex(service: ServiceDef): Map<string, VerifierDef> {
  let m = indexCache.get(service);
  if (!m) {
    m = new Map(service.verifiers.map((v) => [v.name, v]));
    indexCache.set(service, m);
  }
  return m;
}

function result(key: string, status: ComponentStatus, score: number, detail: string, metrics: unknown, started: number, flags?: readonly string[]): VerifyResult {
  const r: ComponentResult = {
    score,
    status: componentStatusToProto(status) as ComponentResult['status'],
    detail,
    metrics_json: metrics === undefined ? '' : JSON.stringify(metrics),
    latency_ms: performance.now() - started,
  };
  if (flags?.length) r.flags = [...flags];
  return { key, result: r };
}

function fromOutcome(key: string, outcome: unknown, started: number): VerifyResult {
  if (outcome === null || typeof outcome !== 'object') throw new Error(`verifier returned ${String(outcome)} instead of an outcome`);
  const o = outcome as VerifyOutcome;
  return result(key, o.status ?? 'ok', checkScore(o.score), o.detail ?? '', o.metrics, started, o.flags);
}

function failure(def: VerifierDef, key: string, err: unknown, started: number, log: Logger): VerifyResult {
  const status = componentStatusOf(err);
  if (status === 'error') log.warn('verifier failed', { verifier: def.name, key, error: messageOf(err) });
  return result(key, status, 0, messageOf(err), undefined, started);
}

/** The signal an item sees: the batch's, or (with its own timeout_ms) one that also fires at the item's deadline. */
function itemSignal(batch: AbortSignal, timeoutMs: number, name: string): AbortSignal {
  const own = new AbortController();
  const t = setTimeout(() => own.abort(new DeadlineError(`${name} did not finish within timeout_ms ${timeoutMs}`)), timeoutMs);
  own.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
  return AbortSignal.any([batch, own.signal]);
}

function runItem(byName: Map<string, VerifierDef>, item: VerifyItem, callDeadline: number, batch: AbortSignal, log: Logger): VerifyResult | Promise<VerifyResult> {
  const started = performance.now();
  const key = item.key ?? '';
  const def = byName.get(item.verifier ?? '');
  if (!def) return result(key, 'invalid', 0, `verifier: unknown verifier "${item.verifier ?? ''}" on this service`, undefined, started);
  const now = Date.now();
  const deadline = minDeadline(callDeadline, deadlineAfter(item.timeout_ms, now));
  if (expired(deadline, now) || batch.aborted) return result(key, 'timeout', 0, 'deadline passed before the item started', undefined, started);
  let signal = batch;
  let outcome: VerifyOutcome | Promise<VerifyOutcome>;
  try {
    const media = readMedia(item.media);
    if (!media.ok) throw new InvalidArgumentError(media.field, media.message);
    const input: VerifyInput = {
      key,
      verifier: def.name,
      prompt: item.prompt ?? '',
      response: item.response ?? '',
      reference: parseObject(item.reference_json, 'reference'),
      params: parseObject(item.params_json, 'params'),
      media: media.media,
      metadata: parseAny(item.metadata_json),
    };
    if (item.timeout_ms && deadline < callDeadline) signal = itemSignal(batch, item.timeout_ms, def.name);
    outcome = def.verify(input, { signal, deadline, log });
    if (!(outcome instanceof Promise)) return fromOutcome(key, outcome, started);
  } catch (err) {
    return failure(def, key, err, started, log);
  }
  // Asynchronous verifier: whichever comes first, its outcome or its signal (deadline, cancellation).
  const work = outcome;
  return new Promise<VerifyResult>((resolve) => {
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      resolve(failure(def, key, reason instanceof Error ? reason : new DeadlineError(`${def.name} was cancelled`), started, log));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (o) => {
        signal.removeEventListener('abort', onAbort);
        try {
          resolve(fromOutcome(key, o, started));
        } catch (err) {
          resolve(failure(def, key, err, started, log));
        }
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve(failure(def, key, err, started, log));
      },
    );
  });
}
