// Process entry of the llm-judge service.
import { runMain } from '@verimesh/kit';
import { OPTIONS, loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('llm-judge', OPTIONS, () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
