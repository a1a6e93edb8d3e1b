// The gateway process (src/main.ts through the kit's runProcess): a bad setting exits 2 naming it; SIGTERM lets the
// request in flight finish, refuses new ones, exports the spans still pending, and exits 0.
import { spawn } from 'node:child_process';
import { noopLogger, serve, type RunningServer, type ServiceDef } from '@verimesh/kit';
import { startOtlpReceiver } from '@verimesh/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = new URL('../src/main.ts', import.meta.url).pathname;

function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = (msg: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const poll = setInterval(() => {
        const hit = stderr.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
        if (hit) {
          clearInterval(poll);
          resolve(JSON.parse(hit) as Record<string, unknown>);
        }
      }, 20);
      void exited.then(() => setTimeout(() => reject(new Error(`exited before "${msg}": ${stderr}`)), 50));
    });
  return { child, exited, line, stderr: () => stderr };
}

// A vision-iou stand-in whose one verifier takes 800 ms: long enough to be in flight when SIGTERM arrives.
const slow: ServiceDef = {
  name: 'vision-iou',
  version: '0',
  verifiers: [{ name: 'vision.box_iou', description: '', params: {}, reference: {}, verify: () => new Promise((r) => setTimeout(() => r({ score: 1 }), 800)) }],
};
let backend: RunningServer;
beforeAll(async () => {
  backend = await serve(slow, { host: '127.0.0.1', port: 0, log: noopLogger });
});
afterAll(() => backend.shutdown(100));

describe('gateway process', () => {
  it('exits 2 with a message naming a bad setting', async () => {
    const p = start(['--services', 'nosuch=127.0.0.1:1', '--port', '0', '--http-port', '0']);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('unknown service \\"nosuch\\"');
    const flag = start(['--htp-port', '0']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain('unknown flag --htp-port');
  });

  it('on SIGTERM finishes the request in flight, refuses new ones, and exits 0', async () => {
    const p = start(['--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--services', `vision-iou=${backend.address}`]);
    const ready = await p.line('gateway ready');
    const url = `http://127.0.0.1:${String(ready.http_port)}/v1/score`;
    const body = JSON.stringify({ samples: [{ id: 'a', response: '[1,2,3,4]', reference: { box: [1, 2, 3, 4] }, reward: { components: [{ verifier: 'vision.box_iou' }] } }] });
    const inFlight = fetch(url, { method: 'POST', body });
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    const out = (await res.json()) as { results: Array<{ status: string; reward: number }> };
    expect(out.results[0]).toMatchObject({ status: 'ok', reward: 1 });
    expect(await p.exited).toBe(0);
    await expect(fetch(url, { method: 'POST', body })).rejects.toThrow();
    const msgs = p.stderr().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toEqual(expect.arrayContaining(['gateway ready', 'signal received', 'draining', 'stopped']));
    expect(msgs.indexOf('signal received')).toBeLessThan(msgs.indexOf('stopped'));
  }, 20_000);

  it('on SIGTERM exports the spans still pending (OTLP http/json)', async () => {
    const receiver = await startOtlpReceiver('http');
    try {
      const p = start(['--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--services', `vision-iou=${backend.address}`], {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      const ready = await p.line('gateway ready');
      const body = JSON.stringify({ samples: [{ id: 'a', response: 'x', reward: { components: [{ verifier: 'vision.box_iou' }] } }] });
      const res = await fetch(`http://127.0.0.1:${String(ready.http_port)}/v1/score`, { method: 'POST', body });
      expect(res.status).toBe(200);
      expect(receiver.spans).toHaveLength(0);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(receiver.exports.every((e) => e.contentType === 'application/json')).toBe(true);
      expect(receiver.spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(['CLIENT verimesh.v1.VerifierService/VerifyBatch', 'INTERNAL call vision-iou', 'SERVER POST /v1/score']);
      expect(receiver.spans[0]!.resource['service.name']).toBe('gateway');
    } finally {
      await receiver.close();
    }
  }, 20_000);
});
