// runMain: a bad setting stops the process at start naming the setting; SIGTERM drains, exports the spans still
// pending (over either OTLP protocol), and exits 0.
import { spawn } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { startOtlpReceiver } from '@verimesh/telemetry/testing';
import { describe, expect, it } from 'vitest';

const script = new URL('./main-probe.ts', import.meta.url).pathname;

function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** The "serving" log line once it is written. */
function serving(stderr: () => string): Promise<{ port: number }> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const line = stderr().split('\n').find((l) => l.includes('"msg":"serving"'));
      if (line) {
        clearInterval(poll);
        resolve(JSON.parse(line) as { port: number });
      }
    }, 20);
  });
}

describe('runMain', () => {
  it('fails fast with exit 2 and a message naming the bad setting or unknown flag', async () => {
    const flag = start(['--port', 'eighty']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain('--port must be an integer, got "eighty"');
    const typo = start(['--prot', '5']);
    expect(await typo.exited).toBe(2);
    expect(typo.stderr()).toContain('unknown flag --prot');
    const env = start([], { VERIMESH_LOG_LEVEL: 'chatty' });
    expect(await env.exited).toBe(2);
    expect(env.stderr()).toContain('VERIMESH_LOG_LEVEL must be one of');
  });

  it('serves, logs JSON, and exits 0 after draining on SIGTERM', async () => {
    const p = start(['--port', '0', '--metrics-port', '0', '--host', '127.0.0.1']);
    await serving(p.stderr);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const lines = p.stderr().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; service: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['serving', 'signal received', 'draining', 'stopped']));
    expect(lines.every((l) => l.service === 'probe')).toBe(true);
  });

  for (const protocol of ['grpc', 'http/protobuf'] as const) {
    it(`on SIGTERM exports the spans still pending, over ${protocol}`, async () => {
      const receiver = await startOtlpReceiver(protocol === 'grpc' ? 'grpc' : 'http');
      try {
        // A batch delay of ten minutes: only the shutdown flush can deliver these spans.
        const p = start(['--port', '0', '--metrics-port', '0', '--host', '127.0.0.1'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_SCHEDULE_DELAY: '600000' });
        const { port } = await serving(p.stderr);
        const client: VerifierServiceClient = new (loadPackage().verimesh.v1.VerifierService)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const err = await new Promise<grpc.ServiceError | null>((resolve) => client.VerifyBatch({ items: [{ key: 'k', verifier: 'probe.echo' }] }, { deadline: Date.now() + 10_000 }, (e) => resolve(e)));
        client.close();
        expect(err).toBeNull();
        await new Promise((r) => setTimeout(r, 200));
        expect(receiver.spans).toHaveLength(0);
        p.child.kill('SIGTERM');
        expect(await p.exited).toBe(0);
        expect(receiver.spans.map((s) => [s.name, s.kind]).sort()).toEqual([
          ['verify probe.echo', 'INTERNAL'],
          ['verimesh.v1.VerifierService/VerifyBatch', 'SERVER'],
        ]);
        expect(receiver.spans[0]!.resource['service.name']).toBe('probe');
      } finally {
        await receiver.close();
      }
    });
  }
});
