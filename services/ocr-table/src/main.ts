// Process entry of the ocr-table service.
import { runMain } from '@verimesh/kit';
import { OPTIONS, loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('ocr-table', OPTIONS, () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
