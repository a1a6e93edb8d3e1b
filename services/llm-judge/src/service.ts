// The llm-judge service: judge.rubric, judge.reference, judge.pairwise and judge.semantic over OpenAI-compatible backends.
import { createLogger, type Logger, type ServiceDef } from '@verimesh/kit';
import { loadServiceConfig, type JudgeConfig } from './config.js';
import { Judge } from './judge.js';
import { pairwiseVerifier } from './verifiers/pairwise.js';
import { referenceVerifier } from './verifiers/reference.js';
import { rubricVerifier } from './verifiers/rubric.js';
import { semanticVerifier } from './verifiers/semantic.js';

export const SERVICE_VERSION = '0.1.0';

export function createService(config: JudgeConfig = loadServiceConfig(), log: Logger = createLogger('llm-judge')): ServiceDef {
  const judge = new Judge(config, log);
  return {
    name: 'llm-judge',
    version: SERVICE_VERSION,
    verifiers: [rubricVerifier(judge), referenceVerifier(judge), pairwiseVerifier(judge), semanticVerifier(judge)],
    info: () => judge.info(),
    pools: () => [...judge.backends.values()].map((b) => ({ pool: 'judge_backend' as const, ...b.occupancy })),
    // Items mostly wait on HTTP; the per-backend limit is what bounds the load on the judge.
    concurrency: 1024,
    stop: async () => judge.close(),
  };
}
