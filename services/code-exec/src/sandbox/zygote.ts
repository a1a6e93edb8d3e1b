// The fast Python path: long-lived sandboxed zygotes (zygote.py) that run one child per test, one run at a time each.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WaitQueue, atDeadline, deadlineAfter, type Logger } from '@verimesh/kit';
import type { RunCgroup } from './cgroup.js';
import type { Sandbox, SandboxLimits, SandboxRunSpec } from './sandbox.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the zygote's sources (zygote.py, asserts.py) are bound inside its sandbox. */
export const PY_INSIDE = '/opt/verimesh';

/**
 * Copies the Python side (zygote.py and asserts.py) into a directory of the sandbox's host root, bound read-only, and
 * compiles them there with the interpreter that runs them: a zygote that compiled its own sources would keep the
 * compiler's garbage, 2.6 MB of heap that every fork copies the page tables of. (Without the compiled forms it still
 * works, only slower.)
 */
export function installPythonHarness(hostRoot: string, python: string): string {
  const dir = join(hostRoot, 'py');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const names = ['zygote.py', 'asserts.py'];
  for (const f of names) {
    copyFileSync(join(HERE, f), join(dir, f));
    chmodSync(join(dir, f), 0o644);
  }
  try {
    // (readable by the sandbox's uid whatever our umask)
    const compile = 'import os, py_compile, sys\nfor f in sys.argv[1:]: os.chmod(py_compile.compile(f, doraise=True), 0o644)\nos.chmod(os.path.join(os.path.dirname(f), "__pycache__"), 0o755)';
    execFileSync(python, ['-E', '-S', '-c', compile, ...names.map((f) => join(dir, f))], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    // (slower zygotes, same results)
  }
  return dir;
}

/** How a zygote sandbox's init starts (zygote.py's argv: modules to warm, decoy token, mode, the CPU slot or "-"). */
export function zygoteArgv(python: string, preload: string[], mode: 'pool' | 'rollout' | 'once', cpu?: number): string[] {
  return [python, '-E', '-S', '-c', `import sys; sys.path[0] = '${PY_INSIDE}'; import zygote`, preload.join(','), randomBytes(16).toString('hex'), mode, cpu === undefined ? '-' : String(cpu)];
}

export interface ZygoteRunRequest {
  /** The program (the solution). */
  code: string;
  stdin: string;
  /** An assert snippet: run by a checker beside the program, never inside it. */
  test?: string;
  limits: SandboxLimits;
}

/** What the checker of an assert test decided (asserts.py `check`). */
export interface AssertVerdict {
  /** pass | fail (an assertion failed) | error (the test raised) | ended / not_ready (the program ended first). */
  status: 'pass' | 'fail' | 'error' | 'ended' | 'not_ready';
  detail: string;
  /** Set when the test compared an object whose class overrides comparison. */
  tamper?: string;
}

export interface ZygoteRunReply {
  exitCode: number | null;
  /** Signal number that ended the run, if any. */
  signal: number | null;
  wallTimedOut: boolean;
  cpuTimedOut: boolean;
  oomKilled: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Assert tests: the checker's verdict (undefined when the checker died without one). */
  verdict?: AssertVerdict;
  /** Signal that killed the checker, if one did. */
  checkerSignal?: number;
  /** The program wrote or printed the decoy completion token (a forgery attempt). */
  forged?: string;
  wallMs: number;
}

/** Raised when a zygote died or stopped answering during a run; the caller re-runs that test in a fresh sandbox. */
export class ZygoteLostError extends Error {}

/**
 * A long-lived sandbox whose trusted init (zygote.py, the JS checker in rollout mode) speaks JSON lines on its stdout:
 * `{"ready":true}` once, then one reply per request, matched by id. One request at a time. Whatever goes wrong (it
 * exits, writes something else, its stdin breaks) ends it: the pending request gets a ZygoteLostError and the
 * sandbox is cleaned up.
 */
export abstract class ServedSandbox {
  protected pending: { id: number; resolve: (r: RawReply) => void; reject: (e: Error) => void } | undefined;
  protected nextId = 0;
  protected dead = false;
  private readonly ready: Promise<void>;
  protected readonly child: ReturnType<Sandbox['spawnLongLived']>['child'];
  private readonly cleanup: () => Promise<void>;
  readonly cgroup: RunCgroup | undefined;
  protected stderrTail = '';

  /** `name` says who it is in messages; `exited` hears how it ended. */
  constructor(sandbox: Sandbox, spec: Pick<SandboxRunSpec, 'argv' | 'roBinds' | 'limits'>, private readonly name: string, exited?: (code: number | null, signal: NodeJS.Signals | null) => void) {
    const spawned = sandbox.spawnLongLived(spec);
    this.child = spawned.child;
    this.cgroup = spawned.cgroup;
    this.cleanup = spawned.cleanup;
    this.child.stderr!.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString()).slice(-2000);
    });
    this.child.stdin!.on('error', () => this.fail(`${name}: stdin closed`));
    let onReady: () => void = () => {};
    let onReadyFail: (e: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onReadyFail = reject;
    });
    this.ready.catch(() => {});
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let msg: RawReply & { ready?: boolean };
      try {
        msg = JSON.parse(line) as RawReply & { ready?: boolean };
      } catch {
        this.fail(`${name} wrote a non-JSON line: ${line.slice(0, 200)}`);
        return;
      }
      if (msg.ready) return onReady();
      const p = this.pending;
      if (p && msg.id === p.id) {
        this.pending = undefined;
        this.received(msg);
        p.resolve(msg);
      }
    });
    this.child.once('close', (code, sig) => {
      const why = `${name} exited (${code ?? sig}): ${this.stderrTail.slice(-500)}`;
      onReadyFail(new ZygoteLostError(why));
      this.fail(why);
      exited?.(code, sig);
    });
  }

  async stop(): Promise<void> {
    this.fail('stopped');
    await this.cleanup();
  }

  /** Can serve another run. */
  get usable(): boolean {
    return !this.dead;
  }

  /** A reply matched to the pending request, before its caller gets it. */
  protected received(_msg: RawReply): void {}

  protected fail(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new ZygoteLostError(why));
    void this.cleanup();
  }

  /**
   * One request: once the sandbox said ready (within `startTimeoutMs`), sends `msg` under a fresh id (after
   * `first(id)`, which writes what must reach the sandbox before it) and returns the reply, or 'late' when none came
   * within `answerMs` (the sandbox is then ended). A reply reporting an error ends the sandbox too; a sandbox gone or
   * lost meanwhile throws ZygoteLostError.
   */
  protected async request(msg: Record<string, unknown>, startTimeoutMs: number, answerMs: number, first?: (id: number) => void): Promise<RawReply | 'late'> {
    await this.started(startTimeoutMs);
    if (!this.usable) throw new ZygoteLostError(`${this.name} is gone`);
    const id = ++this.nextId;
    const reply = await new Promise<RawReply | 'late'>((resolve, reject) => {
      const clear = atDeadline(deadlineAfter(answerMs), () => {
        this.pending = undefined;
        this.fail(`${this.name} did not answer within ${answerMs} ms`);
        resolve('late');
      });
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        clear();
        f(v);
      };
      this.pending = { id, resolve: settle(resolve), reject: settle(reject) };
      first?.(id);
      this.child.stdin!.write(JSON.stringify({ ...msg, id }) + '\n');
    });
    if (reply !== 'late' && reply.error) {
      this.fail(`${this.name} failed a run`);
      throw new ZygoteLostError(`${this.name} failed a run: ${reply.error.slice(-500)}`);
    }
    return reply;
  }

  /** Waits until it said ready, at most `ms`. */
  protected async started(ms: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const cancel = atDeadline(deadlineAfter(ms), () => reject(new ZygoteLostError(`${this.name} did not start within ${ms} ms: ${this.stderrTail.slice(-500)}`)));
      this.ready.then(
        () => {
          cancel();
          resolve();
        },
        (e: unknown) => {
          cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

export interface RawReply {
  id: number;
  exit: number | null;
  signal: number | null;
  timeout: boolean;
  stdout: string;
  stderr: string;
  out_trunc: boolean;
  err_trunc: boolean;
  verdict?: AssertVerdict | null;
  checker_signal?: number;
  checker_err?: string;
  forged?: string;
  wall_ms: number;
  cpu_ms: number | null;
  error?: string;
}

/** One zygote sandbox: the shared pool's, or one serving the tests of a single rollout (`rollout`: no modules warmed). */
export class Zygote extends ServedSandbox {
  /** fd 3 of the zygote: assert snippets, read only by each run's checker. */
  private get tests(): NodeJS.WritableStream {
    return this.child.stdio[3] as NodeJS.WritableStream;
  }

  /**
   * `slot`: its place in the shared pool (a replacement takes its predecessor's), and whether it keeps to that slot's
   * CPU; without one, the zygote of a single rollout (no modules warmed, any CPU).
   */
  constructor(sandbox: Sandbox, python: string, harnessDir: string, limits: SandboxLimits, preload: string[], log: Logger, readonly slot?: { index: number; pinned: boolean }) {
    super(
      sandbox,
      {
        argv: zygoteArgv(python, preload, slot ? 'pool' : 'rollout', slot?.pinned ? slot.index : undefined),
        roBinds: [{ src: harnessDir, dest: PY_INSIDE }],
        limits,
      },
      'zygote',
      (code, sig) => {
        if (!this.intentional) log.debug('zygote exited', { code, signal: sig });
      },
    );
    this.tests.on('error', () => this.fail('zygote tests channel closed'));
  }

  private intentional = false;

  async run(req: ZygoteRunRequest, useRlimitAs: boolean, startTimeoutMs: number): Promise<ZygoteRunReply> {
    const l = req.limits;
    const oomBefore = this.cgroup?.oomKills() ?? 0;
    const msg = { mode: req.test === undefined ? 'io' : 'assert', code: req.code, stdin: req.stdin, ...harnessLimits(l, useRlimitAs) };
    const test = req.test;
    // (the test goes to the checker's channel before the request reaches the zygote)
    const reply = await this.request(msg, startTimeoutMs, l.wallMs + 5000, test === undefined ? undefined : (id) => this.tests.write(JSON.stringify({ id, test }) + '\n'));
    if (reply === 'late') throw new ZygoteLostError(`zygote did not answer within ${l.wallMs + 5000} ms`);
    const oomKilled = (this.cgroup?.oomKills() ?? 0) > oomBefore;
    const cpuLimitMs = Math.max(1, Math.ceil(l.cpuMs / 1000)) * 1000;
    const cpuTimedOut = !reply.timeout && (reply.signal === 24 || (reply.signal === 9 && !oomKilled && (reply.cpu_ms ?? 0) >= cpuLimitMs - 50));
    return {
      exitCode: reply.exit,
      signal: reply.signal,
      wallTimedOut: reply.timeout,
      cpuTimedOut,
      oomKilled,
      stdout: reply.stdout,
      stderr: reply.stderr,
      stdoutTruncated: reply.out_trunc,
      stderrTruncated: reply.err_trunc,
      ...fromReply(reply),
      wallMs: reply.wall_ms,
    };
  }

  override async stop(): Promise<void> {
    this.intentional = true;
    await super.stop();
  }
}

/** The limit fields of a harness request (zygote.py, the JS checker): what each forked or spawned process gets. */
export function harnessLimits(l: SandboxLimits, rlimitAs: boolean): Record<string, number> {
  return {
    wall_ms: l.wallMs,
    cpu_s: Math.max(1, Math.ceil(l.cpuMs / 1000)),
    mem: rlimitAs ? l.memoryBytes : 0,
    fsize: l.fileSizeBytes,
    nofile: l.openFiles,
    // The harness and the sandbox's init share the per-namespace process count with the run.
    nproc: l.processes + 2,
    out: l.outputBytes,
  };
}

/** The assert-test part of a zygote reply (zygote.py `run`), shared by the zygote and the one-off path. */
export function fromReply(r: Pick<RawReply, 'verdict' | 'checker_signal' | 'forged'>): Pick<ZygoteRunReply, 'verdict' | 'checkerSignal' | 'forged'> {
  return {
    ...(r.verdict ? { verdict: r.verdict } : {}),
    ...(r.checker_signal ? { checkerSignal: r.checker_signal } : {}),
    ...(r.forged ? { forged: r.forged } : {}),
  };
}

export interface ZygotePoolOptions {
  python: string;
  /** The installed harness (installPythonHarness). */
  harness: string;
  size: number;
  /** Limits of the zygote sandbox itself: the ceiling for every run it serves. */
  limits: SandboxLimits;
  preload: string[];
  /** Runs that may wait for a zygote at once (the runtime's run slots). */
  maxWaiting: number;
  /** Each zygote (and every run it serves) keeps to one CPU: its slot's, round-robin over the CPUs we may use. */
  pin: boolean;
  log: Logger;
}

/**
 * A fixed set of zygotes, each serving one run at a time (so a run never shares its sandbox with another live run).
 * A zygote that died (a run killed it, or it broke) is replaced on the next use.
 */
export class ZygotePool {
  private readonly idle: Zygote[] = [];
  /** Runs waiting for a zygote (bounded by the runtime's run pool: at most one per run slot). */
  private readonly waiters: WaitQueue<Zygote>;
  private created = 0;
  private stopped = false;
  restarts = 0;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly opts: ZygotePoolOptions,
  ) {
    this.waiters = new WaitQueue(opts.maxWaiting);
  }

  private spawn(index: number): Zygote {
    const zygoteLimits: SandboxLimits = {
      ...this.opts.limits,
      cpuMs: Infinity,
      // The zygote's own interpreter needs some room above what each run may use.
      memoryBytes: this.opts.limits.memoryBytes + (96 << 20),
      processes: this.opts.limits.processes + 4,
    };
    return new Zygote(this.sandbox, this.opts.python, this.opts.harness, zygoteLimits, this.opts.preload, this.opts.log, { index, pinned: this.opts.pin });
  }

  /** Occupancy for metrics (verimesh_pool_*{pool="zygote"}): zygotes running a program, the pool's size, runs waiting. */
  get stats(): { busy: number; capacity: number; queued: number } {
    return { busy: this.created - this.idle.length, capacity: this.opts.size, queued: this.waiters.length };
  }

  /** Starts all zygotes now so the first batch does not pay for their start. */
  warm(): void {
    while (this.created < this.opts.size) this.idle.push(this.spawn(this.created++));
  }

  private acquire(signal?: AbortSignal): Promise<Zygote> {
    const z = this.idle.pop();
    if (z) return Promise.resolve(z);
    if (this.created < this.opts.size) return Promise.resolve(this.spawn(this.created++));
    return this.waiters.wait(signal);
  }

  private release(z: Zygote): void {
    let next = z;
    if (!z.usable) {
      this.restarts++;
      if (this.stopped) {
        this.created--;
        return;
      }
      next = this.spawn(z.slot!.index);
    }
    if (!this.waiters.wake(next)) this.idle.push(next);
  }

  async run(req: ZygoteRunRequest, signal?: AbortSignal): Promise<ZygoteRunReply> {
    if (req.limits.processes > this.opts.limits.processes || req.limits.fileSizeBytes > this.opts.limits.fileSizeBytes) {
      throw new Error('run limits exceed the zygote ceiling');
    }
    const z = await this.acquire(signal);
    try {
      return await z.run(req, !z.cgroup, 30_000);
    } finally {
      this.release(z);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiters.rejectAll(new ZygoteLostError('the zygotes are stopping'));
    const all = this.idle.splice(0);
    this.created -= all.length;
    await Promise.all(all.map((z) => z.stop()));
  }
}
