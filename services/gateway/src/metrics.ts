// The gateway's Prometheus metrics (names in the README), on the kit's registry: rendered synchronously, label series
// found through nested maps on the hot path.
import { Registry, addProcessMetrics } from '@verimesh/kit';
import { RETRY_REASONS, type VerifierBackend } from './backends.js';

const SCORE_BUCKETS = [-1, -0.5, -0.25, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.5, 2, 5];

/** Every metric the gateway exports; names are documented in the README. */
export class GatewayMetrics {
  private readonly r = new Registry();
  readonly requests = this.r.counter('verimesh_gateway_requests_total', 'Score requests by transport and outcome code', ['transport', 'code']);
  readonly samples = this.r.counter('verimesh_gateway_samples_total', 'Samples scored, by result status', ['status']);
  readonly components = this.r.counter('verimesh_gateway_components_total', 'Components scored, by verifier and component status', ['verifier', 'status']);
  readonly cacheHits = this.r.counter('verimesh_cache_hits_total', 'Components whose result metrics carry cache_hit: true', ['verifier']);
  readonly verifierLatency = this.r.histogram('verimesh_gateway_verifier_latency_seconds', 'Time a verifier spent on one component (as the service reports it)', ['verifier']);
  readonly serviceCalls = this.r.histogram('verimesh_gateway_service_call_seconds', 'Wall time of one VerifyBatch to a service, by outcome', ['service', 'outcome']);
  readonly requestSeconds = this.r.histogram('verimesh_gateway_request_seconds', 'Wall time of one Score request', ['transport']);
  readonly reward = this.r.histogram('verimesh_gateway_reward', 'Composite rewards', [], SCORE_BUCKETS);
  readonly groups = this.r.counter('verimesh_gateway_groups_total', 'GRPO groups in replies (once per request, or per ScoreStream request message), by all_equal', ['all_equal']);
  readonly flags = this.r.counter('verimesh_flags_total', 'Sentinel flags raised on results (SPEC 3.1), once per result and flag, by the service that raised it', ['service', 'flag']);
  readonly componentScore = this.r.histogram('verimesh_gateway_component_score', 'Component scores (on_error stand-ins included), by component name', ['component'], SCORE_BUCKETS);
  readonly inFlight = this.r.gauge('verimesh_gateway_in_flight_samples', 'Samples admitted and not finished');
  /** Items handed to a service and not answered yet, chunks waiting for a replica included (PLAN D6). */
  readonly serviceItemsInFlight = this.r.gauge('verimesh_gateway_service_items_in_flight', 'Items sent (or queued) to a service and not answered', ['service']);
  readonly replicas = this.r.gauge('verimesh_gateway_service_replicas', 'Replica addresses a service resolved to', ['service']);
  readonly ejected = this.r.gauge('verimesh_gateway_service_replicas_ejected', 'Replicas ejected for failing now (outlier ejection)', ['service']);
  readonly retries = this.r.counter('verimesh_gateway_chunk_retries_total', 'Chunks sent again on another replica, by what failed (unavailable, overloaded, malformed)', ['service', 'reason']);

  constructor() {
    addProcessMetrics(this.r);
  }

  /** Reads, at every render, the samples in flight and the remote backends' replicas and retries. */
  collectFrom(inFlight: () => number, backends: ReadonlyMap<string, VerifierBackend>): void {
    this.r.onCollect(() => {
      this.inFlight.set([], inFlight());
      for (const [service, b] of backends) {
        const s = b.stats?.();
        if (!s) continue;
        this.replicas.set1(service, s.replicas);
        this.ejected.set1(service, s.ejected);
        for (const reason of RETRY_REASONS) this.retries.inc2(service, reason, s.retries[reason] - this.retries.value([service, reason]));
      }
    });
  }

  render(): string {
    return this.r.render();
  }
}
