// Settings of the math service: the math_worker pool and the limits that keep every item bounded.
import { loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';

export const OPTIONS = {
  workers: {
    type: 'int',
    env: 'VERIMESH_MATH_WORKERS',
    flag: 'workers',
    default: 0,
    min: 0,
    max: 256,
    doc: 'math worker threads (items judged at once); 0 = one per CPU core',
  },
  queue: {
    type: 'int',
    env: 'VERIMESH_MATH_QUEUE',
    flag: 'queue',
    default: 4096,
    min: 0,
    doc: 'items waiting for a worker; beyond, items are refused as overloaded (status unavailable)',
  },
  itemTimeoutMs: {
    type: 'int',
    env: 'VERIMESH_MATH_ITEM_TIMEOUT_MS',
    flag: 'item-timeout-ms',
    default: 5000,
    min: 10,
    doc: 'longest one item may run on a worker (the call deadline or timeout_ms cut it sooner); past it the worker is replaced and the item is timeout',
  },
  workerMemoryMb: {
    type: 'int',
    env: 'VERIMESH_MATH_WORKER_MEMORY_MB',
    flag: 'worker-memory-mb',
    default: 256,
    min: 32,
    doc: 'V8 heap limit of each worker (MiB); an answer that needs more kills only its worker (status error)',
  },
  maxResponseChars: {
    type: 'int',
    env: 'VERIMESH_MATH_MAX_RESPONSE_CHARS',
    flag: 'max-response-chars',
    default: 1_000_000,
    min: 1,
    doc: 'longest response read; a longer one scores 0 with a detail',
  },
} as const satisfies Record<string, OptionSpec>;

export type Config = ConfigOf<typeof OPTIONS>;

/** Frozen config from flags > environment > defaults; throws ConfigError naming the setting. */
export function loadServiceConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): Config {
  return loadConfig(OPTIONS, source);
}
