// math.equiv: 1 if the final answer is mathematically equivalent to reference.answer, else 0 (SPEC 4.2).
import { InvalidArgumentError, readBool, readChoice, readInt, type VerifierDef } from '@verimesh/kit';
import { parseExtractParam } from '@verimesh/extract';
import type { Config } from '../config.js';
import type { MathPool } from '../pool.js';

export const DEFAULT_PRECISION = 6;

export function equivVerifier(cfg: Config, pool: MathPool): VerifierDef {
  return {
    name: 'math.equiv',
    description:
      'final-answer equivalence at Math-Verify parity: the last \\boxed{} (else the last math span, else the last plain expression) of the text outside <think>, compared with reference.answer numerically, symbolically and element-wise',
    params: {
      extract: 'shared extraction first: "auto" (default: the last <answer>…</answer> if present), "none", "boxed", "answer" or a regex',
      targets: '"both" (default), "latex" (\\boxed{} and math spans only) or "expr" (plain text only): which forms of the final answer are read, on both sides',
      precision: `decimal places both numbers are rounded to when either is written as a decimal (default ${DEFAULT_PRECISION})`,
      strict: 'false: answers equal up to renamed symbols also match (default true)',
      set_relation: 'true: an inequality answer also matches an interval or set reference, -2 \\le x \\le 7 for x \\in [-2, 7] (default false)',
    },
    reference: {
      answer: 'the reference answer: LaTeX with or without $…$ or \\boxed{}, plain text, or a number',
    },
    verify(input, ctx) {
      const raw = input.reference.answer;
      if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
        throw new InvalidArgumentError('reference.answer', 'reference.answer is required: a string or a finite number');
      }
      const reference = typeof raw === 'number' ? String(raw) : raw;
      if (!reference.trim()) throw new InvalidArgumentError('reference.answer', 'reference.answer is empty');
      const extract = input.params.extract;
      parseExtractParam(extract);
      const job = {
        response: input.response,
        reference,
        extract: typeof extract === 'string' ? extract : undefined,
        targets: readChoice(input.params.targets, 'params.targets', ['both', 'latex', 'expr'] as const, 'both'),
        options: {
          precision: readInt(input.params.precision, 'params.precision', DEFAULT_PRECISION, 0, 15),
          strict: readBool(input.params.strict, 'params.strict', true),
          setRelation: readBool(input.params.set_relation, 'params.set_relation', false),
        },
      };
      if (input.response.length > cfg.maxResponseChars) {
        return { score: 0, detail: `the response has ${input.response.length} characters, more than the ${cfg.maxResponseChars} read` };
      }
      return pool.run(job, cfg.itemTimeoutMs, ctx.deadline, ctx.signal).then((v) => {
        if (v.kind === 'invalid') throw new InvalidArgumentError(v.field, v.message);
        return { score: v.score, detail: v.detail, metrics: v.metrics };
      });
    },
  };
}
