// Telemetry's own troubles made visible: a failing export is logged once per outage (and its recovery, with the
// spans lost), the SDK's warnings reach the process log at most once a minute per kind. Never silent, never a flood.
import { ExportResultCode, setGlobalErrorHandler, type ExportResult } from '@opentelemetry/core';
import type { DiagLogger } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** The part of a logger telemetry uses (the kit's Logger is one). */
export interface TelemetryLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Errors ReportingExporter already logged: the BatchSpanProcessor hands them to the global error handler again. */
const reported = new WeakSet<object>();

/** True for an export error ReportingExporter has logged already. */
export const alreadyReported = (e: unknown): boolean => typeof e === 'object' && e !== null && reported.has(e);

/** Wraps the OTLP exporter: counts what it fails to deliver and says so once per outage. */
export class ReportingExporter implements SpanExporter {
  private failing = false;
  private lost = 0;
  private lostTotal = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly log: TelemetryLog | undefined,
    private readonly where: Record<string, unknown>,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) this.log?.info('span export recovered', { ...this.where, spans_lost: this.lost });
        this.failing = false;
        this.lost = 0;
        return done(result);
      }
      const error = result.error ?? new Error('span export failed');
      reported.add(error);
      this.lost += spans.length;
      this.lostTotal += spans.length;
      if (!this.failing) {
        this.failing = true;
        this.log?.warn('span export failed (logged once until an export succeeds)', { ...this.where, spans: spans.length, error: messageOf(error) });
      }
      done({ code: result.code, error });
    });
  }

  async shutdown(): Promise<void> {
    await this.inner.shutdown();
    if (this.lostTotal) this.log?.warn('spans lost: the export failed', { ...this.where, spans_lost: this.lostTotal });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** Logs `msg` at most once a minute per kind of message (digits do not make a new kind). */
function throttled(log: TelemetryLog): (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void {
  const last = new Map<string, number>();
  return (level, msg, fields) => {
    const kind = msg.replace(/\d+/g, '#').slice(0, 120);
    const now = Date.now();
    if ((last.get(kind) ?? -Infinity) > now - 60_000) return;
    if (last.size > 100) last.clear();
    last.set(kind, now);
    log[level](msg, fields);
  };
}

/** The SDK's diagnostics (dropped spans, bad configuration) into the process log, warnings and errors only. */
export function diagLogger(log: TelemetryLog): DiagLogger {
  const say = throttled(log);
  const line = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : messageOf(a))).join(' ');
  const quiet = (): void => undefined;
  return {
    error: (m, ...a) => say('warn', `opentelemetry: ${line([m, ...a])}`),
    warn: (m, ...a) => say('warn', `opentelemetry: ${line([m, ...a])}`),
    info: quiet,
    debug: quiet,
    verbose: quiet,
  };
}

/** Errors the SDK reports through its global handler (those the exporter did not already log). */
export function reportErrors(log: TelemetryLog): void {
  const say = throttled(log);
  setGlobalErrorHandler((e) => {
    if (alreadyReported(e)) return;
    say('warn', 'opentelemetry error', { error: messageOf(e) });
  });
}
