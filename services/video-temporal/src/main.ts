// Process entry of the video-temporal service.
import { runMain } from '@verimesh/kit';
import { loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('video-temporal', () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
