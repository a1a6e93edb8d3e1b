// code-exec process entry: parse config once, build the service, serve.
import { runMain } from '@verimesh/kit';
import { loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('code-exec', () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
