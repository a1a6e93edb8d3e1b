// Structured JSON logs, one line per event on stderr, carrying the active trace id when there is one.
import { isSpanContextValid, trace } from '@opentelemetry/api';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

export function createLogger(
  service: string,
  level: LogLevel = (process.env.VERIMESH_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  sink: LogSink = (line) => process.stderr.write(line + '\n'),
  base: Record<string, unknown> = {},
): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < min) return;
    // The active span of the OpenTelemetry context (an AsyncLocalStorage that initTelemetry always registers): every
    // line written while a request is served carries its trace, even when nothing is exported (the caller's ids then).
    const span = trace.getActiveSpan()?.spanContext();
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, service, msg, ...base, ...fields };
    if (span && isSpanContextValid(span)) {
      rec.trace_id = span.traceId;
      rec.span_id = span.spanId;
    }
    sink(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(service, level, sink, { ...base, ...f }),
  };
}

export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => noopLogger,
};
