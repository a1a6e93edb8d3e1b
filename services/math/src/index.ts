// The math service: math.equiv, final-answer equivalence at Math-Verify parity (SPEC section 4).
export { createService } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { Config } from './config.js';
export { judge } from './judge.js';
export type { Job, Verdict } from './judge.js';
