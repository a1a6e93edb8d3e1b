// Runs the real `verimesh` bin as a child process, the way a user does; or a real service and gateway process pair.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/verimesh.mjs', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`verimesh ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface Served {
  child: ChildProcess;
  lines: string[];
  gateway: string;
  http: string;
  stop(): Promise<{ code: number | null; stderr: string }>;
}

/** Starts `verimesh serve ...` (with `env` added to this process's) and resolves once it printed "ready" with the gateway's addresses. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, readyTimeoutMs = 60_000): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<{ code: number | null; stderr: string }>((res) => child.on('close', (code) => res({ code, stderr })));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not get ready\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, readyTimeoutMs);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!/verimesh: ready/.test(stdout)) return;
      clearTimeout(timer);
      const m = /gateway grpc=(\S+) http=(\S+)/.exec(stdout);
      if (!m) {
        child.kill('SIGKILL');
        reject(new Error(`no gateway address in: ${stdout}`));
        return;
      }
      resolve({
        child,
        lines: stdout.trim().split('\n'),
        gateway: m[1]!,
        http: m[2]!,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before ready\nstderr: ${stderr}`));
    });
  });
}

export const parseJsonl = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A free loopback port (closed again at once; the process told to use it binds it a moment later). */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export interface MeshProcesses {
  /** The gateway's HTTP base, `http://127.0.0.1:<port>`. */
  http: string;
  stop(): void;
}

/**
 * Starts `services/<service>/src/main.ts` and a gateway process routing to it with `profile` loaded, and resolves once
 * the gateway's /healthz answers (the service may still be binding: see scoreWhenAvailable).
 */
export async function startServiceAndGateway(service: string, profile: string): Promise<MeshProcesses> {
  const children: ChildProcess[] = [];
  const start = (args: string[]) => {
    children.push(spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, VERIMESH_LOG_LEVEL: 'warn' } }));
  };
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  const [svc, gw, hp] = [await freePort(), await freePort(), await freePort()];
  start([`services/${service}/src/main.ts`, '--host', '127.0.0.1', '--port', String(svc), '--metrics-port', '0']);
  start(['services/gateway/src/main.ts', '--host', '127.0.0.1', '--services', `${service}=127.0.0.1:${svc}`, '--port', String(gw), '--http-port', String(hp), '--profiles', profile]);
  const http = `http://127.0.0.1:${hp}`;
  const until = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${http}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) {
      stop();
      throw new Error('gateway did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { http, stop };
}

export interface ScoredResult {
  id: string;
  reward: number;
  status: string;
  components: Record<string, { score: number; status: string }>;
}

/** POSTs /v1/score until no component is `unavailable` (the service still binding) or `tries` run out; the last results. */
export async function scoreWhenAvailable(http: string, body: unknown, tries = 150): Promise<ScoredResult[]> {
  let results: ScoredResult[] = [];
  for (let i = 0; i < tries; i++) {
    const res = await fetch(`${http}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`POST /v1/score answered ${res.status}: ${await res.text()}`);
    results = ((await res.json()) as { results: ScoredResult[] }).results;
    if (results.every((r) => Object.values(r.components).every((c) => c.status !== 'unavailable'))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return results;
}
