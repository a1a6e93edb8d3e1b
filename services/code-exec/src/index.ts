// Public surface of the code-exec service package.
export { createService } from './service.js';
export type { CodeExecService } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { Config } from './config.js';
export { Sandbox, BASE_ENV } from './sandbox/sandbox.js';
export type { SandboxLimits, SandboxResult, SandboxRunSpec, SandboxInfo } from './sandbox/sandbox.js';
export { compareOutput } from './compare.js';
export type { CompareMode, CompareOptions } from './compare.js';
