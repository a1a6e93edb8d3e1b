// The code-exec service definition: code.tests, code.verilog and code.lp over one sandbox runtime and a HiGHS pool.
import { createLogger, type Logger, type ServiceDef } from '@verimesh/kit';
import { loadServiceConfig, type Config } from './config.js';
import { Runtime } from './runtime.js';
import { LpPool } from './lp/pool.js';
import { lpVerifier } from './verifiers/lp.js';
import { testsVerifier } from './verifiers/tests.js';
import { verilogVerifier } from './verifiers/verilog.js';

export interface CodeExecService extends ServiceDef {
  /** The runtime: sandbox, zygotes, pool (exposed for tests and benchmarks). */
  runtime: Runtime;
}

export function createService(config: Config = loadServiceConfig(), log: Logger = createLogger('code-exec')): CodeExecService {
  const runtime = new Runtime(config, log);
  const lp = new LpPool(config.lpWorkers, config.queue);
  let starting: Promise<void> | undefined;
  const start = (): Promise<void> =>
    (starting ??= (async () => {
      lp.warm();
      await runtime.start();
    })());
  const withStart = (def: ServiceDef['verifiers'][number]): ServiceDef['verifiers'][number] => ({
    ...def,
    // The embedded mesh may call verify without start(): start lazily, once.
    verify: async (input, ctx) => {
      await start();
      return def.verify(input, ctx);
    },
  });
  return {
    name: 'code-exec',
    version: '0.1.0',
    runtime,
    // Items run their tests through the runtime's bounded pool; this only bounds how many items prepare at once.
    concurrency: 256,
    // Batch-level backpressure: admit no more items at once than the run queue can hold, so an overloaded instance
    // answers RESOURCE_EXHAUSTED for the call instead of queueing without bound.
    maxInFlight: Math.max(1, config.queue),
    verifiers: [testsVerifier(runtime), verilogVerifier(runtime), lpVerifier(lp, config)].map(withStart),
    info: () => ({ ...runtime.info(), lp_workers: config.lpWorkers, lp_busy: lp.busy, lp_queued: lp.queued, lp_workers_replaced: lp.replaced }),
    pools: () => [
      { pool: 'sandbox', busy: runtime.pool.active, capacity: runtime.pool.concurrency, queued: runtime.pool.queued, refusals: runtime.pool.refusals },
      ...(runtime.zygotes ? [{ pool: 'zygote' as const, ...runtime.zygotes.stats }] : []),
      { pool: 'lp_worker', busy: lp.busy, capacity: config.lpWorkers, queued: lp.queued },
    ],
    start,
    stop: async () => {
      await lp.stop();
      await runtime.stop();
    },
  };
}
