// code.verilog: iverilog -g2012 compile (syntax), vvp simulation against a self-checking testbench (function), Yosys cell area (bonus).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError, InvalidArgumentError, UnavailableError, readChoice, readNumber, type VerifierDef } from '@verimesh/kit';
import type { SentinelFlag } from '@verimesh/proto';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { Runtime } from '../runtime.js';
import type { SandboxResult } from '../sandbox/sandbox.js';
import { judgeSimulation, neutralizeSimControl, readingCalls, tagTestbenchOutput, testbenchOutput, testbenchRoots, type SimVerdict } from './verilog-source.js';

/** "Number of cells" of the flattened top in Yosys `stat` output (the last report printed). */
export function parseCellCount(out: string): number | undefined {
  const re = /Number of cells:\s+(\d+)/g;
  let last: number | undefined;
  for (let m = re.exec(out); m; m = re.exec(out)) last = Number(m[1]);
  return last;
}

/** SPEC 4.2: 0.1 + 0.9·pass, or with a reference area 0.1 + 0.7·pass + 0.2·pass·min(1, ref/area). */
export function verilogScore(pass: number, referenceArea?: number, area?: number): number {
  if (referenceArea === undefined) return 0.1 + 0.9 * pass;
  const ratio = area === undefined ? 0 : area <= 0 ? 1 : Math.min(1, referenceArea / area);
  return 0.1 + 0.7 * pass + 0.2 * pass * ratio;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** A preprocessed design larger than this (a macro bomb) does not compile. */
const MAX_PREPROCESSED_BYTES = 8 << 20;

/**
 * Inside the sandbox, with only the design (and the library) in /work: `iverilog -E` the design alone into
 * design.pp.sv (present only when preprocessing succeeded), then elaborate it with its own top as the only root.
 * $1 = iverilog, $2 = the design's top, the rest = library files.
 */
const PREPROCESS_AND_ELABORATE = 'iv=$1; top=$2; shift 2; "$iv" -E -o /work/pp.tmp /work/design.sv || exit 1; mv /work/pp.tmp /work/design.pp.sv || exit 1; exec "$iv" -g2012 -s "$top" -o /work/alone.vvp /work/design.pp.sv "$@"';

function firstLines(r: SandboxResult, n = 600): string {
  const s = (r.stderr.toString() + r.stdout.toString()).trim();
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function verilogVerifier(runtime: Runtime): VerifierDef {
  return {
    name: 'code.verilog',
    description: 'compiles the Verilog design with iverilog -g2012, simulates the reference testbench with vvp, optional Yosys area bonus',
    params: {
      sim_timeout_ms: 'simulation wall-time limit (default: service setting, 10000)',
      pass_regex: 'regex the simulation output must match to pass, for testbenches that do not print "Mismatches: N"',
      function: '"binary" (default: pass = no mismatches) or "dense" (pass = 1 - N/M from "Mismatches: N in M samples")',
      lint: 'true: also run verilator --lint-only -Wall on the design and report warnings in metrics (default false)',
      extract: '"auto" (default: last ```verilog block, else last fenced block, else the answer), "none", or a regex with one group',
    },
    reference: {
      testbench: 'Verilog source of the self-checking testbench (its own top module)',
      top: "the design's module name",
      reference_area: 'optional: Yosys cell count of a reference design; enables the area term',
      testbench_top: 'optional: the testbench module that is the root of the simulation (default: the testbench module no other instantiates, preferring tb/testbench)',
      library: 'optional: Verilog source of modules the design may instantiate (given by the problem); compiled with the design',
    },
    async verify(input, ctx) {
      const ref = input.reference;
      if (typeof ref.testbench !== 'string' || !ref.testbench.trim()) throw new InvalidArgumentError('reference.testbench', 'reference.testbench must be Verilog source text');
      if (typeof ref.top !== 'string' || !IDENT.test(ref.top)) throw new InvalidArgumentError('reference.top', 'reference.top must be a Verilog module name');
      const refArea = ref.reference_area;
      if (refArea !== undefined && (typeof refArea !== 'number' || !(refArea >= 0))) throw new InvalidArgumentError('reference.reference_area', 'reference.reference_area must be a non-negative number');
      const tbTop = ref.testbench_top;
      if (tbTop !== undefined && (typeof tbTop !== 'string' || !IDENT.test(tbTop))) throw new InvalidArgumentError('reference.testbench_top', 'reference.testbench_top must be a module name');
      const library = ref.library;
      if (library !== undefined && typeof library !== 'string') throw new InvalidArgumentError('reference.library', 'reference.library must be Verilog source text');
      const tbModules = testbenchRoots(ref.testbench);
      if (!tbModules.modules.length) throw new InvalidArgumentError('reference.testbench', 'reference.testbench declares no module');
      if (tbTop !== undefined && !tbModules.modules.includes(tbTop)) throw new InvalidArgumentError('reference.testbench_top', `reference.testbench_top "${tbTop}" is not a module of reference.testbench (it declares ${tbModules.modules.join(', ')})`);
      const roots = tbTop !== undefined ? [tbTop] : tbModules.roots;
      if (!roots.length) throw new InvalidArgumentError('reference.testbench', 'reference.testbench has no top module (every module is instantiated by another); give reference.testbench_top');
      const p = input.params;
      const fn = readChoice(p.function, 'params.function', ['binary', 'dense'] as const, 'binary');
      let passRe: RegExp | undefined;
      if (p.pass_regex !== undefined) {
        if (typeof p.pass_regex !== 'string') throw new InvalidArgumentError('params.pass_regex', 'params.pass_regex must be a string');
        try {
          passRe = new RegExp(p.pass_regex, 'm');
        } catch (e) {
          throw new InvalidArgumentError('params.pass_regex', `params.pass_regex is not a valid regex: ${(e as Error).message}`);
        }
      }
      const simMs = readNumber(p.sim_timeout_ms, 'params.sim_timeout_ms', runtime.config.simTimeoutMs, 10, 600_000);

      if (!runtime.sandbox.available) throw new UnavailableError(`sandbox unavailable: ${runtime.sandbox.unavailableReason}`);
      const tools = runtime.toolchains;
      if (!tools.iverilog) throw new UnavailableError('iverilog/vvp not installed on this code-exec instance (Debian package iverilog)');
      if (refArea !== undefined && !tools.yosys) throw new UnavailableError('reference_area needs Yosys, which is not installed here (Debian package yosys)');

      const design = extractAnswer(input.response, parseExtractParam(p.extract), { code: true, language: 'verilog' }).text;
      if (!design.trim()) return { score: 0, detail: 'no Verilog found in the response', metrics: { stage: 'syntax' } };

      const dir = runtime.sandbox.makeHostDir('verilog');
      const file = (name: string): string => join(dir, name);
      try {
        writeFileSync(file('design.sv'), design);
        const libArgs = library !== undefined ? ['/work/library.sv'] : [];
        if (library !== undefined) writeFileSync(file('library.sv'), library);
        const compileLimits = runtime.compileLimits();
        // 1. The design alone (the testbench is not there yet): preprocessed on its own, so that its macros and
        //    `include`s cannot reach the testbench, then elaborated with its own top as the only root: a design that
        //    names the testbench's signals (tb.errors = 0) or instantiates its modules (RefModule) fails here.
        const alone = await runtime.runRaw({
          argv: ['/bin/sh', '-c', PREPROCESS_AND_ELABORATE, 'sh', tools.iverilog.iverilog, ref.top, ...libArgs],
          workDir: dir,
          limits: compileLimits,
          signal: ctx.signal,
        });
        if (alone.infraError) throw new InternalError(`sandbox failed while compiling Verilog: ${alone.infraError}`);
        const ppSize = existsSync(file('design.pp.sv')) ? statSync(file('design.pp.sv')).size : -1;
        if (ppSize < 0 || ppSize > MAX_PREPROCESSED_BYTES) {
          const why = alone.wallTimedOut || alone.cpuTimedOut ? 'compile time limit exceeded' : ppSize > 0 ? `the preprocessed design exceeds ${MAX_PREPROCESSED_BYTES >> 20} MiB` : firstLines(alone);
          return { score: 0, detail: `does not compile: ${why}`, metrics: { stage: 'syntax', compile_ok: false } };
        }
        // 2. The design as simulated: no simulation-control call of its own, and no compiler directive leaking into
        //    the testbench (`resetall). It replaces the response's text for every later step.
        const marker = `VERIMESH-SIMCTL-${randomBytes(8).toString('hex')}`;
        const { text: dut, calls } = neutralizeSimControl(readFileSync(file('design.pp.sv'), 'utf8'), marker);
        writeFileSync(file('design.sv'), `${dut}\n\`resetall\n`);
        for (const f of ['design.pp.sv', 'alone.vvp']) rmSync(file(f), { force: true });
        // With pass_regex the verdict is a line the design could print itself ("ALL TESTS PASSED"): it is read only
        // from the testbench's own output calls, delimited by a marker made now (after the response was written), and
        // the design may not read files or arguments, through which it could find the marker in the simulation.
        const tbMarker = passRe ? `vmtb${randomBytes(8).toString('hex')}` : undefined;
        const reads = passRe ? readingCalls(dut) : [];
        writeFileSync(file('tb.sv'), tbMarker ? tagTestbenchOutput(ref.testbench, tbMarker) : ref.testbench);
        const comp = await runtime.runRaw({
          argv: [tools.iverilog.iverilog, '-g2012', '-o', '/work/sim.vvp', ...roots.flatMap((r) => ['-s', r]), '/work/design.sv', ...libArgs, '/work/tb.sv'],
          workDir: dir,
          limits: compileLimits,
          signal: ctx.signal,
        });
        if (comp.infraError) throw new InternalError(`sandbox failed while compiling Verilog: ${comp.infraError}`);
        const flags: SentinelFlag[] = calls.length ? ['tamper'] : [];
        const base: Record<string, unknown> = { roots, ...(calls.length ? { sim_control: calls } : {}) };
        if (comp.exitCode !== 0) {
          const why = comp.wallTimedOut || comp.cpuTimedOut ? 'compile time limit exceeded' : firstLines(comp);
          return { score: 0, detail: `does not compile: ${why}`, metrics: { ...base, stage: 'syntax', compile_ok: false }, flags };
        }
        if (alone.exitCode !== 0) {
          // It compiles only inside this testbench: it reaches into the testbench instead of implementing the task.
          return {
            score: 0,
            detail: `does not compile on its own (with ${ref.top} as its top), only inside the testbench: it uses the testbench's names or modules: ${firstLines(alone, 400)}`,
            metrics: { ...base, stage: 'syntax', compile_ok: false, compiles_in_testbench: true },
            flags: ['tamper'],
          };
        }
        const metrics: Record<string, unknown> = { ...base, stage: 'function', compile_ok: true };
        const designOnly = [{ src: file('design.sv'), dest: '/src/design.sv' }];
        if (p.lint === true && tools.verilator) {
          const lint = await runtime.runRaw({
            argv: [tools.verilator, '--lint-only', '-Wall', '-Wno-DECLFILENAME', '-Wno-EOFNEWLINE', '--top-module', ref.top, '/src/design.sv'],
            roBinds: designOnly,
            limits: compileLimits,
            signal: ctx.signal,
          });
          if (lint.infraError) throw new InternalError(`sandbox failed while linting: ${lint.infraError}`);
          const text = lint.stderr.toString();
          metrics.lint_warnings = (text.match(/^%Warning/gm) ?? []).length;
          metrics.lint_errors = (text.match(/^%Error/gm) ?? []).length;
          if (metrics.lint_warnings) metrics.lint = text.split('\n').filter((l) => l.startsWith('%Warning')).slice(0, 10);
        }
        const sim = await runtime.runRaw({
          argv: [tools.iverilog.vvp, '-n', '/src/sim.vvp'],
          roBinds: [{ src: file('sim.vvp'), dest: '/src/sim.vvp' }],
          limits: { ...runtime.testLimits(simMs), outputBytes: 1 << 20 },
          signal: ctx.signal,
        });
        if (sim.infraError) throw new InternalError(`sandbox failed while simulating: ${sim.infraError}`);
        const printed = (sim.stdout.toString() + '\n' + sim.stderr.toString()).split('\n');
        const kept = printed.filter((l) => !l.includes(marker));
        const out = kept.join('\n');
        if (kept.length < printed.length) metrics.sim_control_calls = printed.length - kept.length;
        const timedOut = sim.wallTimedOut || sim.cpuTimedOut;
        let verdict: SimVerdict;
        if (reads.length) verdict = { pass: 0, why: `with params.pass_regex the design may not read files or arguments (it calls ${reads.join(', ')})` };
        else if (timedOut) verdict = { pass: 0, why: `simulation did not finish within ${simMs} ms` };
        else if (sim.exitCode !== 0 && sim.exitCode !== null) verdict = { pass: 0, why: `simulation exited with code ${sim.exitCode}` };
        else if (sim.signal) verdict = { pass: 0, why: `simulation killed by ${sim.signal}` };
        else if (sim.stdoutTruncated || sim.stderrTruncated) verdict = { pass: 0, why: 'the simulation printed more than the output limit (its verdict may be lost)' };
        else verdict = judgeSimulation(out, fn, passRe, tbMarker ? testbenchOutput(out, tbMarker) : undefined);
        const { pass, why } = verdict;
        metrics.sim_timeout = timedOut;
        metrics.pass = pass;
        if (verdict.worst) Object.assign(metrics, { mismatches: verdict.worst.mismatches, ...(verdict.worst.samples !== undefined ? { samples: verdict.worst.samples } : {}) });
        let area: number | undefined;
        if (refArea !== undefined && pass > 0) {
          metrics.stage = 'area';
          const syn = await runtime.runRaw({
            argv: [tools.yosys!, '-Q', '-T', '-p', `read_verilog -sv /src/design.sv; synth -flatten -top ${ref.top}; stat`],
            roBinds: designOnly,
            limits: { ...compileLimits, outputBytes: 1 << 20 },
            signal: ctx.signal,
          });
          if (syn.infraError) throw new InternalError(`sandbox failed while synthesizing: ${syn.infraError}`);
          area = syn.exitCode === 0 ? parseCellCount(syn.stdout.toString()) : undefined;
          metrics.area = area ?? null;
          metrics.reference_area = refArea;
          if (area === undefined) metrics.area_error = syn.wallTimedOut ? 'synthesis time limit exceeded' : firstLines(syn, 300);
        }
        const score = verilogScore(pass, refArea as number | undefined, area);
        const control = calls.length ? `; the design calls ${calls.join(', ')} (never allowed to end the simulation)` : '';
        return { score, detail: `compiles; ${why}${area !== undefined ? `; area ${area} cells vs reference ${refArea}` : ''}${control}`, metrics, flags };
      } finally {
        runtime.sandbox.removeHostDir(dir);
      }
    },
  };
}
