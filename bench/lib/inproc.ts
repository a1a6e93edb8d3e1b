// Benchmark helpers for a service measured in this process: µs per item of runBatch, and the same service made asynchronous.
import { runBatch, type ServiceDef } from '@verimesh/kit';
import type { VerifyItem } from '@verimesh/proto';

/** The same service with every verifier behind a promise: what each item cost before the synchronous path. */
export function behindPromise(service: ServiceDef): ServiceDef {
  return { ...service, verifiers: service.verifiers.map((v) => ({ ...v, verify: async (input, ctx) => v.verify(input, ctx) })) };
}

/** µs per item of runBatch (with a call deadline, as VerifyBatch has), best of alternating runs: load only slows. */
export async function perItemUs(services: readonly ServiceDef[], items: VerifyItem[], reps = 15): Promise<number[]> {
  const best = services.map(() => Infinity);
  for (let r = 0; r < reps; r++) {
    for (const [k, svc] of services.entries()) {
      const t = performance.now();
      for (let j = 0; j < 4; j++) await runBatch(svc, items, { deadline: Date.now() + 60_000 });
      best[k] = Math.min(best[k]!, ((performance.now() - t) * 1000) / (4 * items.length));
    }
  }
  return best;
}
