// The reward gateway: validates samples, fans components out to verifier services in batches, and combines rewards.
export { Gateway, MAX_SAMPLES_PER_REQUEST, DEFAULT_MAX_IN_FLIGHT } from './gateway.js';
export type { GatewayOptions, ScoreOptions } from './gateway.js';
export { inProcessBackend, grpcBackend, CHANNEL_OPTIONS } from './backends.js';
export type { VerifierBackend, VerifyBatchOptions, GrpcBackendOptions } from './backends.js';
export { loadProfiles } from './profiles.js';
export { startGateway, MAX_HTTP_BODY } from './server.js';
export type { StartGatewayOptions, RunningGateway } from './server.js';
export { OPTIONS, loadGatewayConfig, parseServiceTargets } from './config.js';
export type { GatewayConfig } from './config.js';
export { parseFormula, evalFormula, bindFormula, FormulaError, MAX_FORMULA_LENGTH, MAX_FORMULA_DEPTH } from './formula.js';
export type { Expr } from './formula.js';
export { compileSpec, combineScores, MAX_COMPONENTS } from './spec.js';
export type { CompiledSpec, CompiledComponent, CombineMode } from './spec.js';
export { MAX_RESPONSE_BYTES, idProblem } from './samples.js';
export { preflight, sampleToProto } from './preflight.js';
export { MAX_JSON_DEPTH, nestsDeeper, rewardSpecToProto, rewardSpecFromProto } from './wire.js';
export { invalidResultJson, resultFromProto, toResultJson, toResultProto } from './results.js';
export { createTextService } from './text-service.js';
