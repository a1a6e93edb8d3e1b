// The verimesh CLI as a library: the embedded mesh and the commands, for scripts and tests.
export { main, run, USAGE } from './main.js';
export { createEmbeddedGateway, loadServices, profilePaths, SERVICE_PACKAGES } from './mesh.js';
export type { EmbeddedGateway, EmbeddedOptions, LoadedServices } from './mesh.js';
export { scoreCommand } from './score.js';
export type { ScoreArgs, ScoreIo } from './score.js';
export { serveCommand, startServe, parseOnly } from './serve.js';
export type { ServeArgs, ServeHandle } from './serve.js';
export { verifiersCommand, formatCatalogue } from './verifiers.js';
export type { VerifiersArgs } from './verifiers.js';
export { scoreRemote, gatewayClient } from './remote.js';
export { Summary, formatTable, fmt } from './summary.js';
export type { SummaryData } from './summary.js';
export { parseLine, readJsonl } from './jsonl.js';
