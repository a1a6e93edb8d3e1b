// The one sandbox every language runs in: bubblewrap namespaces, an unprivileged uid, rlimits, cgroups, capped output.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@verimesh/kit';
import { createCgroupManager, type CgroupManager, type RunCgroup } from './cgroup.js';

export interface SandboxLimits {
  /** Wall-clock limit; the whole process tree is killed when it passes. */
  wallMs: number;
  /** CPU-time limit (RLIMIT_CPU, whole seconds, rounded up). */
  cpuMs: number;
  /** Memory: cgroup memory limit, or RLIMIT_AS when no cgroup could be created. */
  memoryBytes: number;
  /** Processes and threads: cgroup pids.max, and RLIMIT_NPROC inside the sandbox's own user namespace. */
  processes: number;
  openFiles: number;
  /** RLIMIT_FSIZE: the largest file the program may write. */
  fileSizeBytes: number;
  /** stdout and stderr are each kept up to this many bytes; the rest is dropped and flagged truncated. */
  outputBytes: number;
}

export interface SandboxRunSpec {
  /** Command inside the sandbox (absolute path or a name found on the sandbox PATH). */
  argv: string[];
  env?: Record<string, string>;
  stdin?: string | Buffer;
  /** Host directory bound read-write at /work (compile steps); without it /work is a fresh private tmpfs. */
  workDir?: string;
  /** Host paths bound read-only inside (the compiled program, sources). */
  roBinds?: Array<{ src: string; dest: string }>;
  limits: SandboxLimits;
  /** False for runtimes that reserve huge address space (JVM, V8): no RLIMIT_AS even without a cgroup. */
  rlimitAs?: boolean;
  /** Data the program reads on fd 3 (a pipe; the Python harness's tests channel). */
  fd3?: string;
  /**
   * The program is a trusted harness (the Python zygote serving one request, the JS checker) that starts the untrusted
   * program itself: it runs as its PID namespace's init (no bwrap reaper beside it, which would hold the service's
   * stdio where the program could take it), writes the start marker (fd 4) itself, and applies the run's limits to
   * what it starts; no shell or prlimit in between.
   */
  harness?: boolean;
  signal?: AbortSignal;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed because the wall-clock limit passed. */
  wallTimedOut: boolean;
  /** Killed by RLIMIT_CPU (SIGXCPU / SIGKILL at the hard limit). */
  cpuTimedOut: boolean;
  /** The memory cgroup killed a process of the run. */
  oomKilled: boolean;
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  wallMs: number;
  /** Set when the sandbox itself failed to start (infrastructure, not the program). */
  infraError?: string;
}

export interface SandboxOptions {
  bwrap: string;
  /** uid/gid the program runs as when the service is root (default nobody, 65534). */
  uid: number;
  gid: number;
  /** Host directories outside /usr that toolchains need (bound read-only at the same path). */
  toolchainRoots: string[];
  /** Extra /etc entries bound read-only when present (loader cache, alternatives, JVM config). */
  etcBinds: string[];
  /** Size of each private tmpfs (/work, /tmp) in bytes. */
  tmpfsBytes: number;
  /** Use cgroups when they can be created (else rlimits only). */
  useCgroups: boolean;
  log: Logger;
}

/** The PATH programs see; toolchain bin directories are appended. */
const BASE_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Environment every sandboxed program gets (nothing from the service's own environment). */
export const BASE_ENV: Readonly<Record<string, string>> = Object.freeze({
  HOME: '/work',
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  // One BLAS/OpenMP thread each: the run's process limit and memory stay predictable and numpy still starts.
  OPENBLAS_NUM_THREADS: '1',
  OMP_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  NUMEXPR_NUM_THREADS: '1',
  VECLIB_MAXIMUM_THREADS: '1',
  GOTO_NUM_THREADS: '1',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONIOENCODING: 'utf-8',
});

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), 'launcher.sh');

/** Keeps at most `cap` bytes of a stream and remembers whether more arrived. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.cap) {
      this.truncated = true;
      return;
    }
    const room = this.cap - this.size;
    if (chunk.length > room) {
      this.truncated = true;
      chunk = chunk.subarray(0, room);
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
  value(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** An executable's path: `name` itself when it has a slash, else the first match on the service's PATH. */
