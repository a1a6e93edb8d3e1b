// The service's runtime: toolchains, the sandbox, the Python zygotes, the assert-test checkers and the bounded pool every run goes through.
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoundedPool, ResourceExhaustedError, UnavailableError, type Logger } from '@verimesh/kit';
import type { Config } from './config.js';
import { isEsm, jsSource } from './languages.js';
import { Sandbox, type SandboxLimits, type SandboxResult, type SandboxRunSpec } from './sandbox/sandbox.js';
import { fromReply, harnessLimits, installPythonHarness, PY_INSIDE, zygoteArgv, Zygote, ZygoteLostError, ZygotePool, type AssertVerdict, type ServedSandbox, type RawReply, type ZygoteRunReply } from './sandbox/zygote.js';
import { JsRollout } from './sandbox/jsrollout.js';
import { discoverToolchains, toolchainRoots, type Toolchains } from './toolchains.js';

const JS_SOURCES = join(dirname(fileURLToPath(import.meta.url)), 'sandbox', 'js');
/** Where the JavaScript checker and its node are bound inside its sandbox. */
const JS_INSIDE = '/opt/verimesh';

/** What one run came to, whichever path ran it. */
export interface RunOutput {
  exitCode: number | null;
  signal: string | number | null;
  timedOut: boolean;
  oomKilled: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  /** Assert tests: the checker's verdict (the only evidence that a test ran to its end); undefined if it gave none. */
  verdict?: AssertVerdict;
  /** Signal that killed the checker, if one did. */
  checkerSignal?: number;
  /** The program wrote or printed the decoy completion token. */
  forged?: string;
  wallMs: number;
  path: 'zygote' | 'sandbox';
  infraError?: string;
}

/** One test of a program: stdin for the program, and for an assert test the snippet its checker runs. */
export interface TestRun {
  code: string;
  stdin: string;
  test?: string;
}

export class Runtime {
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
        harness: this.pythonHarness(),
        size: this.config.pythonZygotes,
        limits: this.testLimits(this.config.maxTestTimeoutMs),
        preload: [...this.config.zygotePreload],
        maxWaiting: this.config.concurrency,
        pin: this.config.zygotePin,
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
  async run(spec: SandboxRunSpec): Promise<RunOutput> {
    const r = await this.pool.run(() => this.sandbox.run(spec), spec.signal);
    return fromSandbox(r);
  }

  private pyHarness: string | undefined;
  private jsHarness: { node: string; dir: string } | undefined;

