// Process entry of the math service: parse config, serve, drain on SIGTERM.
import { runMain } from '@verimesh/kit';
import { OPTIONS, loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('math', OPTIONS, () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
