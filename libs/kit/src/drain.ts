// Drain on signal, written once: SIGTERM/SIGINT → stop taking work (NOT_SERVING) and drain → flush telemetry → exit.
import { shutdownTelemetry } from '@verimesh/telemetry';
import { messageOf } from './errors.js';
import { noopLogger, type Logger } from './log.js';

export interface DrainOnSignalOptions {
  log?: Logger;
  /** Signals that start the drain (default SIGTERM and SIGINT). After the first, a second one acts as Node's default: it kills. */
  signals?: readonly NodeJS.Signals[];
  /**
   * Also drain when this process is re-parented: `npx verimesh serve` killed with SIGTERM exits without passing the
   * signal on, so a changed parent means whoever started us is gone. Checked once a second (default false).
   */
  watchParent?: boolean;
  /** Once drained: flush telemetry, then `process.exit(0)` (default true; false returns control through `drained`). */
  exit?: boolean;
}

export interface DrainHandle {
  /** Settles after a signal once `drain` finished (and telemetry was flushed); its value names what started it. */
  readonly drained: Promise<string>;
  /** Removes the handlers (tests, or a caller that stops by itself). */
  dispose(): void;
}

/**
 * Installs the process's one shutdown path. On the first signal: logs it, runs `drain` (a server's `shutdown()`:
 * health NOT_SERVING, stop accepting, let in-flight calls finish until its grace period cuts them), shuts the
 * OpenTelemetry SDK down so pending spans are exported, then exits 0. A `drain` that throws is logged and the
 * process still exits.
 */
export function drainOnSignal(drain: () => Promise<void>, opts: DrainOnSignalOptions = {}): DrainHandle {
  const log = opts.log ?? noopLogger;
  const signals = opts.signals ?? (['SIGTERM', 'SIGINT'] as const);
  let finish!: (why: string) => void;
  const drained = new Promise<string>((resolve) => (finish = resolve));
  let watch: NodeJS.Timeout | undefined;
  const dispose = (): void => {
    for (const s of signals) process.off(s, handlers.get(s)!);
    if (watch) clearInterval(watch);
  };
  const start = (why: string): void => {
    dispose();
    log.info('signal received', { signal: why });
    void drain()
      .catch((e: unknown) => log.error('shutdown failed', { error: messageOf(e) }))
      .then(() => shutdownTelemetry(undefined, log))
      .catch((e: unknown) => log.error('telemetry shutdown failed', { error: messageOf(e) }))
      .finally(() => {
        finish(why);
        if (opts.exit ?? true) process.exit(0);
      });
  };
  const handlers = new Map(signals.map((s) => [s, () => start(s)] as const));
  for (const [s, h] of handlers) process.once(s, h);
  if (opts.watchParent) {
    const parent = process.ppid;
    watch = setInterval(() => {
      if (process.ppid !== parent) start('parent exited');
    }, 1000);
    watch.unref();
  }
  return { drained, dispose };
}
