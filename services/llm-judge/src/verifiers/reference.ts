// judge.reference: a strict YES/NO equivalence check against the reference answer; P(YES) from logprobs on request.
import { InvalidArgumentError, type VerifierDef, readChoice } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { baseMetrics, JUDGE_PARAMS, mean, orFailure, type Judge } from '../judge.js';
import { firstWordToken, probYes } from '../logprobs.js';
import { parseYesNo } from '../parse.js';
import { fence } from '../templates.js';

function referenceText(v: unknown): string {
  const one = (x: unknown): string | undefined => (typeof x === 'string' && x.trim() ? x.trim() : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined);
  if (Array.isArray(v) && v.length > 0) {
    const all = v.map(one);
    if (all.every((x) => x !== undefined)) return all.length === 1 ? all[0]! : `Any one of these answers is correct:\n${all.map((x) => `- ${x}`).join('\n')}`;
  } else {
    const s = one(v);
    if (s !== undefined) return s;
  }
  throw new InvalidArgumentError('reference.answer', 'reference.answer must be a non-empty string, a number, or a list of them');
}

export function referenceVerifier(judge: Judge): VerifierDef {
  return {
    name: 'judge.reference',
    description: 'Strict YES/NO: does the response give an answer equivalent to reference.answer? score 1/0, or P(YES) with score_mode "prob"',
    params: {
      ...JUDGE_PARAMS,
      score_mode: '"verdict" (default: YES 1, NO 0) or "prob": P(YES) normalized over YES/NO from the first token\'s top logprobs (falls back to the verdict without logprobs)',
      max_tokens: 'max tokens of the judge reply (default 8: one word; raise it for a judge that reasons first)',
    },
    reference: { answer: 'the reference answer: a string, a number, or a list of accepted answers' },
    async verify(input, ctx) {
      const refText = referenceText(input.reference.answer);
      const mode = readChoice(input.params.score_mode, 'params.score_mode', ['verdict', 'prob'] as const, 'verdict');
      const answer = extractAnswer(input.response, parseExtractParam(input.params.extract)).text;
      const t = judge.templates.reference;
      const p = judge.paramsOr(input.params, t.version);
      if (!('backend' in p)) return p;
      const images = await judge.images(input.media, p, ctx.signal);
      const vars = { prompt: fence('QUESTION', input.prompt || '(no question text given)'), reference: fence('REFERENCE ANSWER', refText), response: fence('RESPONSE', answer) };
      const prob = mode === 'prob';
      return orFailure(ctx.signal, baseMetrics(p, t.version, []), async () => {
        const runs = await Promise.all(
          Array.from({ length: p.samples }, (_, sample) =>
            judge.judgment(
              p,
              {
                template: t,
                vars,
                images,
                sample,
                maxTokens: p.maxTokens ?? 8,
                topLogprobs: prob ? 5 : undefined,
                parse: (content) => {
                  const v = parseYesNo(content);
                  return v ? { ok: true, value: v } : { ok: false, problem: 'the reply did not start with YES or NO' };
                },
                repair: () => 'Reply with exactly one word: YES or NO.',
                keep: (a) => {
                  const tok = prob ? firstWordToken(a.reply.logprobs) : undefined;
                  return { verdict: a.value, pYes: tok ? probYes(tok) : undefined, repaired: a.repaired };
                },
              },
              ctx.signal,
            ),
          ),
        );
        const verdicts = runs.map((r) => r.value.verdict);
        const probs = runs.map((r) => r.value.pYes);
        const fallback = prob && probs.some((x) => x === undefined);
        const perSample = runs.map((r) => (prob && r.value.pYes !== undefined ? r.value.pYes : r.value.verdict === 'YES' ? 1 : 0));
        const score = mean(perSample);
        const metrics: Record<string, unknown> = {
          ...baseMetrics(p, t.version, runs.map((r) => r.hit)),
          verdict: verdicts.length === 1 ? verdicts[0] : verdicts,
          score_mode: mode,
          repaired: runs.some((r) => r.value.repaired),
        };
        if (prob) {
          metrics.p_yes = probs.length === 1 ? (probs[0] ?? null) : probs.map((x) => x ?? null);
          metrics.prob_fallback = fallback;
        }
        const detail = prob && !fallback ? `P(YES) = ${score.toFixed(3)}` : `judge: ${verdicts.join(', ')}${fallback ? ' (no usable logprobs: verdict used)' : ''}`;
        return { score, detail, metrics };
      });
    },
  };
}
