// The verimesh release this code belongs to (every package is versioned together): service.version and the scope version.
import { createRequire } from 'node:module';

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
