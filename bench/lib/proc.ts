// Benchmark helpers for real processes over loopback: free ports, spawning `node --import tsx`, waiting until ready, /proc figures.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A free loopback port (closed again at once; the process given it binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** `node --import tsx <argv>` from the repo root (run benchmarks from there), logging only errors unless `env` says otherwise. */
export function spawnNode(argv: string[], opts: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions; nodeArgs?: string[] } = {}): ChildProcess {
  return spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', ...argv], {
    stdio: opts.stdio ?? ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, VERIMESH_LOG_LEVEL: 'error', ...opts.env },
  });
}

/** Calls `probe` until it resolves (every 100 ms, `tries` times): a process counts as up once it answers. */
export async function waitReady(probe: () => Promise<unknown>, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      await probe();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('server did not come up');
}

/** Kills the given processes when this one exits, however it exits; returns the kill function for `finally` blocks. */
export function killOnExit(children: ChildProcess[]): () => void {
  const kill = (): void => children.forEach((c) => c.kill('SIGKILL'));
  process.on('exit', kill);
  return kill;
}

/** utime + stime of a process in microseconds (from /proc, clock ticks of 10 ms). */
export function cpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10_000;
}

/** Resident set size now and its peak (VmHWM) of a process, in bytes. */
export function rssOf(pid: number): { rss: number; hwm: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
