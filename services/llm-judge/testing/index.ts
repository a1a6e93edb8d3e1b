// Test helpers of @verimesh/llm-judge (the `testing` subpath, never the main export): a faithful local OpenAI-compatible server.
export { OpenAiServer, simpleTokens } from '../test/openai-server.js';
export type { ChatBody, ChatCall, Reply, Responder, Embedder, OpenAiServerOptions, Recorded } from '../test/openai-server.js';