  /**
   * The JavaScript checker's files: an execute-only copy of node (a process started from a file it may not read is
   * made undumpable by the kernel, which node cannot do for itself) and the harness scripts. Made on first use.
   */
  private jsChecker(): { node: string; dir: string } {
    if (this.jsHarness) return this.jsHarness;
    let dumpable = '0';
    try {
      dumpable = readFileSync('/proc/sys/fs/suid_dumpable', 'utf8').trim();
    } catch {
      /* not Linux: the sandbox would not run either */
    }
    if (dumpable === '1') throw new UnavailableError('javascript assert tests need fs.suid_dumpable 0 or 2 (it is 1 here: the checker could not be made untraceable)');
    const dir = join(this.sandbox.hostRoot, 'js');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const f of ['checker.cjs', 'host.cjs', 'wire.cjs']) {
      copyFileSync(join(JS_SOURCES, f), join(dir, f));
      chmodSync(join(dir, f), 0o644);
    }
    const node = join(this.sandbox.hostRoot, 'node-checker');
    copyFileSync(realpathSync(this.toolchains.available.javascript!.exe), node);
    chmodSync(node, 0o111);
    return (this.jsHarness = { node, dir });
  }

  /**
   * A JavaScript assert test in a fresh sandbox: the checker (js/checker.cjs, the sandbox's init) starts the program
   * (js/host.cjs + the solution) and runs the snippet against it.
   */
  async runJsAssert(req: TestRun & { test: string }, limits: SandboxLimits, signal?: AbortSignal): Promise<RunOutput> {
    return this.pool.run(() => this.jsOnce(req, limits, signal), signal);
  }

  /** The checker's request for one JavaScript assert test. */
  private jsRequest(req: TestRun & { test: string }, limits: SandboxLimits): Record<string, unknown> {
    return {
      // The program's own limits (its node has the checker's threads beside it in the per-user process count).
      ...harnessLimits({ ...limits, processes: limits.processes + 14 }, false),
      source: jsSource(req.code),
      esm: isEsm(req.code),
      test: req.test,
      node: this.toolchains.available.javascript!.exe,
      heap_mb: Math.max(64, Math.floor(Math.floor(limits.memoryBytes / 1048576) * 0.75)),
      decoy: randomBytes(16).toString('hex'),
    };
  }

  /** The checker and its node, bound into the sandbox. */
  private jsBinds(): Array<{ src: string; dest: string }> {
    const harness = this.jsChecker();
    return [
      { src: harness.node, dest: `${JS_INSIDE}/node` },
      { src: harness.dir, dest: `${JS_INSIDE}/js` },
    ];
  }

  /** runJsAssert inside a run slot the caller holds. */
  private async jsOnce(req: TestRun & { test: string }, limits: SandboxLimits, signal?: AbortSignal): Promise<RunOutput> {
    const binds = this.jsBinds();
    const r = await this.sandbox.run({
      argv: [`${JS_INSIDE}/node`, `${JS_INSIDE}/js/checker.cjs`],
      roBinds: binds,
      stdin: JSON.stringify(this.jsRequest(req, limits)),
      limits: jsSandboxLimits(limits),
      harness: true,
      signal,
    });
    return fromHarness(r, 'sandbox');
  }

  /**
   * The JavaScript assert tests of one rollout. With cgroups and more than one test: one sandbox for the rollout,
   * whose checker (the sandbox's init) serves its tests one at a time, each with a fresh program node, every other
   * process killed and /work, /tmp, /dev/shm emptied between them; the checker ends its sandbox after any test that
   * could leave anything else behind (the next test gets a new one), and a test's wall limit ends it too. A test
   * whose sandbox died or did not start runs in a one-off sandbox. Otherwise (one test, rlimits only) one sandbox
   * per test.
   */
  async runJsAsserts(reqs: Array<TestRun & { test: string }>, limits: SandboxLimits, signal?: AbortSignal): Promise<RunOutput[]> {
    if (reqs.length > 1 && this.sandbox.limitsBy.startsWith('cgroup')) return this.pool.run(() => this.jsRollout(reqs, limits, signal), signal);
    return allRuns(reqs.map((r) => this.runJsAssert(r, limits, signal)));
  }

  /** runJsAsserts' sandbox of one rollout, inside the run slot it holds. */
  private jsRollout(reqs: Array<TestRun & { test: string }>, limits: SandboxLimits, signal?: AbortSignal): Promise<RunOutput[]> {
    return this.inRolloutSandbox(
      reqs,
      () => new JsRollout(this.sandbox, { argv: [`${JS_INSIDE}/node`, `${JS_INSIDE}/js/checker.cjs`, 'rollout'], roBinds: this.jsBinds(), limits: { ...jsSandboxLimits(limits), cpuMs: Infinity } }),
      async (s, req) => {
        const r = await s.run(this.jsRequest(req, limits), limits.wallMs, 30_000);
        if ('timedOut' in r) return { exitCode: null, signal: null, timedOut: true, oomKilled: false, stdout: '', stderr: '', stdoutTruncated: false, wallMs: r.wallMs, path: 'sandbox' };
        return fromHarnessReply(r.reply, r.oomKilled, 'sandbox');
      },
      (req) => this.jsOnce(req, limits, signal),
      signal,
    );
  }

  /**
   * A rollout's runs, one at a time, in a sandbox made for it (`open`), inside the run slot the caller holds. A run
   * whose sandbox was lost (ZygoteLostError: it died, hung or did not start) is repeated in a one-off sandbox
   * (`once`), which decides; the next run gets a new sandbox, as it does after one that can serve no more.
   */
  private async inRolloutSandbox<S extends ServedSandbox, R>(reqs: R[], open: () => S, runIn: (s: S, req: R) => Promise<RunOutput>, once: (req: R) => Promise<RunOutput>, signal?: AbortSignal): Promise<RunOutput[]> {
    let s: S | undefined;
    const out: RunOutput[] = [];
    try {
      for (const req of reqs) {
        signal?.throwIfAborted();
        if (s && !s.usable) {
          void s.stop();
          s = undefined;
        }
        s ??= open();
        try {
          out.push(await runIn(s, req));
          continue;
        } catch (e) {
          if (!(e instanceof ZygoteLostError)) throw e;
          this.log.debug("a rollout's sandbox was lost during a run; repeating it in a fresh sandbox", { error: e.message });
          void s.stop();
          s = undefined;
        }
        out.push(await once(req));
      }
    } finally {
      void s?.stop();
    }
    return out;
  }

  /**
   * A Python assert test in a fresh sandbox: zygote.py serving one request as the sandbox's init (program and checker
   * forked from it, the test on fd 3), the same harness as the zygote path.
   */
  async runPythonOnce(req: TestRun & { test: string }, limits: SandboxLimits, signal?: AbortSignal): Promise<RunOutput> {
    return this.pool.run(() => this.pythonOnce(req, limits, signal), signal);
  }

  /** runPythonOnce inside a run slot the caller holds. */
  private async pythonOnce(req: TestRun & { test: string }, limits: SandboxLimits, signal?: AbortSignal): Promise<RunOutput> {
    const python = this.toolchains.available.python!;
    const msg = { id: 1, mode: 'assert', code: req.code, stdin: req.stdin, ...harnessLimits(limits, !this.sandbox.limitsBy.startsWith('cgroup')) };
    const r = await this.sandbox.run({
      argv: zygoteArgv(python.exe, [], 'once'),
      roBinds: [{ src: this.pythonHarness(), dest: PY_INSIDE }],
      stdin: JSON.stringify(msg) + '\n',
      fd3: JSON.stringify({ id: 1, test: req.test }) + '\n',
      limits: harnessSandboxLimits(limits),
      harness: true,
      signal,
    });
    return fromHarness(r, 'sandbox');
  }

  private pythonHarness(): string {
    return (this.pyHarness ??= installPythonHarness(this.sandbox.hostRoot, this.toolchains.available.python!.exe));
  }

  /**
   * The Python tests of one rollout. Where the shared zygotes serve them (the default): each test on one of them.
   * Otherwise (zygotes off, or a memory limit other than theirs) a rollout of several tests gets one sandbox of its
   * own, made for it and gone after it: a zygote (no modules warmed) serving its tests one at a time, each in a fresh
   * forked child with the zygote path's wipe and checker rules between them, so no test of one rollout sees another
   * rollout's, and a test sees no more of its own rollout's earlier tests than on the zygote path. A rollout of one
   * test, and a test whose zygote died or hung, get a one-off sandbox. Throws the first failure (overload) after
   * every run has ended.
   */
  async runPythonTests(reqs: TestRun[], limits: SandboxLimits, slowIo: (stdin: string) => SandboxRunSpec, signal?: AbortSignal): Promise<RunOutput[]> {
    if (reqs.length > 1 && !this.sharedZygotes(limits)) return this.pool.run(() => this.rolloutSandbox(reqs, limits, slowIo, signal), signal);
    return allRuns(reqs.map((r) => this.runPython(r, limits, slowIo, signal)));
  }

  private sharedZygotes(limits: SandboxLimits): ZygotePool | undefined {
    return limits.memoryBytes === this.config.memoryMb * 1048576 ? this.zygotes : undefined;
  }

  /** runPythonTests' sandbox of one rollout, inside the run slot it holds. */
  private rolloutSandbox(reqs: TestRun[], limits: SandboxLimits, slowIo: (stdin: string) => SandboxRunSpec, signal?: AbortSignal): Promise<RunOutput[]> {
    const python = this.toolchains.available.python!;
    return this.inRolloutSandbox(
      reqs,
      () => new Zygote(this.sandbox, python.exe, this.pythonHarness(), { ...harnessSandboxLimits(limits), cpuMs: Infinity }, [], this.log),
      async (z, req) => fromZygote(await z.run({ ...req, limits }, !z.cgroup, 30_000), 'sandbox'),
      async (req) => (req.test !== undefined ? this.pythonOnce({ ...req, test: req.test }, limits, signal) : fromSandbox(await this.sandbox.run({ ...slowIo(req.stdin), signal }))),
      signal,
    );
  }

  /** Raw sandbox result through the pool (compiles, simulations). */
  runRaw(spec: SandboxRunSpec): Promise<SandboxResult> {
    return this.pool.run(() => this.sandbox.run(spec), spec.signal);
  }

  /**
   * One Python program through a zygote when possible (same limits, a fresh work dir, one run per sandbox at a
   * time); when the zygote died or hung during the run, the run is repeated in a fresh one-off sandbox, which decides.
   */
  async runPython(req: TestRun, limits: SandboxLimits, slowIo: (stdin: string) => SandboxRunSpec, signal?: AbortSignal): Promise<RunOutput> {
    const zygotes = this.sharedZygotes(limits);
    if (zygotes) {
      try {
        const r = await this.pool.run(() => zygotes.run({ ...req, limits }, signal), signal);
        return fromZygote(r, 'zygote');
      } catch (e) {
        if (e instanceof ResourceExhaustedError || signal?.aborted) throw e;
        if (!(e instanceof ZygoteLostError)) throw e;
        this.log.debug('zygote lost during a run; repeating it in a fresh sandbox', { error: e.message });
      }
    }
    if (req.test !== undefined) return this.runPythonOnce({ ...req, test: req.test }, limits, signal);
    return this.run({ ...slowIo(req.stdin), signal });
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

function fromSandbox(r: SandboxResult): RunOutput {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.wallTimedOut || r.cpuTimedOut,
    oomKilled: r.oomKilled,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
    stdoutTruncated: r.stdoutTruncated,
    wallMs: r.wallMs,
    path: 'sandbox',
    infraError: r.infraError,
  };
}

