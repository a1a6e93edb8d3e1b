// judge.semantic: BMAS (Mixed-R1) between the response and reference.answer over the backend's sentence embeddings.
import { InvalidArgumentError, type VerifierDef } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { bmas, distinctSentences, splitSentences } from '../bmas.js';
import { JudgmentCache } from '../cache.js';
import { baseMetrics, orFailure, type Judge } from '../judge.js';

/** Algorithm version in place of a template version (no prompt is involved). */
const SEMANTIC_VERSION = 'bmas@1';

export function semanticVerifier(judge: Judge): VerifierDef {
  return {
    name: 'judge.semantic',
    description: 'BMAS: mean over both directions of the mean best cosine similarity between response and reference sentences (embeddings endpoint), clamped to [0, 1]',
    params: {
      model: 'judge backend name (or a model one backend serves); its embedding_model is used',
      extract: 'how the answer is taken from the response (default "auto")',
    },
    reference: { answer: 'the reference text' },
    async verify(input, ctx) {
      const ref = input.reference.answer;
      if (typeof ref !== 'string' || !ref.trim()) throw new InvalidArgumentError('reference.answer', 'reference.answer must be a non-empty string');
      const answer = extractAnswer(input.response, parseExtractParam(input.params.extract)).text;
      const p = judge.paramsOr({ model: input.params.model }, SEMANTIC_VERSION);
      if (!('backend' in p)) return p;
      const rs = distinctSentences(splitSentences(answer));
      const gs = splitSentences(ref);
      if (rs.length === 0) return { score: 0, detail: 'empty answer: nothing to compare', metrics: { ...baseMetrics(p, SEMANTIC_VERSION, []), response_sentences: 0, reference_sentences: gs.length } };
      const model = p.backend.config.embeddingModel;
      return orFailure(ctx.signal, { ...baseMetrics(p, SEMANTIC_VERSION, []), embedding_model: model }, async () => {
        const { value, hit } = await judge.cache.get(JudgmentCache.key(['semantic', p.backend.name, model, SEMANTIC_VERSION, rs, gs]), () => p.backend.embed([...rs, ...gs], ctx.signal));
        const b = bmas(value.slice(0, rs.length), value.slice(rs.length));
        const score = Math.min(1, Math.max(0, b.bmas));
        return {
          score,
          detail: `BMAS ${b.bmas.toFixed(3)} over ${rs.length}×${gs.length} sentences`,
          metrics: { ...baseMetrics(p, SEMANTIC_VERSION, [hit]), embedding_model: model, bmas: b.bmas, precision: b.precision, recall: b.recall, response_sentences: rs.length, reference_sentences: gs.length },
        };
      });
    },
  };
}
