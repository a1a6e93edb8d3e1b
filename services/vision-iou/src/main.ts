// Process entry of the vision-iou service: parse config, serve, drain on SIGTERM.
import { runMain } from '@verimesh/kit';
import { OPTIONS, loadServiceConfig } from './config.js';
import { createService } from './service.js';

void runMain('vision-iou', OPTIONS, () => createService(loadServiceConfig({ argv: process.argv.slice(2) })));