/**
 * A one-off sandbox whose init is a trusted harness that printed one JSON reply (zygote.py once, the JS checker):
 * the program's outcome as the harness saw it, the time and memory limits as the sandbox saw them.
 */
export function fromHarness(r: SandboxResult, path: RunOutput['path']): RunOutput {
  const base = fromSandbox(r);
  if (r.infraError || base.timedOut || r.signal) return base;
  const line = r.stdout.toString('utf8').split('\n').reverse().find((l) => l.startsWith('{"id"'));
  let reply: RawReply | undefined;
  try {
    reply = line ? (JSON.parse(line) as RawReply) : undefined;
  } catch {
    reply = undefined;
  }
  if (!reply || reply.error) {
    if (r.oomKilled) return base;
    return { ...base, infraError: `the test harness gave no reply (exit ${r.exitCode}): ${(reply?.error ?? r.stderr.toString('utf8')).slice(-500)}` };
  }
  return fromHarnessReply(reply, r.oomKilled, path);
}

/** A harness's reply (zygote.py once, the JS checker, one-off or per rollout) as a run's outcome. */
function fromHarnessReply(reply: RawReply, oomKilled: boolean, path: RunOutput['path']): RunOutput {
  return {
    exitCode: reply.exit,
    signal: reply.signal,
    timedOut: reply.timeout || reply.signal === 24,
    oomKilled,
    stdout: reply.stdout,
    stderr: reply.stderr,
    stdoutTruncated: reply.out_trunc,
    ...fromReply(reply),
    wallMs: reply.wall_ms,
    path,
  };
}

