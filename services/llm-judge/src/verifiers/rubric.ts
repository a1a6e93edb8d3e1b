// judge.rubric: weighted criteria (negative weights are pitfalls), local checks without an LLM, the rest in one judge call.
import { InvalidArgumentError, UnavailableError, type VerifierDef, readChoice } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { Parsed } from '../ask.js';
import { compileCheck, type CompiledCheck } from '../checks.js';
import type { PreparedImage } from '../images.js';
import { baseMetrics, JUDGE_PARAMS, mean, orFailure, type Judge, type JudgeParams } from '../judge.js';
import { expectedRating, tokenAt } from '../logprobs.js';
import { parseJsonLoose } from '../parse.js';
import { escapeDelimiters, fence } from '../templates.js';

export interface Criterion {
  /** Position in reference.rubric (0-based). */
  index: number;
  text: string;
  weight: number;
  check?: CompiledCheck;
}

function parseRubric(reference: Record<string, unknown>): Criterion[] {
  const rubric = reference.rubric;
  if (!Array.isArray(rubric) || rubric.length === 0) throw new InvalidArgumentError('reference.rubric', 'reference.rubric must be a non-empty list of {"criterion", "weight", "check"?}');
  if (rubric.length > 64) throw new InvalidArgumentError('reference.rubric', 'reference.rubric has more than 64 criteria');
  const out = rubric.map((c, i): Criterion => {
    const f = `reference.rubric[${i}]`;
    if (typeof c === 'string' && c.trim()) return { index: i, text: c.trim(), weight: 1 };
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new InvalidArgumentError(f, `${f} must be an object {"criterion", "weight", "check"?} or a string`);
    const o = c as Record<string, unknown>;
    const text = o.criterion;
    if (typeof text !== 'string' || !text.trim()) throw new InvalidArgumentError(`${f}.criterion`, `${f}.criterion must be a non-empty string`);
    const weight = o.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new InvalidArgumentError(`${f}.weight`, `${f}.weight must be a finite number`);
    return { index: i, text: text.trim(), weight, check: o.check === undefined ? undefined : compileCheck(o.check, `${f}.check`) };
  });
  if (out.every((c) => c.weight === 0)) throw new InvalidArgumentError('reference.rubric', 'reference.rubric: every weight is 0');
  return out;
}

/**
 * Σ wᵢ·sᵢ / Σ_{wᵢ>0} wᵢ clamped to [0, 1] (SPEC 4.2). With no positive weight at all (a pitfall-only rubric) the
 * sum would divide by zero; then the reward starts at 1 and pitfalls take away their share: 1 + Σ wᵢ·sᵢ / Σ|wᵢ|.
 */
export function aggregate(items: ReadonlyArray<{ weight: number; score: number }>): number {
  const pos = items.reduce((s, c) => s + (c.weight > 0 ? c.weight : 0), 0);
  const sum = items.reduce((s, c) => s + c.weight * c.score, 0);
  const abs = items.reduce((s, c) => s + Math.abs(c.weight), 0);
  const raw = pos > 0 ? sum / pos : abs > 0 ? 1 + sum / abs : 0;
  return Math.min(1, Math.max(0, raw));
}

type Scale = 'binary' | 'likert5';
const RATINGS: Record<Scale, number[]> = { binary: [0, 1], likert5: [1, 2, 3, 4, 5] };
const normalizeRating = (scale: Scale, r: number): number => (scale === 'binary' ? r : (r - 1) / 4);

interface LlmJudgment {
  /** Raw ratings per LLM criterion, in prompt order. */
  ratings: number[];
  /** Expected ratings from logprobs (score_mode expected), undefined where unusable. */
  expected: Array<number | undefined>;
  reasons: string[];
  repaired: boolean;
}

/**
 * The reply's JSON schema, kept inside the subset every strict structured-output implementation accepts (all fields
 * required, no additional properties, no length constraints): the criterion count is checked on parse instead.
 */
function schemaFor(scale: Scale): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      criteria: {
        type: 'array',
        items: {
          type: 'object',
          properties: { id: { type: 'integer' }, reason: { type: 'string' }, score: { type: 'integer', enum: RATINGS[scale] } },
          required: ['id', 'reason', 'score'],
          additionalProperties: false,
        },
      },
    },
    required: ['criteria'],
    additionalProperties: false,
  };
}

