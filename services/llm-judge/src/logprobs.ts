// Probabilities of verdict tokens from a reply's logprobs: P(YES) for strict checks, expected ratings (G-Eval).
import type { TokenLogprob } from './backend.js';

/** The token covering character `index` of the reply, when the tokens spell out the reply exactly. */
export function tokenAt(content: string, tokens: readonly TokenLogprob[] | undefined, index: number): TokenLogprob | undefined {
  if (!tokens?.length) return undefined;
  let pos = 0;
  let found: TokenLogprob | undefined;
  for (const t of tokens) {
    const end = pos + t.token.length;
    if (found === undefined && index >= pos && index < end) found = t;
    pos = end;
  }
  // Offsets are only meaningful if the tokens concatenate to the content (true for vLLM, SGLang, OpenAI).
  return pos === content.length ? found : undefined;
}

/** The first token with visible text (verdict replies start with it). */
export function firstWordToken(tokens: readonly TokenLogprob[] | undefined): TokenLogprob | undefined {
  return tokens?.find((t) => t.token.trim() !== '');
}

/**
 * Probability mass per label among a token's alternatives: each distinct alternative whose normalized text
 * is a label adds exp(logprob). Labels absent from the top alternatives get 0.
 */
export function labelMass(tok: TokenLogprob, labels: readonly string[]): Map<string, number> {
  const mass = new Map(labels.map((l) => [l, 0]));
  const alts = tok.top_logprobs?.length ? tok.top_logprobs : [{ token: tok.token, logprob: tok.logprob }];
  const seen = new Set<string>();
  for (const a of alts) {
    if (seen.has(a.token)) continue;
    seen.add(a.token);
    const l = a.token.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
    if (mass.has(l) && Number.isFinite(a.logprob)) mass.set(l, mass.get(l)! + Math.exp(a.logprob));
  }
  return mass;
}

/** P(YES) normalized over YES and NO, or undefined when neither appears among the alternatives. */
export function probYes(tok: TokenLogprob): number | undefined {
  const m = labelMass(tok, ['YES', 'NO']);
  const y = m.get('YES')!;
  const n = m.get('NO')!;
  return y + n > 0 ? y / (y + n) : undefined;
}

/** Σ r·P(r) / Σ P(r) over the rating tokens `ratings` (G-Eval), or undefined when none appears. */
export function expectedRating(tok: TokenLogprob, ratings: readonly number[]): number | undefined {
  const m = labelMass(tok, ratings.map(String));
  let total = 0;
  let acc = 0;
  for (const r of ratings) {
    const p = m.get(String(r))!;
    total += p;
    acc += r * p;
  }
  return total > 0 ? acc / total : undefined;
}
