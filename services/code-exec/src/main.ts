// code-exec process entry: parse config once, build the service, serve.
import { runMain } from '@verimesh/kit';
import { loadServiceConfig } from './config.js';
import { createService } from './service.js';

const config = loadServiceConfig({ argv: process.argv.slice(2) });
// Batch-level backpressure: unless set explicitly, admit no more items at once than the run queue can hold, so an
// overloaded instance answers RESOURCE_EXHAUSTED for the call instead of queueing without bound.
process.env.VERIMESH_MAX_IN_FLIGHT ??= String(Math.max(1, config.queue));
void runMain('code-exec', () => createService(config));