export function findOnPath(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface SandboxInfo {
  mode: 'bwrap' | 'unavailable';
  reason: string;
  uid: number;
  limits_by: 'cgroup-v2' | 'cgroup-v1' | 'rlimits';
  cgroup_detail: string;
  user_namespaces: boolean;
  network: 'none';
  toolchain_roots: string[];
}

/**
 * Runs commands inside bubblewrap: new user (unprivileged uid, no capabilities, no nested user namespaces), PID,
 * network (no interfaces but a private loopback), IPC and UTS namespaces; read-only /usr and toolchain roots;
 * a fresh private tmpfs for /work and /tmp per run; scrubbed environment; rlimits and (where possible) a cgroup per run.
 */
export class Sandbox {
  readonly hostRoot: string;
  private readonly mirrorDir: string | undefined;
  /** The process holding the private mount namespace where the toolchains are mirrored (root only). */
  private readonly mirror: { pid: Promise<number>; kill: () => void } | undefined;
  private readonly dropTo: { uid: number; gid: number } | undefined;
  private readonly cgroups: CgroupManager | undefined;
  private readonly cgroupReason: string;
  private readonly baseArgs: string[];
  private runCounter = 0;
  /** PATH of the launcher: the system directories, after bwrap's own when it is configured elsewhere. */
  private readonly launcherPath: string;
  private state: { ok: boolean; reason: string } = { ok: false, reason: 'not probed yet' };
  readonly sandboxPath: string;

  constructor(readonly opts: SandboxOptions) {
    const root = process.getuid?.() === 0;
    this.dropTo = root ? { uid: opts.uid, gid: opts.gid } : undefined;
    this.hostRoot = mkdtempSync(join(tmpdir(), 'verimesh-code-exec-'));
    chmodSync(this.hostRoot, 0o711);
    // As root the sandbox user may not traverse the toolchains' parents (e.g. /root is 0700): mirror them.
    const outside = opts.toolchainRoots.filter((p) => !p.startsWith('/usr/'));
    if (root && outside.length) {
      this.mirrorDir = join(this.hostRoot, 'toolchains');
      mkdirSync(this.mirrorDir, { mode: 0o755 });
      this.mirror = startMirror(this.mirrorDir, outside);
    }
    if (opts.useCgroups) {
      const { manager, reason } = createCgroupManager();
      this.cgroups = manager;
      this.cgroupReason = reason;
    } else {
      this.cgroupReason = 'disabled by configuration';
    }
    const bw = findOnPath(opts.bwrap);
    this.launcherPath = `${bw ? `${dirname(bw)}:` : ''}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
    LIVE.add(this);
    this.sandboxPath = [BASE_PATH, ...opts.toolchainRoots.map((r) => join(r, 'bin'))].join(':');
    this.baseArgs = this.buildBaseArgs(outside);
  }

  private buildBaseArgs(outside: string[]): string[] {
    const a = [
      '--unshare-user', '--uid', String(this.opts.uid), '--gid', String(this.opts.gid), '--disable-userns',
      '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
      '--hostname', 'sandbox', '--cap-drop', 'ALL', '--new-session', '--die-with-parent', '--clearenv',
      '--ro-bind', '/usr', '/usr',
    ];
    for (const top of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
      if (!existsSync(top)) continue;
      if (lstatSync(top).isSymbolicLink()) a.push('--symlink', readlinkSync(top), top);
      else a.push('--ro-bind', top, top);
    }
    for (const e of this.opts.etcBinds) a.push('--ro-bind-try', e, e);
    // /dev is remounted read-only at the end; /dev/shm and /tmp are size-capped tmpfs mounts of their own (an uncapped
    // tmpfs would let a run fill half the host's RAM where no memory cgroup charges it).
    const size = String(this.opts.tmpfsBytes);
    a.push('--proc', '/proc', '--dev', '/dev', '--size', size, '--tmpfs', '/dev/shm', '--size', size, '--tmpfs', '/tmp');
    const outsideSet = new Set(outside);
    for (const r of this.opts.toolchainRoots) {
      if (this.mirrorDir && outsideSet.has(r)) a.push('--ro-bind', join(this.mirrorDir, String(outside.indexOf(r))), r);
      else if (!r.startsWith('/usr/')) a.push('--ro-bind', r, r);
    }
    return a;
  }

  get limitsBy(): SandboxInfo['limits_by'] {
    return this.cgroups ? (this.cgroups.mode === 'v2' ? 'cgroup-v2' : 'cgroup-v1') : 'rlimits';
  }

  get available(): boolean {
    return this.state.ok;
  }
  get unavailableReason(): string {
    return this.state.reason;
  }

  info(): SandboxInfo {
    return {
      mode: this.state.ok ? 'bwrap' : 'unavailable',
      reason: this.state.reason,
      uid: this.opts.uid,
      limits_by: this.limitsBy,
      cgroup_detail: this.cgroupReason,
      user_namespaces: this.state.ok,
      network: 'none',
      toolchain_roots: this.opts.toolchainRoots,
    };
  }

  private mirrorPid: number | undefined;

  /** Starts one trivial sandbox to learn whether bubblewrap and user namespaces work here; logs loudly when not. */
  async probe(): Promise<boolean> {
    if (this.mirror) {
      try {
        this.mirrorPid = await this.mirror.pid;
      } catch (e) {
        this.state = { ok: false, reason: `could not mirror the toolchains for the sandbox user: ${(e as Error).message}` };
        this.opts.log.error('SANDBOX UNAVAILABLE: code.tests and code.verilog will answer status unavailable until this is fixed', { reason: this.state.reason });
        return false;
      }
    }
    if (!findOnPath(this.opts.bwrap)) {
      this.state = { ok: false, reason: `bubblewrap (${this.opts.bwrap}) not found: install the Debian package "bubblewrap"` };
    } else {
      this.state = { ok: true, reason: 'probing' };
      const r = await this.run({ argv: ['/bin/sh', '-c', 'test "$(id -u)" != 0 && echo ok'], limits: PROBE_LIMITS });
      if (r.infraError || r.stdout.toString().trim() !== 'ok') {
        this.state = {
          ok: false,
          reason: `bubblewrap could not start a sandbox (user namespaces unavailable?): ${r.infraError ?? r.stderr.toString().slice(0, 500)}`,
        };
      } else {
        this.state = { ok: true, reason: `bubblewrap sandbox as uid ${this.opts.uid}, limits by ${this.limitsBy} (${this.cgroupReason})` };
      }
    }
    if (!this.state.ok) {
      this.opts.log.error('SANDBOX UNAVAILABLE: code.tests and code.verilog will answer status unavailable until this is fixed', { reason: this.state.reason });
    } else if (!this.cgroups) {
      this.opts.log.warn('no cgroup could be created: memory and process limits fall back to rlimits', { reason: this.cgroupReason });
    }
    return this.state.ok;
  }

  /** A host directory the sandbox user may write (for compile steps); remove it with removeHostDir. */
  makeHostDir(prefix = 'r'): string {
    const dir = mkdtempSync(join(this.hostRoot, `${prefix}-`));
    if (this.dropTo) chownSync(dir, this.dropTo.uid, this.dropTo.gid);
    else chmodSync(dir, 0o700);
    return dir;
  }

  removeHostDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
  }

  /**
   * bwrap arguments. A one-off run first writes a byte on fd 4 from inside the finished sandbox (then closes it), so
   * that a run without that byte is known not to have started: an infrastructure failure, whatever its stderr says.
   * The zygote instead runs as its PID namespace's init (no bwrap reaper beside it; see spawnLongLived).
   */
  private bwrapArgs(spec: Pick<SandboxRunSpec, 'workDir' | 'roBinds' | 'env' | 'argv' | 'limits' | 'harness'>, rlimitAs: boolean, kind: 'run' | 'zygote'): string[] {
    const a = [...this.baseArgs];
    if (kind === 'zygote' || spec.harness) a.push('--as-pid-1');
    if (spec.workDir) a.push('--bind', spec.workDir, '/work');
    else a.push('--size', String(this.opts.tmpfsBytes), '--tmpfs', '/work');
    for (const b of spec.roBinds ?? []) a.push('--ro-bind', b.src, b.dest);
    // The sandbox's own root is a tmpfs too: read-only, so /work, /tmp and /dev/shm (size-capped) are the only writable places.
    a.push('--remount-ro', '/', '--remount-ro', '/dev', '--chdir', '/work');
    const env = { ...BASE_ENV, PATH: this.sandboxPath, ...spec.env };
    for (const [k, v] of Object.entries(env)) a.push('--setenv', k, v);
    const l = spec.limits;
    const cpuS = Math.max(1, Math.ceil(l.cpuMs / 1000));
    const rl = [
      '/usr/bin/prlimit',
      Number.isFinite(l.cpuMs) ? `--cpu=${cpuS}:${cpuS + 1}` : '--cpu=unlimited',
      `--fsize=${l.fileSizeBytes}`,
      `--nofile=${l.openFiles}`,
      `--nproc=${l.processes}`,
      '--core=0',
    ];
    if (rlimitAs) rl.push(`--as=${l.memoryBytes}`);
    if (spec.harness) a.push('--', ...spec.argv);
    else if (kind === 'run') a.push('--', '/bin/sh', '-c', 'printf . >&4 && exec 4>&- && exec "$@"', 'sh', ...rl, '--', ...spec.argv);
    else a.push('--', ...rl, '--', ...spec.argv);
    return a;
  }

  /** Environment of the launcher (never seen by the program) and the cgroup for one run. */
  private launch(limits: SandboxLimits): { env: NodeJS.ProcessEnv; cgroup?: RunCgroup } {
    const env: NodeJS.ProcessEnv = { PATH: this.launcherPath };
    let cgroup: RunCgroup | undefined;
    if (this.cgroups) {
      // A little headroom over the program's own limits for bwrap's init and prlimit.
      cgroup = this.cgroups.create(`run-${++this.runCounter}`, { memoryBytes: limits.memoryBytes + (16 << 20), pids: limits.processes + 4 });
      env.VM_CGROUP_PROCS = cgroup.procsFiles.join(' ');
    }
    if (this.mirrorPid !== undefined) env.VM_MOUNT_NS = `/proc/${this.mirrorPid}/ns/mnt`;
    if (this.dropTo) env.VM_DROP_TO = `${this.dropTo.uid} ${this.dropTo.gid}`;
    return { env, cgroup };
  }

  /**
   * Starts a long-lived sandboxed process (the Python zygote) with piped stdio; the caller owns it.
   * It runs as its PID namespace's init: bwrap's own init would hold the service's stdio sockets where the
   * zygote's runs could take them (pidfd_getfd, ptrace: same uid, dumpable), and, as init, it cannot be killed or
   * stopped from inside. Returns the child and a cleanup that kills it and removes its cgroup.
   */
  spawnLongLived(spec: Pick<SandboxRunSpec, 'argv' | 'env' | 'roBinds' | 'limits'>): {
    child: ReturnType<typeof spawn>;
    cgroup?: RunCgroup;
    cleanup: () => Promise<void>;
  } {
    const { env, cgroup } = this.launch(spec.limits);
    // fd 3: the zygote's tests channel.
    const child = spawn('/bin/sh', [LAUNCHER, ...this.bwrapArgs(spec, !cgroup, 'zygote')], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const cleanup = async (): Promise<void> => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
      await cgroup?.destroy();
    };
    return { child, cgroup, cleanup };
  }

  async run(spec: SandboxRunSpec): Promise<SandboxResult> {
    if (!this.state.ok) throw new Error(`sandbox unavailable: ${this.state.reason}`);
    const started = performance.now();
    let launch: ReturnType<Sandbox['launch']>;
    try {
      launch = this.launch(spec.limits);
    } catch (e) {
      return infraResult(`could not create the run's cgroup: ${(e as Error).message}`, started);
    }
    const { env, cgroup } = launch;
    const args = this.bwrapArgs(spec, !cgroup && spec.rlimitAs !== false, 'run');
    const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe', spec.fd3 !== undefined ? 'pipe' : 'ignore', 'pipe'];
    let sandboxStarted = false;
    const out = new CappedBuffer(spec.limits.outputBytes);
    const err = new CappedBuffer(spec.limits.outputBytes);
    let wallTimedOut = false;
    const child = spawn('/bin/sh', [LAUNCHER, ...args], { env, stdio });
    const kill = (): void => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    };
    const timer = setTimeout(() => {
      wallTimedOut = true;
      kill();
    }, spec.limits.wallMs);
    const onAbort = (): void => kill();
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    if (spec.fd3 !== undefined) {
      const s = child.stdio[3] as NodeJS.WritableStream;
      s.on('error', () => {
        /* the program may exit without reading it */
      });
      s.end(spec.fd3);
    }
    (child.stdio[4] as NodeJS.ReadableStream).on('data', () => (sandboxStarted = true));
    child.stdin!.on('error', () => {
      /* the program may exit without reading its input */
    });
    child.stdin!.end(spec.stdin ?? '');
    const [exitCode, signal, spawnError] = await new Promise<[number | null, NodeJS.Signals | null, Error | undefined]>((resolve) => {
      child.once('error', (e) => resolve([null, null, e]));
      child.once('close', (code, sig) => resolve([code, sig, undefined]));
    });
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onAbort);
    const oomKilled = (cgroup?.oomKills() ?? 0) > 0;
    // The cgroup goes back to the pool once empty; the run's result does not wait for that.
    void cgroup?.destroy();
    const wallMs = performance.now() - started;
    if (spawnError) return infraResult(`could not start the sandbox launcher: ${spawnError.message}`, started);
    const stderr = err.value();
    if (!sandboxStarted && !spec.signal?.aborted) {
      const why = stderr.subarray(0, 500).toString().trim() || `exit ${exitCode ?? signal}`;
      return infraResult(wallTimedOut ? `the sandbox did not start within ${spec.limits.wallMs} ms: ${why}` : why, started);
    }
    // bwrap passes the program's exit status on; a signal death shows as 128 + signo.
    let sig = signal;
    let code = exitCode;
    if (code !== null && code > 128 && code < 128 + 65) {
      sig = signalName(code - 128);
      code = null;
    }
    const cpuTimedOut = !wallTimedOut && (sig === 'SIGXCPU' || (sig === 'SIGKILL' && !oomKilled && !spec.signal?.aborted && wallMs >= spec.limits.cpuMs));
    return {
      exitCode: code,
      signal: sig,
      wallTimedOut,
      cpuTimedOut,
      oomKilled,
      stdout: out.value(),
      stderr,
      stdoutTruncated: out.truncated,
      stderrTruncated: err.truncated,
      wallMs,
    };
  }

  dispose(): void {
    LIVE.delete(this);
    this.mirror?.kill();
    this.cgroups?.dispose();
    try {
      rmSync(this.hostRoot, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}

/**
 * As root, the sandbox user may not traverse the directories above some toolchains (pyenv and rustup under /root,
 * 0700): a process holds a private mount namespace (never visible on the host) with each of them bind-mounted under
 * `dir`, which every launch enters (nsenter) before it drops to the sandbox user. It dies with the service.
 */
function startMirror(dir: string, sources: string[]): { pid: Promise<number>; kill: () => void } {
  const script = 'd=$1; shift; mount -t tmpfs -o mode=755,size=64k verimesh-toolchains "$d" || exit 125; i=0; for s in "$@"; do mkdir "$d/$i" && mount --bind "$s" "$d/$i" || exit 125; i=$((i + 1)); done; echo ready; exec sleep infinity';
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', dir, ...sources], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-500)));
  const pid = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child.pid!);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the toolchain mirror exited (${code}): ${err.trim()}`)));
  });
  pid.catch(() => {});
  return {
    pid,
    kill: () => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** Sandboxes not disposed yet: their cgroup roots and host dirs are removed when the process exits anyway. */
const LIVE = new Set<Sandbox>();
process.once('exit', () => {
  for (const s of [...LIVE]) s.dispose();
});

const PROBE_LIMITS: SandboxLimits = {
  wallMs: 15_000,
  cpuMs: 5_000,
  memoryBytes: 256 << 20,
  processes: 16,
  openFiles: 64,
  fileSizeBytes: 1 << 20,
  outputBytes: 4096,
};

function signalName(n: number): NodeJS.Signals | null {
  const names: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ', 31: 'SIGSYS' };
  return names[n] ?? null;
}

function infraResult(message: string, started: number): SandboxResult {
  return {
    exitCode: null,
    signal: null,
    wallTimedOut: false,
    cpuTimedOut: false,
    oomKilled: false,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    wallMs: performance.now() - started,
    infraError: message,
  };
}
