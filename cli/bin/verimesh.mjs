#!/usr/bin/env node
// The verimesh command: registers tsx so the TypeScript sources run as they are, then hands over to src/main.ts.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/main.ts');
await run(process.argv.slice(2));
