// The service's runtime: toolchains, the sandbox, the Python zygotes and the bounded pool every run goes through.
import { BoundedPool, ResourceExhaustedError, type Logger } from '@verimesh/kit';
import type { Config } from './config.js';
import { Sandbox, type SandboxLimits, type SandboxResult, type SandboxRunSpec } from './sandbox/sandbox.js';
import { ZygoteLostError, ZygotePool, type ZygoteRunReply } from './sandbox/zygote.js';
import { discoverToolchains, toolchainRoots, type Toolchains } from './toolchains.js';

/** What one run came to, whichever path ran it. */
export interface RunOutput {
  exitCode: number | null;
  signal: string | number | null;
  timedOut: boolean;
  oomKilled: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  /** The completion sentinel was written (assert tests). */
  completed: boolean;
  wallMs: number;
  path: 'zygote' | 'sandbox';
  infraError?: string;
}

export class Engine {
  readonly toolchains: Toolchains;
  readonly sandbox: Sandbox;
  readonly pool: BoundedPool;
  zygotes: ZygotePool | undefined;
  private started = false;

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {
    this.toolchains = discoverToolchains(config);
    this.sandbox = new Sandbox({
      bwrap: config.bwrap,
      uid: config.uid,
      gid: config.uid,
      toolchainRoots: toolchainRoots(this.toolchains),
      etcBinds: this.toolchains.etcBinds,
      tmpfsBytes: config.tmpfsMb * 1048576,
      useCgroups: config.cgroups,
      log,
    });
    this.pool = new BoundedPool(config.concurrency, config.queue);
  }

  /** Probes the sandbox (loudly logging when it cannot work) and warms the Python zygotes. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const ok = await this.sandbox.probe();
    this.log.info('code-exec toolchains', {
      languages: Object.keys(this.toolchains.available),
      missing: this.toolchains.missing,
      sandbox: this.sandbox.info(),
    });
    const python = this.toolchains.available.python;
    if (ok && python && this.config.pythonZygotes > 0) {
      this.zygotes = new ZygotePool(this.sandbox, {
        python: python.exe,
        size: this.config.pythonZygotes,
        limits: this.testLimits(this.config.maxTestTimeoutMs),
        preload: [...this.config.zygotePreload],
        log: this.log,
      });
      this.zygotes.warm();
    }
  }

  async stop(): Promise<void> {
    await this.zygotes?.stop();
    this.sandbox.dispose();
  }

  testLimits(timeoutMs: number, memoryMb: number = this.config.memoryMb): SandboxLimits {
    return {
      wallMs: timeoutMs,
      cpuMs: timeoutMs,
      memoryBytes: memoryMb * 1048576,
      processes: this.config.processes,
      openFiles: this.config.openFiles,
      fileSizeBytes: this.config.fileSizeMb * 1048576,
      outputBytes: this.config.outputKb * 1024,
    };
  }

  compileLimits(): SandboxLimits {
    return {
      wallMs: this.config.compileTimeoutMs,
      cpuMs: this.config.compileTimeoutMs,
      memoryBytes: this.config.compileMemoryMb * 1048576,
      processes: Math.max(128, this.config.processes),
      openFiles: 1024,
      fileSizeBytes: 256 << 20,
      outputBytes: 64 << 10,
    };
  }

  /** One sandboxed run through the bounded pool. */
  async run(spec: SandboxRunSpec, nonce?: string): Promise<RunOutput> {
    const r = await this.pool.run(() => this.sandbox.run(spec), spec.signal);
    return fromSandbox(r, nonce);
  }

  /** Raw sandbox result through the pool (compiles, simulations). */
  runRaw(spec: SandboxRunSpec): Promise<SandboxResult> {
    return this.pool.run(() => this.sandbox.run(spec), spec.signal);
  }

  /**
   * One Python program through a zygote when possible (same limits, a fresh work dir, one run per sandbox at a
   * time); when the zygote died or hung during the run, the run is repeated in a fresh one-off sandbox, which decides.
   */
  async runPython(
    code: string,
    stdin: string,
    limits: SandboxLimits,
    slow: () => { spec: SandboxRunSpec; nonce?: string },
    signal?: AbortSignal,
  ): Promise<RunOutput> {
    const zygotes = this.zygotes;
    if (zygotes && limits.memoryBytes === this.config.memoryMb * 1048576) {
      try {
        const r = await this.pool.run(() => zygotes.run({ code, stdin, limits }), signal);
        return fromZygote(r);
      } catch (e) {
        if (e instanceof ResourceExhaustedError || signal?.aborted) throw e;
        if (!(e instanceof ZygoteLostError)) throw e;
        this.log.debug('zygote lost during a run; repeating it in a fresh sandbox', { error: e.message });
      }
    }
    const { spec, nonce } = slow();
    return this.run({ ...spec, signal }, nonce);
  }

  info(): Record<string, unknown> {
    const t = this.toolchains;
    const sandbox = this.sandbox.info();
    const languages = this.sandbox.available ? Object.keys(t.available) : [];
    return {
      sandbox,
      languages,
      toolchains: Object.fromEntries(Object.entries(t.available).map(([k, v]) => [k, { version: v!.version, exe: v!.exe }])),
      missing_toolchains: t.missing,
      verilog: { iverilog: t.iverilog?.version ?? null, verilator: Boolean(t.verilator), yosys: Boolean(t.yosys) },
      python_zygotes: this.zygotes ? this.config.pythonZygotes : 0,
      zygote_restarts: this.zygotes?.restarts ?? 0,
      concurrency: this.config.concurrency,
      queue: this.config.queue,
      running: this.pool.active,
      queued: this.pool.queued,
      ...(this.sandbox.available ? {} : { WARNING: `SANDBOX UNAVAILABLE: ${this.sandbox.unavailableReason}; code.tests and code.verilog answer status unavailable` }),
    };
  }
}

function fromSandbox(r: SandboxResult, nonce?: string): RunOutput {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.wallTimedOut || r.cpuTimedOut,
    oomKilled: r.oomKilled,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
    stdoutTruncated: r.stdoutTruncated,
    completed: nonce !== undefined && r.fd3 === nonce,
    wallMs: r.wallMs,
    path: 'sandbox',
    infraError: r.infraError,
  };
}

function fromZygote(r: ZygoteRunReply): RunOutput {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.wallTimedOut || r.cpuTimedOut,
    oomKilled: r.oomKilled,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: r.stdoutTruncated,
    completed: r.completed,
    wallMs: r.wallMs,
    path: 'zygote',
  };
}