/** Every run's outcome, in order, once all have ended; the first failure (overload, infrastructure) is thrown then. */
export async function allRuns(runs: Array<Promise<RunOutput>>): Promise<RunOutput[]> {
  const settled = await Promise.allSettled(runs);
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<RunOutput>).value);
}

/** Two node processes (the checker and the program): room for the checker's memory and threads. */
function jsSandboxLimits(limits: SandboxLimits): SandboxLimits {
  return { ...limits, memoryBytes: limits.memoryBytes + (64 << 20), processes: limits.processes + 16 };
}

/** The harness (zygote.py once, a rollout's zygote) needs some room beside the program. */
function harnessSandboxLimits(limits: SandboxLimits): SandboxLimits {
  return { ...limits, memoryBytes: limits.memoryBytes + (64 << 20), processes: limits.processes + 4 };
}

function fromZygote(r: ZygoteRunReply, path: RunOutput['path']): RunOutput {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.wallTimedOut || r.cpuTimedOut,
    oomKilled: r.oomKilled,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: r.stdoutTruncated,
    ...(r.verdict ? { verdict: r.verdict } : {}),
    ...(r.checkerSignal ? { checkerSignal: r.checkerSignal } : {}),
    ...(r.forged ? { forged: r.forged } : {}),
    wallMs: r.wallMs,
    path,
  };
}
