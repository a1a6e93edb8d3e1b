// The one way a process starts: parse config (fail fast), init telemetry, start, drain on SIGTERM.
import { initTelemetry } from '@verimesh/telemetry';
import { COMMON_OPTIONS, ConfigError, SERVICE_OPTIONS, checkFlags, loadConfig, type ConfigOf, type OptionSpec } from './config.js';
import { drainOnSignal } from './drain.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { serve, type RunningService } from './server.js';
import type { ServiceDef } from './verifier.js';

/** What runProcess starts: anything it can drain. */
export interface Drainable {
  /** Stop taking work, let in-flight work finish (bounded by a grace period), release resources. */
  shutdown(): Promise<void>;
}

/**
 * Entry point of any verimesh process (runMain for a verifier service, the gateway's main.ts): checks the flags
 * against COMMON_OPTIONS and the process's own `options` and loads the common settings (a bad setting or an unknown
 * flag exits 2 with a message naming it), installs drainOnSignal, inits telemetry, then `start`s. A ConfigError
 * thrown by `start` (the process's own settings) also exits 2. On SIGTERM/SIGINT the started thing is drained, the
 * telemetry flushed, and the process exits 0; a signal during start drains once start is done.
 */
export async function runProcess<R extends Drainable>(
  name: string,
  options: Record<string, OptionSpec>,
  start: (common: ConfigOf<typeof COMMON_OPTIONS>, log: Logger) => Promise<R>,
  argv = process.argv.slice(2),
): Promise<R> {
  let common;
  try {
    checkFlags(argv, COMMON_OPTIONS, options);
    common = loadConfig(COMMON_OPTIONS, { argv });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${name}: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(name, common.logLevel as LogLevel);
  // Handlers before anything announces itself: a supervisor may send SIGTERM as soon as it sees the "serving" line.
  let started: Promise<R> | undefined;
  // Started by a supervisor over IPC (`verimesh serve --processes`): its death drains us, as a pod's would.
  drainOnSignal(async () => (await started)?.shutdown(), { log, watchParent: typeof process.send === 'function' });
  await initTelemetry(name, { log });
  started = start(common, log);
  try {
    return await started;
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error('configuration error', { error: e.message });
      process.exit(2);
    }
    throw e;
  }
}

/** What a service started over IPC sends its parent once it serves (`verimesh serve --processes` waits for it). */
export interface ReadyMessage {
  verimesh: 'ready';
  service: string;
  /** gRPC port. */
  port: number;
  metricsPort?: number;
  /** The gateway's HTTP port. */
  httpPort?: number;
}

/**
 * Entry point of a service's main.ts: `runMain('vision-iou', OPTIONS, () => createService(loadServiceConfig(...)))`,
 * where OPTIONS are the service's own options (flags beyond COMMON_OPTIONS and SERVICE_OPTIONS). runProcess, serving
 * the built service with its /metrics endpoint on --metrics-port; a parent listening over IPC hears a ReadyMessage.
 */
export function runMain(
  name: string,
  options: Record<string, OptionSpec>,
  build: () => ServiceDef | Promise<ServiceDef>,
  argv = process.argv.slice(2),
): Promise<RunningService> {
  return runProcess(
    name,
    { ...SERVICE_OPTIONS, ...options },
    async (common, log) => {
      const { metricsPort } = loadConfig(SERVICE_OPTIONS, { argv });
      const running = await serve(await build(), { ...common, metricsPort, log });
      const ready: ReadyMessage = { verimesh: 'ready', service: name, port: running.port, metricsPort: running.metricsPort };
      process.send?.(ready);
      return running;
    },
    argv,
  );
}
