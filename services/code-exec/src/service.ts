// The code-exec service definition: code.tests, code.verilog and code.lp over one sandbox engine and a HiGHS pool.
import { createLogger, type Logger, type ServiceDef } from '@verimesh/kit';
import { loadServiceConfig, type Config } from './config.js';
import { Engine } from './engine.js';
import { LpPool } from './lp/pool.js';
import { lpVerifier } from './verifiers/lp.js';
import { testsVerifier } from './verifiers/tests.js';
import { verilogVerifier } from './verifiers/verilog.js';

export interface CodeExecService extends ServiceDef {
  /** The sandbox engine (exposed for tests and benchmarks). */
  engine: Engine;
}

export function createService(config: Config = loadServiceConfig(), log: Logger = createLogger('code-exec')): CodeExecService {
  const engine = new Engine(config, log);
  const lp = new LpPool(config.lpWorkers, config.queue);
  let starting: Promise<void> | undefined;
  const start = (): Promise<void> =>
    (starting ??= (async () => {
      lp.warm();
      await engine.start();
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
    engine,
    // Items run their tests through the engine's bounded pool; this only bounds how many items prepare at once.
    concurrency: 256,
    // Batch-level backpressure: admit no more items at once than the run queue can hold, so an overloaded instance
    // answers RESOURCE_EXHAUSTED for the call instead of queueing without bound.
    maxInFlight: Math.max(1, config.queue),
    verifiers: [testsVerifier(engine), verilogVerifier(engine), lpVerifier(lp, config)].map(withStart),
    info: () => ({ ...engine.info(), lp_workers: config.lpWorkers, lp_busy: lp.busy, lp_queued: lp.queued, lp_workers_replaced: lp.replaced }),
    pools: () => [
      { pool: 'sandbox', busy: engine.pool.active, capacity: engine.pool.concurrency, queued: engine.pool.queued, refusals: engine.pool.refusals },
      ...(engine.zygotes ? [{ pool: 'zygote' as const, ...engine.zygotes.stats }] : []),
      { pool: 'lp_worker', busy: lp.busy, capacity: config.lpWorkers, queued: lp.queued },
    ],
    start,
    stop: async () => {
      await lp.stop();
      await engine.stop();
    },
  };
}
