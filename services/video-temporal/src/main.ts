// Process entry of the video-temporal service.
import { runMain } from '@verimesh/kit';
import { OPTIONS, loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('video-temporal', OPTIONS, () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
