// Child process for main.int.test.ts: a service process started the one way every service starts.
import { runMain } from '../src/index.js';

void runMain('probe', {}, () => ({
  name: 'probe',
  version: '0',
  verifiers: [{ name: 'probe.echo', description: 'scores 1', params: {}, reference: {}, verify: () => ({ score: 1 }) }],
}));
