// Spans leave a real child process over each OTLP protocol (grpc, http/protobuf, http/json) to a receiver that
// decodes them for real; the resource names the service, its instance, host, process and pod; export failures are
// logged once per outage.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver, type ReceiverProtocol } from '../testing/index.js';
import { VERSION } from '../src/index.js';

const script = new URL('./emit-span.ts', import.meta.url).pathname;

interface Run {
  pid: number;
  code: number | null;
  stdout: string;
  logs: Array<Record<string, unknown>>;
}

function run(env: Record<string, string>): Promise<Run> {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('OTEL_') || k.startsWith('K8S_')) delete clean[k];
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      const logs = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ pid: child.pid!, code, stdout: stdout.trim(), logs });
    }),
  );
}

const PROTOCOLS: Array<{ protocol: string; receiver: ReceiverProtocol; contentType: string }> = [
  { protocol: 'grpc', receiver: 'grpc', contentType: 'application/grpc' },
  { protocol: 'http/protobuf', receiver: 'http', contentType: 'application/x-protobuf' },
  { protocol: 'http/json', receiver: 'http', contentType: 'application/json' },
];

describe('initTelemetry exports over OTLP', () => {
  const instanceIds: unknown[] = [];
  for (const p of PROTOCOLS) {
    it(`${p.protocol}: spans, resource, scope and headers reach the receiver`, async () => {
      const receiver: OtlpReceiver = await startOtlpReceiver(p.receiver);
      try {
        const r = await run({
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: p.protocol,
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-probe-key=secret-1',
          OTEL_SERVICE_NAME: 'otlp-probe-service',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci,team=rl',
          K8S_POD_NAME: 'probe-7d9f-x1',
          K8S_NAMESPACE_NAME: 'verimesh',
          K8S_NODE_NAME: 'node-a',
        });
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ exporting: true, protocol: p.protocol, endpoint: receiver.endpoint });
        expect(r.logs.find((l) => l.msg === 'tracing')).toMatchObject({ protocol: p.protocol });
        const [span] = receiver.spans;
        expect(receiver.spans.map((s) => s.name)).toEqual(['verimesh-otlp-probe-span-0']);
        expect(span!.attributes['probe.batch']).toBe(0);
        expect(span!.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span!.scope).toEqual({ name: 'verimesh', version: VERSION });
        expect(span!.resource).toMatchObject({
          'service.name': 'otlp-probe-service',
          'service.version': VERSION,
          'deployment.environment.name': 'ci',
          team: 'rl',
          'k8s.pod.name': 'probe-7d9f-x1',
          'k8s.namespace.name': 'verimesh',
          'k8s.node.name': 'node-a',
          'process.pid': r.pid,
          'telemetry.sdk.language': 'nodejs',
        });
        expect(typeof span!.resource['host.name']).toBe('string');
        instanceIds.push(span!.resource['service.instance.id']);
        expect(receiver.exports.map((e) => e.contentType)).toEqual([p.contentType]);
        expect(receiver.exports[0]!.headers['x-probe-key']).toBe('secret-1');
      } finally {
        await receiver.close();
      }
    });
  }

  it('gives every process its own service.instance.id', () => {
    expect(instanceIds).toHaveLength(3);
    for (const id of instanceIds) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(instanceIds).size).toBe(3);
  });

  it('logs a failing export once, then its recovery with the spans lost', async () => {
    const receiver = await startOtlpReceiver('http');
    try {
      receiver.failNext(3);
      const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, PROBE_BATCHES: '5' });
      expect(r.code).toBe(0);
      const failed = r.logs.filter((l) => String(l.msg).startsWith('span export failed'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ level: 'warn', protocol: 'http/protobuf', spans: 1 });
      expect(r.logs.filter((l) => l.msg === 'span export recovered')).toEqual([expect.objectContaining({ spans_lost: 3 })]);
      expect(r.logs.filter((l) => l.msg === 'spans lost: the export failed')).toEqual([expect.objectContaining({ spans_lost: 3 })]);
      expect(receiver.spans.map((s) => s.name)).toEqual(['verimesh-otlp-probe-span-3', 'verimesh-otlp-probe-span-4']);
      // Nothing else from the SDK repeats the failure per batch.
      expect(r.logs.filter((l) => l.level === 'warn')).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('logs an unreachable collector once, and exits in time', async () => {
    const closed = await startOtlpReceiver('grpc');
    await closed.close();
    const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: closed.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TIMEOUT: '1000', PROBE_BATCHES: '3' });
    expect(r.code).toBe(0);
    expect(r.logs.filter((l) => String(l.msg).startsWith('span export failed'))).toHaveLength(1);
    expect(r.logs.find((l) => l.msg === 'spans lost: the export failed')).toMatchObject({ spans_lost: 3 });
  });

  it('exports nothing and registers no provider without an endpoint', async () => {
    const r = await run({});
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ exporting: false });
    expect(r.logs).toEqual([]);
  });
});
