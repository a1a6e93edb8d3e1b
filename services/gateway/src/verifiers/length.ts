// text.length: DAPO's soft overlong punishment, a score in [-1, 0] from the response's length in tokens.
import { InvalidArgumentError, readNumber } from '@verimesh/kit';
import type { VerifierDef, VerifyInput, VerifyOutcome } from '@verimesh/kit';
import { lengthFloor } from '@verimesh/extract';

/**
 * DAPO (Yu et al. 2025, arXiv:2503.14476, eq. 13): with L_max = maxTokens and L_cache = bufferTokens,
 * R(y) = 0 when |y| ≤ L_max − L_cache; ((L_max − L_cache) − |y|) / L_cache when L_max − L_cache < |y| ≤ L_max; −1 beyond.
 * With no buffer it is a hard cut: 0 up to L_max, −1 beyond.
 */
export function overlongPenalty(tokens: number, maxTokens: number, bufferTokens: number): number {
  const expected = maxTokens - bufferTokens;
  if (tokens <= expected) return 0;
  if (tokens > maxTokens) return -1;
  return (expected - tokens) / bufferTokens;
}

/** Whitespace-separated tokens: a tokenizer-free stand-in when the trainer did not send the real count. */
export function whitespaceTokens(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/**
 * The stand-in count: the whitespace tokens, but never fewer than `lengthFloor` (one token per 8 non-space characters,
 * one per 2 CJK). Without that floor a response with its spaces dropped ("glued…words…", or CJK prose) was one token
 * long at any length and escaped the penalty.
 */
export function estimateTokens(text: string): number {
  return Math.max(whitespaceTokens(text), lengthFloor(text));
}

/** metadata.response_tokens when the trainer sent a usable count (its tokenizer's), else undefined. */
function trainerCount(metadata: unknown): number | undefined {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const v = (metadata as Record<string, unknown>).response_tokens;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

export const lengthVerifier: VerifierDef = {
  name: 'text.length',
  description: 'DAPO overlong penalty in [-1, 0]: 0 up to max_tokens - buffer_tokens, linear to -1 at max_tokens, -1 beyond',
  params: {
    max_tokens: 'required: L_max, the generation limit in tokens',
    buffer_tokens: 'L_cache, the soft-penalty window below max_tokens (default 0 = hard cut at max_tokens); 0 <= buffer_tokens <= max_tokens',
  },
  reference: {},
  verify(input: VerifyInput): VerifyOutcome {
    const maxTokens = readNumber(input.params.max_tokens, 'params.max_tokens', undefined, 0);
    if (maxTokens === undefined || maxTokens === 0) throw new InvalidArgumentError('params.max_tokens', 'params.max_tokens is required: a positive number of tokens');
    const bufferTokens = readNumber(input.params.buffer_tokens, 'params.buffer_tokens', 0, 0, maxTokens);
    const given = trainerCount(input.metadata);
    const tokens = given ?? estimateTokens(input.response);
    const source = given === undefined ? 'estimated tokens' : 'metadata.response_tokens';
    const score = overlongPenalty(tokens, maxTokens, bufferTokens);
    const limit = maxTokens - bufferTokens;
    const detail =
      score === 0 ? `${tokens} ${source} ≤ ${limit}` : tokens > maxTokens ? `${tokens} ${source} > max_tokens ${maxTokens}` : `${tokens} ${source} in the overlong buffer (${limit}, ${maxTokens}]`;
    // Sentinel (SPEC 3.1): `overlong` whenever the penalty applies (score < 0); the score is the penalty either way.
    const flags: VerifyOutcome['flags'] = score < 0 ? ['overlong'] : undefined;
    return { score, detail, metrics: { tokens, token_source: given === undefined ? 'estimate' : 'metadata' }, flags };
  },
};
