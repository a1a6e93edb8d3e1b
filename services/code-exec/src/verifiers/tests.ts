// code.tests: compile a solution once, run each test in its own fresh sandboxed process in parallel, score the fraction passed.
import { setMaxListeners } from 'node:events';
import { InternalError, InvalidArgumentError, UnavailableError, readBool, readChoice, readNumber, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { compareOutput, type CompareMode } from '../compare.js';
import { allRuns, type Runtime, type RunOutput } from '../runtime.js';
import type { SandboxRunSpec } from '../sandbox/sandbox.js';
import { ASSERT_LANGUAGES, COMPILED, prepareCompile, testProgram } from '../languages.js';
import { canonicalLanguage, LANGUAGES, type Language } from '../toolchains.js';

export type TestStatus = 'pass' | 'fail' | 'timeout' | 'runtime_error' | 'compile_error';

export interface TestRecord {
  status: TestStatus;
  ms: number;
  detail?: string;
  /** stdout went past the output cap (the rest was dropped). */
  truncated?: boolean;
}

type TestCase = { kind: 'assert'; code: string } | { kind: 'io'; stdin: string; stdout: string };

function parseTests(raw: unknown, lang: Language): TestCase[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new InvalidArgumentError('reference.tests', 'reference.tests must be a non-empty list of assert snippets or {"stdin", "stdout"} objects');
  if (raw.length > 1000) throw new InvalidArgumentError('reference.tests', 'reference.tests has more than 1000 tests');
  return raw.map((t, i) => {
    const field = `reference.tests[${i}]`;
    if (typeof t === 'string') {
      if (!ASSERT_LANGUAGES.has(lang)) throw new InvalidArgumentError(field, `${field}: assert snippets are supported for python and javascript; use {"stdin", "stdout"} for ${lang}`);
      return { kind: 'assert', code: t };
    }
    if (t && typeof t === 'object' && !Array.isArray(t)) {
      const o = t as Record<string, unknown>;
      const stdin = o.stdin ?? o.input ?? '';
      const stdout = o.stdout ?? o.output ?? o.expected_output;
      if (typeof stdin !== 'string' || typeof stdout !== 'string') throw new InvalidArgumentError(field, `${field} needs string "stdin" and "stdout"`);
      return { kind: 'io', stdin, stdout };
    }
    throw new InvalidArgumentError(field, `${field} must be a string (assert snippet) or an object {"stdin", "stdout"}`);
  });
}

function short(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Turns one run into a test verdict (SPEC 4.2: a test passes only if it runs to its end, on the harness's own evidence). */
export function judge(t: TestCase, r: RunOutput, compare: { mode: CompareMode; absTol: number; relTol: number }): TestRecord {
  const ms = Math.round(r.wallMs * 10) / 10;
  if (r.timedOut || r.checkerSignal === 24) return { status: 'timeout', ms, detail: 'time limit exceeded' };
  if (r.oomKilled) return { status: 'runtime_error', ms, detail: 'memory limit exceeded' };
  if (t.kind === 'assert') return judgeAssert(r, ms);
  if (r.signal !== null && r.signal !== undefined) return { status: 'runtime_error', ms, detail: `killed by signal ${r.signal}${tail(r.stderr)}` };
  if (r.exitCode !== 0) return { status: 'runtime_error', ms, detail: `exit code ${r.exitCode}${tail(r.stderr)}` };
  if (r.stdoutTruncated) return { status: 'fail', ms, detail: 'output exceeded the output limit', truncated: true };
  const c = compareOutput(r.stdout, t.stdout, compare);
  return c.ok ? { status: 'pass', ms } : { status: 'fail', ms, detail: c.reason };
}

/**
 * An assert test passes only on its checker's verdict: the checker ran the snippet to its end against the program's
 * values (the program's own exit status and output prove nothing).
 */
function judgeAssert(r: RunOutput, ms: number): TestRecord {
  const v = r.verdict;
  if (v?.status === 'pass') return { status: 'pass', ms };
  if (v?.status === 'fail') return { status: 'fail', ms, detail: v.detail };
  if (v?.status === 'error') return { status: 'runtime_error', ms, detail: v.detail };
  if (!v && r.checkerSignal) return { status: 'fail', ms, detail: `the test's checker was killed (signal ${r.checkerSignal}) before it finished` };
  // The program ended before the test did: say how.
  if (r.signal !== null && r.signal !== undefined) return { status: 'runtime_error', ms, detail: `killed by signal ${r.signal}${tail(r.stderr)}` };
  if (r.exitCode !== null && r.exitCode !== 0) return { status: 'runtime_error', ms, detail: `exit code ${r.exitCode}${tail(r.stderr)}` };
  if (!v) return { status: 'fail', ms, detail: "the test's checker gave no verdict" };
  return { status: 'fail', ms, detail: 'the program exited before the tests ran to their end' };
}

/** Why a run raises `tamper` (SPEC 3.1), if it does. */
export function tamperOf(t: TestCase, r: RunOutput): string | undefined {
  if (t.kind !== 'assert') return undefined;
  if (r.forged) return r.forged;
  if (r.verdict?.tamper) return r.verdict.tamper;
  // Only the program can kill its checker (other than the time and memory limits, judged before).
  if (!r.verdict && r.checkerSignal && r.checkerSignal !== 24 && !r.timedOut && !r.oomKilled) return "the program killed the test's checker";
  return undefined;
}

/** The most telling stderr line (the last one naming an error), else its last lines. */
function tail(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => l.trim());
  if (!lines.length) return '';
  const named = [...lines].reverse().find((l) => /\w*(Error|Exception|panicked)\b/.test(l));
  return `: ${short(named?.trim() ?? lines.slice(-3).join(' | '), 240)}`;
}

export function testsVerifier(runtime: Runtime): VerifierDef {
  return {
    name: 'code.tests',
    description: 'runs the extracted program against stdin/stdout cases or assert snippets in a sandbox; score = fraction of tests passed',
    params: {
      test_timeout_ms: 'per-test wall and CPU time limit (default 5000)',
      compare: '"tokens" (default: whitespace-separated tokens per line), "exact" (lines identical) or "float" (tokens, numbers within tolerance)',
      tolerance: 'float compare: |got - want| <= tolerance, absolute or relative to want (default 1e-6)',
      partial_credit: 'true (default): score = passed / total; false: 1 only when every test passes',
      memory_mb: 'per-test memory limit (default: the service setting, never above it)',
      extract: '"auto" (default: last fenced block in reference.language, else the last fenced block, else the answer), "none", or a regex with one group',
    },
    reference: {
      language: `one of ${LANGUAGES.join(', ')} (aliases py, js, c++ ...)`,
      tests: 'list of assert snippets (python/javascript, run after the solution) or {"stdin": ..., "stdout": ...} cases',
    },
    async verify(input, ctx) {
      const ref = input.reference;
      if (typeof ref.language !== 'string') throw new InvalidArgumentError('reference.language', 'reference.language is required (e.g. "python")');
      const lang = canonicalLanguage(ref.language);
      if (!lang) throw new InvalidArgumentError('reference.language', `reference.language "${ref.language}" is not one of ${LANGUAGES.join(', ')}`);
      const tests = parseTests(ref.tests, lang);
      const p = input.params;
      const timeoutMs = readNumber(p.test_timeout_ms, 'params.test_timeout_ms', runtime.config.testTimeoutMs, 50, runtime.config.maxTestTimeoutMs);
      const memoryMb = readNumber(p.memory_mb, 'params.memory_mb', runtime.config.memoryMb, 16, runtime.config.memoryMb);
      const tol = readNumber(p.tolerance, 'params.tolerance', 1e-6, 0, 1e9);
      const mode: CompareMode = readChoice(p.compare, 'params.compare', ['tokens', 'exact', 'float'] as const, 'tokens');
      const partial = readBool(p.partial_credit, 'params.partial_credit', true);
      const extracted = extractAnswer(input.response, parseExtractParam(p.extract), { code: true, language: lang });

      if (!runtime.sandbox.available) throw new UnavailableError(`sandbox unavailable: ${runtime.sandbox.unavailableReason}`);
      const tc = runtime.toolchains.available[lang];
      if (!tc) throw new UnavailableError(`no ${lang} toolchain on this code-exec instance: ${runtime.toolchains.missing[lang] ?? 'not installed'}`);

      const total = tests.length;
      const base = { language: lang, total };
      if (!extracted.text.trim()) {
        return { score: 0, detail: 'no code found in the response', metrics: { ...base, passed: 0, stage: 'extract', tests: tests.map(() => ({ status: 'compile_error', ms: 0 })) } };
      }
      const code = extracted.text;
      const limits = runtime.testLimits(timeoutMs, memoryMb);
      setMaxListeners(0, ctx.signal); // one abort listener per queued test
      // The zygote path needs no host files; the directory is made only when some run needs it.
      let hostDir: string | undefined;
      const getDir = (): string => (hostDir ??= runtime.sandbox.makeHostDir('tests'));
      try {
        let compileMs: number | undefined;
        if (COMPILED.has(lang)) {
          const dir = getDir();
          const step = prepareCompile(lang, tc, code, dir, limits)!;
          const t0 = performance.now();
          const r = await runtime.runRaw({ argv: step.argv, workDir: dir, limits: runtime.compileLimits(), rlimitAs: step.rlimitAs, signal: ctx.signal });
          compileMs = Math.round(performance.now() - t0);
          if (r.infraError) throw new InternalError(`sandbox failed while compiling: ${r.infraError}`);
          if (r.exitCode !== 0) {
            const why = r.wallTimedOut || r.cpuTimedOut ? 'compile time limit exceeded' : r.oomKilled ? 'compiler ran out of memory' : short(r.stderr.toString().trim(), 600);
            return {
              score: 0,
              detail: `compile error: ${why}`,
              metrics: { ...base, passed: 0, stage: 'compile', compile_ms: compileMs, tests: tests.map(() => ({ status: 'compile_error', ms: 0 })) },
            };
          }
        }
        const runsIn = tests.map((t) => ({ code, stdin: t.kind === 'io' ? t.stdin : '', ...(t.kind === 'assert' ? { test: t.code } : {}) }));
        const slowIo = (stdin: string): SandboxRunSpec => {
          const dir = getDir();
          const prog = testProgram(lang, tc, code, dir, limits);
          return { argv: prog.argv, stdin, limits, roBinds: [{ src: dir, dest: '/src' }], rlimitAs: prog.rlimitAs, signal: ctx.signal };
        };
        let runs: RunOutput[];
        if (lang === 'python') {
          runs = await runtime.runPythonTests(runsIn, limits, slowIo, ctx.signal);
        } else if (lang === 'javascript' && runsIn.every((r) => r.test !== undefined)) {
          runs = await runtime.runJsAsserts(runsIn.map((r) => ({ ...r, test: r.test! })), limits, ctx.signal);
        } else {
          // All settled: when one run fails (overload, infrastructure), the others still finish before the host dir goes.
          runs = await allRuns(runsIn.map((run) => (run.test !== undefined ? runtime.runJsAssert({ ...run, test: run.test }, limits, ctx.signal) : runtime.run(slowIo(run.stdin)))));
        }
        const infra = runs.find((r) => r.infraError);
        if (infra) throw new InternalError(`sandbox failed to run a test: ${infra.infraError}`);
        const records = tests.map((t, i) => judge(t, runs[i]!, { mode, absTol: tol, relTol: tol }));
        const tamper = tests.map((t, i) => tamperOf(t, runs[i]!)).find((x) => x !== undefined);
        const passed = records.filter((r) => r.status === 'pass').length;
        const score = partial ? passed / total : passed === total ? 1 : 0;
        const firstBad = records.findIndex((r) => r.status !== 'pass');
        const detail = `${passed}/${total} tests passed` + (firstBad >= 0 ? `; test ${firstBad}: ${records[firstBad]!.status}${records[firstBad]!.detail ? ` (${records[firstBad]!.detail})` : ''}` : '');
        return {
          score,
          detail,
          metrics: { ...base, passed, stage: 'run', ...(compileMs !== undefined ? { compile_ms: compileMs } : {}), path: runs[0]?.path, tests: records, ...(tamper ? { tamper } : {}) },
          ...(tamper ? { flags: ['tamper'] as const } : {}),
        };
      } finally {
        if (hostDir) runtime.sandbox.removeHostDir(hostDir);
      }
    },
  };
}
