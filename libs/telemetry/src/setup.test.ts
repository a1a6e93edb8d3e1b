// exporterChoice: the OTEL_* variables that decide whether and how traces leave the process.
import { afterEach, describe, expect, it } from 'vitest';
import { exporterChoice } from './setup.js';

const VARS = ['OTEL_SDK_DISABLED', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'];
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
function set(vars: Record<string, string>): void {
  for (const v of VARS) delete process.env[v];
  Object.assign(process.env, vars);
}
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

function warnings(): { lines: string[]; log: { info(): void; warn(m: string): void } } {
  const lines: string[] = [];
  return { lines, log: { info: () => undefined, warn: (m: string) => lines.push(m) } };
}

describe('exporterChoice', () => {
  it('exports nothing without an endpoint, and http/protobuf (the specification default) with one', () => {
    set({});
    expect(exporterChoice()).toEqual({ exporting: false });
    set({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(exporterChoice()).toEqual({ exporting: true, protocol: 'http/protobuf', endpoint: 'http://collector:4318' });
  });

  it('takes the protocol and endpoint from the traces-specific variables first', () => {
    set({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    expect(exporterChoice()).toEqual({ exporting: true, protocol: 'grpc', endpoint: 'http://b:4317' });
    set({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(exporterChoice().protocol).toBe('http/json');
  });

  it('OTEL_TRACES_EXPORTER=otlp exports to the default endpoint; none and OTEL_SDK_DISABLED turn it off', () => {
    set({ OTEL_TRACES_EXPORTER: 'otlp' });
    expect(exporterChoice()).toEqual({ exporting: true, protocol: 'http/protobuf', endpoint: undefined });
    set({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' });
    expect(exporterChoice().exporting).toBe(false);
    set({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' });
    expect(exporterChoice().exporting).toBe(false);
  });

  it('says so when a value is not supported', () => {
    const w = warnings();
    set({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' });
    expect(exporterChoice(w.log).protocol).toBe('http/protobuf');
    set({ OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' });
    expect(exporterChoice(w.log).exporting).toBe(false);
    expect(w.lines).toEqual([expect.stringContaining('"thrift" is not one of grpc, http/protobuf, http/json'), expect.stringContaining('only "otlp" and "none"')]);
  });
});
