// code-exec process entry: parse config once, build the service, serve.
import { runMain } from '@verimesh/kit';
import { OPTIONS, loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('code-exec', OPTIONS, () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
