// The one way a service process starts: parse config (fail fast), init telemetry, serve, drain on SIGTERM.
import { initTelemetry } from '@verimesh/telemetry';
import { COMMON_OPTIONS, ConfigError, checkFlags, loadConfig, type OptionSpec } from './config.js';
import { createLogger, type LogLevel } from './log.js';
import { serve, type RunningServer } from './server.js';
import type { ServiceDef } from './verifier.js';

/**
 * Entry point of a service's main.ts: `runMain('vision-iou', OPTIONS, () => createService(loadServiceConfig(...)))`,
 * where OPTIONS are the service's own options (flags beyond COMMON_OPTIONS). Exits 2 with a clear message on a bad
 * setting or an unknown flag.
 */
export async function runMain(
  name: string,
  options: Record<string, OptionSpec>,
  build: () => ServiceDef | Promise<ServiceDef>,
  argv = process.argv.slice(2),
): Promise<RunningServer> {
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
  await initTelemetry(name);
  let service: ServiceDef;
  try {
    service = await build();
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error('configuration error', { error: e.message });
      process.exit(2);
    }
    throw e;
  }
  return serve(service, { ...common, handleSignals: true, log });
}
