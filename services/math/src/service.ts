// The math service: math.equiv behind one VerifierService, judged on a pool of math worker threads.
import { availableParallelism } from 'node:os';
import type { ServiceDef } from '@verimesh/kit';
import { loadServiceConfig, type Config } from './config.js';
import { MathPool } from './pool.js';
import { equivVerifier } from './verifiers/equiv.js';

export function createService(config: Config = loadServiceConfig()): ServiceDef {
  const workers = config.workers || Math.max(1, availableParallelism());
  const pool = new MathPool({ workers, queue: config.queue, memoryMb: config.workerMemoryMb });
  return {
    name: 'math',
    version: '0.1.0',
    verifiers: [equivVerifier(config, pool)],
    // Lanes of one batch waiting on the pool: enough to keep every worker fed, bounded by the queue.
    concurrency: Math.max(8, workers * 8),
    start: () => pool.warm(),
    pools: () => [{ pool: 'math_worker', busy: pool.busy, capacity: pool.capacity, queued: pool.queued, refusals: pool.refusals }],
    stop: () => pool.stop(),
    info: () => ({
      engine: '@cortex-js/compute-engine (LaTeX parsing, canonical forms, simplification, evaluation)',
      reference_behaviour: 'huggingface/Math-Verify parse + verify',
      math_worker: { workers, busy: pool.busy, queued: pool.queued, replaced: pool.replaced },
      limits: { item_timeout_ms: config.itemTimeoutMs, queue: config.queue, worker_memory_mb: config.workerMemoryMb, max_response_chars: config.maxResponseChars },
    }),
  };
}
