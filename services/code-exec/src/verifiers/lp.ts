// code.lp: solve the CPLEX LP or MPS model in the response with HiGHS and compare its optimum with the reference objective.
import { timeLeft, InternalError, InvalidArgumentError, readNumber, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { Config } from '../config.js';
import type { LpPool } from '../lp/pool.js';

/** SPEC 4.2: MPS when the model has a ROWS section, else CPLEX LP. */
export function modelFormat(text: string): 'lp' | 'mps' {
  return /^\s*ROWS\s*$/im.test(text) ? 'mps' : 'lp';
}

/** SPEC 4.2: |obj − ref| / (|ref| + 1) ≤ tolerance. */
export function objectiveMatches(obj: number, ref: number, tolerance: number): boolean {
  return Math.abs(obj - ref) / (Math.abs(ref) + 1) <= tolerance;
}

export function lpVerifier(pool: LpPool, config: Config): VerifierDef {
  return {
    name: 'code.lp',
    description: 'solves the LP/MPS model in the response with HiGHS; 1 when it is optimal at the reference objective (or infeasible/unbounded as the reference says)',
    params: {
      time_limit_ms: 'solver time limit (default: service setting, 10000)',
      extract: '"auto" (default: last fenced block, else the answer), "none", or a regex with one group',
    },
    reference: {
      objective: 'optimal objective value, or "infeasible" / "unbounded"',
      sense: 'optional "min" or "max": the model must optimize in this sense',
      tolerance: 'relative tolerance |obj - ref| / (|ref| + 1) (default 1e-6)',
    },
    async verify(input, ctx) {
      const ref = input.reference;
      const objective = ref.objective;
      if (!(typeof objective === 'number' && Number.isFinite(objective)) && objective !== 'infeasible' && objective !== 'unbounded') {
        throw new InvalidArgumentError('reference.objective', 'reference.objective must be a finite number, "infeasible" or "unbounded"');
      }
      const sense = ref.sense;
      if (sense !== undefined && sense !== 'min' && sense !== 'max') throw new InvalidArgumentError('reference.sense', 'reference.sense must be "min" or "max"');
      const tolerance = ref.tolerance ?? input.params.tolerance ?? 1e-6;
      if (typeof tolerance !== 'number' || !(tolerance >= 0)) throw new InvalidArgumentError('reference.tolerance', 'reference.tolerance must be a non-negative number');
      const limitMs = readNumber(input.params.time_limit_ms, 'params.time_limit_ms', config.lpTimeoutMs, 10, 600_000);

      const text = extractAnswer(input.response, parseExtractParam(input.params.extract), { code: true }).text;
      if (!text.trim()) return { score: 0, detail: 'no model found in the response', metrics: { status: 'parse_error' } };
      if (Buffer.byteLength(text) > config.lpMaxBytes) {
        return { score: 0, detail: `model is larger than ${config.lpMaxBytes} bytes`, metrics: { status: 'too_large', bytes: Buffer.byteLength(text) } };
      }
      const format = modelFormat(text);
      // Leave the reply 200 ms before the caller's deadline.
      const remaining = Number.isFinite(ctx.deadline) ? Math.max(10, timeLeft(ctx.deadline) - 200) : limitMs;
      const r = await pool.solve(text, format, Math.min(limitMs, remaining), ctx.signal);
      if (r.status === 'error') throw new InternalError(`HiGHS failed: ${r.error ?? 'unknown'}`);
      const status = r.status === 'empty' ? 'parse_error' : r.status;
      const metrics: Record<string, unknown> = { status, format, ...(r.rows !== undefined ? { rows: r.rows, cols: r.cols, sense: r.sense } : {}) };
      if (r.objective !== undefined) metrics.objective = r.objective;
      if (r.error) metrics.error = r.error.slice(0, 300);
      if (status === 'parse_error') return { score: 0, detail: `the model did not parse as ${format.toUpperCase()}${r.status === 'empty' ? ' (no variables read)' : ''}`, metrics };
      if (sense !== undefined && r.sense !== sense) {
        metrics.sense_ok = false;
        return { score: 0, detail: `the model ${r.sense === 'max' ? 'maximizes' : 'minimizes'}, the reference ${sense === 'max' ? 'maximizes' : 'minimizes'}`, metrics };
      }
      if (typeof objective === 'string') {
        // "infeasible or unbounded" is what HiGHS says when even the feasibility problem could not settle it (the
        // worker tries): it matches neither reference, or one such model would answer every status question.
        const ok = status === objective;
        const detail = ok
          ? `the model is ${status}, as the reference says`
          : status === 'infeasible_or_unbounded'
            ? `HiGHS could not tell whether the model is infeasible or unbounded; the reference says ${objective}`
            : `the model is ${status}, the reference says ${objective}`;
        return { score: ok ? 1 : 0, detail, metrics };
      }
      if (status !== 'optimal') return { score: 0, detail: `the model is ${status}, the reference has optimum ${objective}`, metrics };
      const ok = objectiveMatches(r.objective!, objective, tolerance);
      metrics.relative_error = Math.abs(r.objective! - objective) / (Math.abs(objective) + 1);
      return { score: ok ? 1 : 0, detail: `optimal objective ${r.objective} vs reference ${objective}${ok ? '' : ` (outside tolerance ${tolerance})`}`, metrics };
    },
  };
}
