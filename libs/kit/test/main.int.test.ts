// runMain: a bad setting stops the process at start naming the setting; SIGTERM drains and exits 0.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = new URL('./main-probe.ts', import.meta.url).pathname;

function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
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
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (p.stderr().includes('"msg":"serving"')) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const lines = p.stderr().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; service: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['serving', 'signal received', 'draining', 'stopped']));
    expect(lines.every((l) => l.service === 'probe')).toBe(true);
  });
});
