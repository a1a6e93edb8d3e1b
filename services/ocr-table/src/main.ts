// Process entry of the ocr-table service.
import { runMain } from '@verimesh/kit';
import { loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('ocr-table', () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
