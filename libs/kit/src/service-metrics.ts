// The metrics every verifier service exports (PLAN D6, one label vocabulary: service, verifier, status, reason, pool),
// fed by serve(): admission, runBatch's per-item hooks, and the service's own pools read at scrape time.
import { componentStatusFromProto, type VerifyResult } from '@verimesh/proto';
import type { Admission } from './admission.js';
import { Registry, addProcessMetrics } from './metrics.js';

/** The pools a service may report (label `pool`). */
export const POOL_NAMES = ['sandbox', 'zygote', 'lp_worker', 'ocr_session', 'judge_backend', 'math_worker'] as const;
export type PoolName = (typeof POOL_NAMES)[number];

/** One pool's occupancy now, as a service reports it (ServiceDef.pools). Several entries of one name are summed. */
export interface PoolStats {
  pool: PoolName;
  /** Workers (slots, sessions, connections) busy now. */
  busy: number;
  /** Workers it may run at once. */
  capacity: number;
  /** Tasks waiting for a worker now. */
  queued: number;
  /** Tasks refused because its queue was full, since start (counted as admission refusals, reason queue_full). */
  refusals?: number;
}

export const REFUSAL_REASONS = ['in_flight_limit', 'queue_full', 'draining'] as const;

/**
 * A verifier service's registry. `admitted(n)` when a call is admitted, `started()` as a runBatch lane takes an item
 * (runBatch's onStart), `result()` per finished item (runBatch's onResult), `finished(n, started)` when the call ends;
 * `draining()` per call refused during shutdown. Gauges and pool figures are read at render time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly duration;
  private readonly results;
  private readonly drainRefusals;
  /** Admitted items no lane has started yet. */
  private waiting = 0;

  constructor(
    readonly service: string,
    admission: Admission,
    pools: () => readonly PoolStats[] = () => [],
  ) {
    const r = this.registry;
    const inFlight = r.gauge('verimesh_items_in_flight', 'Items admitted and not finished', ['service']);
    const queued = r.gauge('verimesh_items_queued', 'Admitted items waiting for a worker or a pool slot', ['service']);
    const refusals = r.counter('verimesh_admission_refusals_total', 'Work refused, by reason (in_flight_limit, queue_full, draining)', ['service', 'reason']);
    this.duration = r.histogram('verimesh_verifier_duration_seconds', 'Time one item spent in its verifier', ['service', 'verifier']);
    this.results = r.counter('verimesh_verifier_results_total', 'Items finished, by verifier and component status', ['service', 'verifier', 'status']);
    const busy = r.gauge('verimesh_pool_busy', 'Workers of a pool busy now', ['service', 'pool']);
    const capacity = r.gauge('verimesh_pool_capacity', 'Workers a pool may run at once', ['service', 'pool']);
    const poolQueued = r.gauge('verimesh_pool_queued', 'Tasks waiting for a worker of a pool', ['service', 'pool']);
    addProcessMetrics(r);
    this.drainRefusals = refusals;
    for (const reason of REFUSAL_REASONS) refusals.touch([service, reason]);
    r.onCollect(() => {
      const sums = new Map<PoolName, { busy: number; capacity: number; queued: number }>();
      let poolRefusals = 0;
      let poolWaiting = 0;
      for (const p of pools()) {
        const s = sums.get(p.pool) ?? { busy: 0, capacity: 0, queued: 0 };
        s.busy += p.busy;
        s.capacity += p.capacity;
        s.queued += p.queued;
        sums.set(p.pool, s);
        poolRefusals += p.refusals ?? 0;
        poolWaiting += p.queued;
      }
      for (const [pool, s] of sums) {
        busy.set2(service, pool, s.busy);
        capacity.set2(service, pool, s.capacity);
        poolQueued.set2(service, pool, s.queued);
      }
      inFlight.set1(service, admission.current);
      queued.set1(service, Math.max(0, this.waiting) + admission.queued + poolWaiting);
      refusals.inc2(service, 'in_flight_limit', admission.refusals - refusals.value([service, 'in_flight_limit']));
      refusals.inc2(service, 'queue_full', admission.queueRefusals + poolRefusals - refusals.value([service, 'queue_full']));
    });
  }

  admitted(n: number): void {
    this.waiting += n;
  }
  started(): void {
    this.waiting--;
  }
  /** The call ended: items of it no lane started (there should be none) leave the waiting count. */
  finished(n: number, started: number): void {
    this.waiting -= n - started;
  }
  result(verifier: string, r: VerifyResult): void {
    const res = r.result;
    const status = componentStatusFromProto(typeof res?.status === 'string' ? res.status : undefined);
    this.results.inc3(this.service, verifier, status);
    const ms = Number(res?.latency_ms ?? 0);
    if (Number.isFinite(ms)) this.duration.observe2(this.service, verifier, ms / 1000);
  }
  draining(): void {
    this.drainRefusals.inc2(this.service, 'draining');
  }
  render(): string {
    return this.registry.render();
  }
}
