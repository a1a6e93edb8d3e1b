// With OTEL_EXPORTER_OTLP_ENDPOINT set, spans leave the process over OTLP/gRPC; without it, nothing is registered.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = new URL('./emit-span.ts', import.meta.url).pathname;
const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** A collector that accepts OTLP trace exports as raw protobuf bytes (strings in protobuf are plain UTF-8). */
async function startCollector(): Promise<{ port: number; received: Buffer[]; stop: () => void }> {
  const received: Buffer[] = [];
  const server = new grpc.Server();
  const identity = (b: Buffer): Buffer => b;
  server.register(
    EXPORT,
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      received.push(call.request);
      cb(null, Buffer.alloc(0));
    },
    identity,
    identity,
    'unary',
  );
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, received, stop: () => server.forceShutdown() };
}

describe('initTelemetry', () => {
  it('exports spans to the OTLP endpoint with service.name from OTEL_SERVICE_NAME', async () => {
    const collector = await startCollector();
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_SERVICE_NAME: 'otlp-probe-service' },
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe('enabled');
      const all = Buffer.concat(collector.received).toString('latin1');
      expect(all).toContain('verimesh-otlp-probe-span');
      expect(all).toContain('otlp-probe-service');
    } finally {
      collector.stop();
    }
  });

  it('registers nothing without an endpoint', async () => {
    const env = { ...process.env };
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env, timeout: 30_000 });
    expect(stdout.trim()).toBe('disabled');
  });
});