/** Reads {"criteria": [{id, reason, score}]} for k criteria; entries are matched by id, else by position. */
export function parseRubricReply(content: string, scale: Scale, k: number): Parsed<{ ratings: number[]; reasons: string[]; order: number[] }> {
  const obj = parseJsonLoose(content) as { criteria?: unknown } | undefined;
  if (obj === undefined || obj === null || typeof obj !== 'object') return { ok: false, problem: 'the reply is not a JSON object' };
  const list = obj.criteria;
  if (!Array.isArray(list)) return { ok: false, problem: 'the object has no "criteria" list' };
  const ratings: number[] = new Array(k);
  const reasons: string[] = new Array(k).fill('');
  const order: number[] = [];
  const allowed = RATINGS[scale];
  for (let pos = 0; pos < list.length; pos++) {
    const e = list[pos] as { id?: unknown; score?: unknown; reason?: unknown } | null;
    if (e === null || typeof e !== 'object') return { ok: false, problem: `criteria[${pos}] is not an object` };
    const id = typeof e.id === 'number' ? e.id : typeof e.id === 'string' && /^\d+$/.test(e.id) ? Number(e.id) : pos + 1;
    if (!Number.isInteger(id) || id < 1 || id > k) return { ok: false, problem: `criteria[${pos}].id ${String(e.id)} is not between 1 and ${k}` };
    const score = typeof e.score === 'string' && /^\s*\d+\s*$/.test(e.score) ? Number(e.score) : typeof e.score === 'boolean' ? Number(e.score) : e.score;
    if (typeof score !== 'number' || !allowed.includes(score)) return { ok: false, problem: `criteria[${pos}].score must be one of ${allowed.join(', ')}` };
    if (ratings[id - 1] !== undefined) return { ok: false, problem: `criterion ${id} is scored twice` };
    ratings[id - 1] = score;
    reasons[id - 1] = typeof e.reason === 'string' ? e.reason.slice(0, 500) : '';
    order.push(id - 1);
  }
  for (let i = 0; i < k; i++) if (ratings[i] === undefined) return { ok: false, problem: `criterion ${i + 1} has no score` };
  return { ok: true, value: { ratings, reasons, order } };
}

