// judge.pairwise: the response against reference.baseline, judged in both orders so position bias cancels.
import { InvalidArgumentError, type VerifierDef, readChoice } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { Parsed } from '../ask.js';
import { baseMetrics, JUDGE_PARAMS, mean, orFailure, type Judge } from '../judge.js';
import { labelMass, tokenAt } from '../logprobs.js';
import type { TokenLogprob } from '../backend.js';
import { parseJsonLoose } from '../parse.js';
import { escapeDelimiters, fence } from '../templates.js';

type Winner = 'A' | 'B' | 'tie';

const SCHEMA = {
  type: 'object',
  properties: { reason: { type: 'string' }, winner: { type: 'string', enum: ['A', 'B', 'tie'] } },
  required: ['reason', 'winner'],
  additionalProperties: false,
};

function parsePairwiseReply(content: string): Parsed<{ winner: Winner; reason: string }> {
  const obj = parseJsonLoose(content) as { winner?: unknown; reason?: unknown } | undefined;
  if (obj === undefined || obj === null || typeof obj !== 'object') return { ok: false, problem: 'the reply is not a JSON object' };
  const w = typeof obj.winner === 'string' ? obj.winner.trim().toUpperCase() : '';
  const winner: Winner | undefined = w === 'A' ? 'A' : w === 'B' ? 'B' : w === 'TIE' ? 'tie' : undefined;
  if (!winner) return { ok: false, problem: '"winner" must be "A", "B" or "tie"' };
  return { ok: true, value: { winner, reason: typeof obj.reason === 'string' ? obj.reason.slice(0, 500) : '' } };
}

/**
 * P(A wins) + ½·P(tie), normalized over A/B/TIE, from the token that wrote the winner; undefined if unusable. Stated for
 * position A, not for "the response": the cached judgment of one order is shared by the item that asks the swapped question.
 */
function probAWins(content: string, tokens: TokenLogprob[] | undefined): number | undefined {
  const m = /"winner"\s*:\s*"/.exec(content);
  if (!m) return undefined;
  const tok = tokenAt(content, tokens, m.index + m[0].length);
  if (!tok) return undefined;
  const mass = labelMass(tok, ['A', 'B', 'TIE']);
  const total = mass.get('A')! + mass.get('B')! + mass.get('TIE')!;
  return total > 0 ? (mass.get('A')! + 0.5 * mass.get('TIE')!) / total : undefined;
}

export function pairwiseVerifier(judge: Judge): VerifierDef {
  return {
    name: 'judge.pairwise',
    description: 'The response against reference.baseline, judged twice with the order swapped; score = mean of the two verdicts (win 1, tie 0.5, loss 0)',
    params: {
      ...JUDGE_PARAMS,
      criteria: 'optional text: what "better" means for this task (added to the judge prompt)',
      score_mode: '"verdict" (default) or "prob": each order scores P(win) + ½·P(tie) from the winner token\'s top logprobs',
      samples: 'judgments per order, averaged (default 1, max 16)',
      extract: 'how the answer is taken from the response (default "auto"); the baseline is used as given',
    },
    reference: { baseline: 'the baseline response text the policy\'s response is compared with' },
    async verify(input, ctx) {
      const baseline = input.reference.baseline;
      if (typeof baseline !== 'string' || !baseline.trim()) throw new InvalidArgumentError('reference.baseline', 'reference.baseline must be a non-empty string');
      const crit = input.params.criteria;
      if (crit !== undefined && typeof crit !== 'string') throw new InvalidArgumentError('params.criteria', 'params.criteria must be a string');
      const mode = readChoice(input.params.score_mode, 'params.score_mode', ['verdict', 'prob'] as const, 'verdict');
      const answer = extractAnswer(input.response, parseExtractParam(input.params.extract)).text;
      const t = judge.templates.pairwise;
      const p = judge.paramsOr(input.params, t.version);
      if (!('backend' in p)) return p;
      const images = await judge.images(input.media, p, ctx.signal);
      const prob = mode === 'prob';
      const orders = [
        { name: 'response_first', a: answer, b: baseline, responseIs: 'A' as const },
        { name: 'baseline_first', a: baseline, b: answer, responseIs: 'B' as const },
      ];
      const criteriaText = crit ? `\nJudge "better" by these criteria:\n${escapeDelimiters(crit)}\n` : '';
      return orFailure(ctx.signal, baseMetrics(p, t.version, []), async () => {
        const runs = await Promise.all(
          orders.flatMap((o, order) => {
            const vars = { prompt: fence('TASK', input.prompt || '(no task text given)'), response_a: fence('RESPONSE A', o.a), response_b: fence('RESPONSE B', o.b), criteria: criteriaText };
            return Array.from({ length: p.samples }, async (_, sample) => {
              const r = await judge.judgment(
                p,
                {
                  template: t,
                  vars,
                  images,
                  sample,
                  schema: { name: 'pairwise_verdict', schema: SCHEMA },
                  topLogprobs: prob ? 5 : undefined,
                  parse: parsePairwiseReply,
                  repair: (problem) => `Your reply could not be used: ${problem}. Reply again with only the JSON object {"reason": "<one short sentence>", "winner": "A" | "B" | "tie"}.`,
                  keep: (a) => ({ ...a.value, repaired: a.repaired, pA: prob ? probAWins(a.reply.content, a.reply.logprobs) : undefined }),
                },
                ctx.signal,
              );
              return { ...r, order };
            });
          }),
        );
        const perOrder = orders.map((o, oi) => {
          const mine = runs.filter((r) => r.order === oi);
          const verdicts = mine.map((r) => (r.value.winner === 'tie' ? 0.5 : r.value.winner === o.responseIs ? 1 : 0));
          const probs = mine.map((r) => (r.value.pA === undefined ? undefined : o.responseIs === 'A' ? r.value.pA : 1 - r.value.pA));
          const scores = verdicts.map((v, i) => probs[i] ?? v);
          return {
            order: o.name,
            response_is: o.responseIs,
            winner: mine.length === 1 ? mine[0]!.value.winner : mine.map((r) => r.value.winner),
            reason: mine[0]!.value.reason,
            verdict: mean(verdicts),
            score: mean(scores),
            ...(prob ? { prob_fallback: probs.some((x) => x === undefined) } : {}),
          };
        });
        const score = mean(perOrder.map((o) => o.score));
        const disagreed = perOrder[0]!.verdict !== perOrder[1]!.verdict;
        const describe = (v: number): string => (v === 1 ? 'response wins' : v === 0 ? 'baseline wins' : v === 0.5 ? 'tie' : `response ${v.toFixed(2)}`);
        return {
          score,
          detail: `response first: ${describe(perOrder[0]!.verdict)}; baseline first: ${describe(perOrder[1]!.verdict)}${disagreed ? ' (orders disagree: position bias)' : ''}`,
          metrics: {
            ...baseMetrics(p, t.version, runs.map((r) => r.hit)),
            score_mode: mode,
            disagreed,
            orders: perOrder,
            repaired: runs.some((r) => r.value.repaired),
          },
        };
      });
    },
  };
}
