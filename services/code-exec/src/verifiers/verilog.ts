// code.verilog: iverilog -g2012 compile (syntax), vvp simulation against a self-checking testbench (function), Yosys cell area (bonus).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError, InvalidArgumentError, UnavailableError, readChoice, readNumber, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { Engine } from '../engine.js';
import type { SandboxResult } from '../sandbox/sandbox.js';

/** The last `Mismatches: N` (optionally `in M samples`) a VerilogEval-style testbench printed. */
export function parseMismatches(out: string): { mismatches: number; samples?: number } | undefined {
  const re = /Mismatches:\s*(\d+)(?:\s+in\s+(\d+)\s+samples)?/g;
  let last: RegExpExecArray | undefined;
  for (let m = re.exec(out); m; m = re.exec(out)) last = m;
  if (!last) return undefined;
  return { mismatches: Number(last[1]), ...(last[2] !== undefined ? { samples: Number(last[2]) } : {}) };
}

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

function firstLines(r: SandboxResult, n = 600): string {
  const s = (r.stderr.toString() + r.stdout.toString()).trim();
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function verilogVerifier(engine: Engine): VerifierDef {
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
      testbench_top: 'optional: name of the testbench module (default: iverilog picks the uninstantiated module)',
    },
    async verify(input, ctx) {
      const ref = input.reference;
      if (typeof ref.testbench !== 'string' || !ref.testbench.trim()) throw new InvalidArgumentError('reference.testbench', 'reference.testbench must be Verilog source text');
      if (typeof ref.top !== 'string' || !IDENT.test(ref.top)) throw new InvalidArgumentError('reference.top', 'reference.top must be a Verilog module name');
      const refArea = ref.reference_area;
      if (refArea !== undefined && (typeof refArea !== 'number' || !(refArea >= 0))) throw new InvalidArgumentError('reference.reference_area', 'reference.reference_area must be a non-negative number');
      const tbTop = ref.testbench_top;
      if (tbTop !== undefined && (typeof tbTop !== 'string' || !IDENT.test(tbTop))) throw new InvalidArgumentError('reference.testbench_top', 'reference.testbench_top must be a module name');
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
      const simMs = readNumber(p.sim_timeout_ms, 'params.sim_timeout_ms', engine.config.simTimeoutMs, 10, 600_000);

      if (!engine.sandbox.available) throw new UnavailableError(`sandbox unavailable: ${engine.sandbox.unavailableReason}`);
      const tools = engine.toolchains;
      if (!tools.iverilog) throw new UnavailableError('iverilog/vvp not installed on this code-exec instance (Debian package iverilog)');
      if (refArea !== undefined && !tools.yosys) throw new UnavailableError('reference_area needs Yosys, which is not installed here (Debian package yosys)');

      const design = extractAnswer(input.response, parseExtractParam(p.extract), { code: true, language: 'verilog' }).text;
      if (!design.trim()) return { score: 0, detail: 'no Verilog found in the response', metrics: { stage: 'syntax' } };

      const dir = engine.sandbox.makeHostDir('verilog');
      try {
        writeFileSync(join(dir, 'design.sv'), design);
        writeFileSync(join(dir, 'tb.sv'), ref.testbench);
        const compileLimits = engine.compileLimits();
        const comp = await engine.runRaw({
          argv: [tools.iverilog.iverilog, '-g2012', '-o', '/work/sim.vvp', ...(tbTop ? ['-s', tbTop] : []), '/work/design.sv', '/work/tb.sv'],
          workDir: dir,
          limits: compileLimits,
          signal: ctx.signal,
        });
        if (comp.infraError) throw new InternalError(`sandbox failed while compiling Verilog: ${comp.infraError}`);
        if (comp.exitCode !== 0) {
          const why = comp.wallTimedOut || comp.cpuTimedOut ? 'compile time limit exceeded' : firstLines(comp);
          return { score: 0, detail: `does not compile: ${why}`, metrics: { stage: 'syntax', compile_ok: false } };
        }
        const metrics: Record<string, unknown> = { stage: 'function', compile_ok: true };
        if (p.lint === true && tools.verilator) {
          const lint = await engine.runRaw({
            argv: [tools.verilator, '--lint-only', '-Wall', '-Wno-DECLFILENAME', '-Wno-EOFNEWLINE', '--top-module', ref.top, '/src/design.sv'],
            roBinds: [{ src: dir, dest: '/src' }],
            limits: compileLimits,
            signal: ctx.signal,
          });
          if (lint.infraError) throw new InternalError(`sandbox failed while linting: ${lint.infraError}`);
          const text = lint.stderr.toString();
          metrics.lint_warnings = (text.match(/^%Warning/gm) ?? []).length;
          metrics.lint_errors = (text.match(/^%Error/gm) ?? []).length;
          if (metrics.lint_warnings) metrics.lint = text.split('\n').filter((l) => l.startsWith('%Warning')).slice(0, 10);
        }
        const sim = await engine.runRaw({
          argv: [tools.iverilog.vvp, '-n', '/src/sim.vvp'],
          roBinds: [{ src: dir, dest: '/src' }],
          limits: { ...engine.testLimits(simMs), outputBytes: 1 << 20 },
          signal: ctx.signal,
        });
        if (sim.infraError) throw new InternalError(`sandbox failed while simulating: ${sim.infraError}`);
        const out = sim.stdout.toString();
        const timedOut = sim.wallTimedOut || sim.cpuTimedOut;
        const mm = parseMismatches(out);
        let pass = 0;
        let why: string;
        if (timedOut) why = `simulation did not finish within ${simMs} ms`;
        else if (sim.exitCode !== 0 && sim.exitCode !== null) why = `simulation exited with code ${sim.exitCode}`;
        else if (sim.signal) why = `simulation killed by ${sim.signal}`;
        else if (passRe) {
          pass = passRe.test(out) ? 1 : 0;
          why = pass ? 'pass_regex matched' : 'pass_regex did not match the simulation output';
        } else if (!mm) why = 'the testbench printed no "Mismatches: N" line';
        else {
          pass = mm.mismatches === 0 ? 1 : fn === 'dense' && mm.samples ? Math.max(0, 1 - mm.mismatches / mm.samples) : 0;
          why = `${mm.mismatches} mismatches${mm.samples !== undefined ? ` in ${mm.samples} samples` : ''}`;
        }
        metrics.sim_timeout = timedOut;
        metrics.pass = pass;
        if (mm) Object.assign(metrics, { mismatches: mm.mismatches, ...(mm.samples !== undefined ? { samples: mm.samples } : {}) });
        let area: number | undefined;
        if (refArea !== undefined && pass > 0) {
          metrics.stage = 'area';
          const syn = await engine.runRaw({
            argv: [tools.yosys!, '-Q', '-T', '-p', `read_verilog -sv /src/design.sv; synth -flatten -top ${ref.top}; stat`],
            roBinds: [{ src: dir, dest: '/src' }],
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
        return { score, detail: `compiles; ${why}${area !== undefined ? `; area ${area} cells vs reference ${refArea}` : ''}`, metrics };
      } finally {
        engine.sandbox.removeHostDir(dir);
      }
    },
  };
}
