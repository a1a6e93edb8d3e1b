// Public names of the llm-judge service package.
export { createService, SERVICE_VERSION } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { BackendConfig, JudgeConfig } from './config.js';
export { Judge, NO_BACKEND_MESSAGE } from './judge.js';
export { Backend, BackendError, parseRetryAfter } from './backend.js';
export type { ChatMessage, ChatReply, ChatRequest, ContentPart, TokenLogprob } from './backend.js';
export { JudgmentCache } from './cache.js';
export { bmas, cosine, splitSentences } from './bmas.js';
export { escapeDelimiters, fence, loadTemplates, parseTemplate, render, BUILTIN_TEMPLATES_DIR } from './templates.js';
export type { Template, TemplateName } from './templates.js';