/** G-Eval: the expected rating at each "score" value, from the top alternatives of the token that wrote it. */
function expectedFromLogprobs(content: string, tokens: Parameters<typeof tokenAt>[1], order: number[], scale: Scale, k: number): Array<number | undefined> {
  const out: Array<number | undefined> = new Array(k).fill(undefined);
  const re = /"score"\s*:\s*"?(?=\d)/g;
  let n = 0;
  for (let m = re.exec(content); m && n < order.length; m = re.exec(content), n++) {
    const tok = tokenAt(content, tokens, m.index + m[0].length);
    const crit = order[n]!;
    if (tok && /^\s*"?\d\s*$/.test(tok.token)) out[crit] = expectedRating(tok, RATINGS[scale]);
  }
  return out;
}

/** The one judge call for the LLM criteria (sample index `sample`), through the cache. */
function judgeOnce(judge: Judge, p: JudgeParams, vars: Record<string, string>, images: readonly PreparedImage[], k: number, scale: Scale, expected: boolean, sample: number, signal: AbortSignal): Promise<{ value: LlmJudgment; hit: boolean }> {
  const allowed = RATINGS[scale].join(' or ');
  return judge.judgment(
    p,
    {
      template: judge.templates.rubric,
      vars,
      images,
      sample,
      schema: { name: 'rubric_verdicts', schema: schemaFor(scale) },
      topLogprobs: expected ? 5 : undefined,
      parse: (content) => parseRubricReply(content, scale, k),
      repair: (problem) =>
        `Your reply could not be used: ${problem}. Reply again with only the JSON object {"criteria": [{"id": <number>, "reason": "<one short sentence>", "score": <${allowed}>}]}, exactly ${k} entries with ids 1 to ${k}, and nothing else.`,
      keep: (a) => ({
        ratings: a.value.ratings,
        expected: expected ? expectedFromLogprobs(a.reply.content, a.reply.logprobs, a.value.order, scale, k) : new Array<undefined>(k).fill(undefined),
        reasons: a.value.reasons,
        repaired: a.repaired,
      }),
    },
    signal,
  );
}

/** A criterion "holds" when its check passes or the judge says so; for a pitfall that means the fault is present. */
const verdictOf = (weight: number, holds: boolean): string => (weight < 0 ? (holds ? 'pitfall present' : 'pitfall absent') : holds ? 'met' : 'not met');

export function rubricVerifier(judge: Judge): VerifierDef {
  return {
    name: 'judge.rubric',
    description: 'Weighted rubric: local checks decided without an LLM, other criteria judged in one structured LLM call; Σ wᵢ·sᵢ / Σ positive wᵢ, clamped to [0, 1]',
    params: {
      ...JUDGE_PARAMS,
      scale: '"binary" (default: each criterion met 1 / not met 0) or "likert5" (1-5, scored (r-1)/4)',
      score_mode: '"verdict" (default) or "expected": each criterion scores its expected rating over the rating tokens\' top logprobs (G-Eval); falls back to the verdict where logprobs are missing',
    },
    reference: {
      rubric: 'list of {"criterion": text, "weight": number (default 1; negative = pitfall), "check"?: {"type": regex|contains|not_contains|max_words|min_words|json_valid|json_schema, "value"}}; a plain string is a criterion of weight 1',
    },
    async verify(input, ctx) {
      const criteria = parseRubric(input.reference);
      const scale = readChoice(input.params.scale, 'params.scale', ['binary', 'likert5'] as const, 'binary');
      const mode = readChoice(input.params.score_mode, 'params.score_mode', ['verdict', 'expected'] as const, 'verdict');
      const answer = extractAnswer(input.response, parseExtractParam(input.params.extract)).text;
      const scores: number[] = new Array(criteria.length).fill(0);
      const rows: Array<Record<string, unknown>> = criteria.map((c) => ({ criterion: c.text, weight: c.weight, source: c.check ? `check:${c.check.type}` : 'llm' }));
      for (const c of criteria) {
        if (!c.check) continue;
        const r = c.check.run(answer);
        scores[c.index] = r.pass ? 1 : 0;
        Object.assign(rows[c.index]!, { score: scores[c.index], verdict: verdictOf(c.weight, r.pass), reason: r.reason });
      }
      const local = criteria.filter((c) => c.check);
      const llm = criteria.filter((c) => !c.check);
      const localSummary = `local checks: ${local.filter((c) => scores[c.index] === 1).length}/${local.length} criteria hold`;
      const localOnly = (): number => aggregate(local.map((c) => ({ weight: c.weight, score: scores[c.index]! })));
      if (llm.length === 0) {
        const score = aggregate(criteria.map((c) => ({ weight: c.weight, score: scores[c.index]! })));
        return { score, detail: `${localSummary}; score ${score.toFixed(3)}`, metrics: { template_version: judge.templates.rubric.version, cache_hit: false, judgments: 0, criteria: rows } };
      }
      let p: JudgeParams;
      try {
        p = judge.params(input.params);
      } catch (e) {
        if (!(e instanceof UnavailableError)) throw e;
        // Local checks still score; the component as a whole is unavailable (its on_error score stands in).
        return {
          score: localOnly(),
          status: 'unavailable',
          detail: `${llm.length} LLM criteria not judged: ${e.message}; ${localSummary} (score over local checks only: ${localOnly().toFixed(3)})`,
          metrics: { template_version: judge.templates.rubric.version, cache_hit: false, judgments: 0, local_only_score: localOnly(), criteria: rows },
        };
      }
      const template = judge.templates.rubric.version;
      const expected = mode === 'expected';
      const vars = {
        prompt: fence('TASK', input.prompt || '(no task text given)'),
        response: fence('RESPONSE', answer),
        criteria: llm.map((c, i) => `${i + 1}. ${c.weight < 0 ? '(pitfall) ' : ''}${escapeDelimiters(c.text)}`).join('\n'),
        scale_instruction:
          scale === 'binary'
            ? 'decide whether it holds for the response: score 1 if it does, 0 if it does not.'
            : 'rate how well the response meets it: score 1 (not at all) to 5 (fully).',
      };
      const failed = { ...baseMetrics(p, template, []), criteria: rows, local_only_score: localOnly() };
      return orFailure(
        ctx.signal,
        failed,
        async () => {
          const images = await judge.images(input.media, p, ctx.signal);
          const runs = await Promise.all(Array.from({ length: p.samples }, (_, s) => judgeOnce(judge, p, vars, images, llm.length, scale, expected, s, ctx.signal)));
          let fallbacks = 0;
          llm.forEach((c, i) => {
            const perSample = runs.map((r) => {
              const e = r.value.expected[i];
              if (expected && e === undefined) fallbacks++;
              return normalizeRating(scale, expected && e !== undefined ? e : r.value.ratings[i]!);
            });
            scores[c.index] = mean(perSample);
            const ratings = runs.map((r) => r.value.ratings[i]!);
            Object.assign(rows[c.index]!, {
              score: scores[c.index],
              verdict: scale === 'binary' ? verdictOf(c.weight, mean(ratings) >= 0.5) : mean(ratings),
              reason: runs[0]!.value.reasons[i],
              ...(p.samples > 1 ? { ratings } : {}),
            });
          });
          const score = aggregate(criteria.map((c) => ({ weight: c.weight, score: scores[c.index]! })));
          const metrics: Record<string, unknown> = {
            ...baseMetrics(p, template, runs.map((r) => r.hit)),
            scale,
            score_mode: mode,
            samples: p.samples,
            repaired: runs.some((r) => r.value.repaired),
            criteria: rows,
          };
          if (expected) metrics.expected_fallbacks = fallbacks;
          const met = llm.filter((c) => scores[c.index]! >= 0.5).length;
          return { score, detail: `LLM: ${met}/${llm.length} criteria hold${local.length ? `, ${localSummary}` : ''}; score ${score.toFixed(3)}`, metrics };
        },
        (message) => `LLM criteria failed: ${message}; ${localSummary}`,
      );
    },
  };
}
