// Public names of the llm-judge service package.
export { createService, SERVICE_VERSION } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { BackendConfig, JudgeConfig } from './config.js';
export { NO_BACKEND_MESSAGE } from './judge.js';
