// A Python trainer (Debian python3-grpcio + protoc-generated messages) scores samples through a real gateway process.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const python = '/usr/bin/python3';
const hasPython = (() => {
  try {
    execFileSync(python, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' });
    execFileSync('protoc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let gateway: ChildProcess | undefined;
let port = 0;

beforeAll(async () => {
  if (!hasPython) return;
  gateway = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts', '--port', '0', '--http-port', '0', '--host', '127.0.0.1'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    gateway!.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"grpc_port":(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    gateway!.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${buf}`)));
  });
});

afterAll(() => {
  gateway?.kill('SIGTERM');
});

describe.skipIf(!hasPython)('Python client', () => {
  it('scores a JSONL file over gRPC with grpcio', () => {
    const gen = mkdtempSync(join(tmpdir(), 'vm-pygen-'));
    const protos = readdirSync(join(root, 'proto/verimesh/v1')).map((f) => `proto/verimesh/v1/${f}`);
    execFileSync('protoc', ['-I', 'proto', `--python_out=${gen}`, ...protos], { cwd: root });
    const input = join(gen, 'in.jsonl');
    const samples = [
      { id: 'a', group: 'g', response: '<think>x</think><answer>(B)</answer>', reference: { answer: 'B' }, reward: { components: [{ name: 'format', verifier: 'text.format', params: { pattern: 'think_answer' } }, { name: 'exact', verifier: 'text.exact' }] } },
      { id: 'b', group: 'g', response: '<answer>C</answer>', reference: { answer: 'B' }, reward: { components: [{ name: 'exact', verifier: 'text.exact' }] } },
      { id: 'c', response: 'no reward spec at all' },
    ];
    writeFileSync(input, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const out = execFileSync(python, ['examples/python/score_client.py', '--gateway', `127.0.0.1:${port}`, '--in', input], {
      cwd: root,
      env: { ...process.env, VERIMESH_PY_GEN: gen },
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    const byId = Object.fromEntries(lines.filter((l) => l.id).map((l) => [l.id, l]));
    expect(byId.a.reward).toBe(2); // format 1 + exact 1, combine sum
    expect(byId.a.status).toBe('ok');
    expect(byId.a.components.exact.status).toBe('ok');
    expect(byId.b.reward).toBe(0);
    expect(byId.c.status).toBe('invalid');
    expect(byId.c.error).toMatch(/reward/);
    const group = lines.find((l) => l.group === 'g');
    expect(group).toMatchObject({ count: 2, mean: 1, all_equal: false });
  }, 60_000);
});
