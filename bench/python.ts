// Python client benchmark: starts a gateway process (text verifiers only: this measures the client path, not the
// verifiers) and runs bench/python_client.py with Debian's /usr/bin/python3 against it. Run: npm run bench:python
// [-- --rounds 40]. Figures go to the Python section of bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { machineLine } from './lib/machine.js';
import { freePort, killOnExit, spawnNode, waitReady } from './lib/proc.js';

const root = join(import.meta.dirname, '..');
const rounds = process.argv.includes('--rounds') ? process.argv[process.argv.indexOf('--rounds') + 1]! : '40';

async function main(): Promise<void> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const gw = spawnNode(['services/gateway/src/main.ts', '--port', String(port), '--http-port', String(httpPort), '--host', '127.0.0.1', '--log-level', 'warn'], { stdio: 'ignore' });
  const cleanup = killOnExit([gw]);
  await waitReady(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => (r.ok ? r : Promise.reject(new Error(String(r.status))))));
  process.stdout.write(`${machineLine()}\n\n`);
  const out = execFileSync('/usr/bin/python3', [join(root, 'bench/python_client.py'), '--http', `http://127.0.0.1:${httpPort}`, '--grpc', `grpc://127.0.0.1:${port}`, '--rounds', rounds], {
    env: { ...process.env, PYTHONPATH: join(root, 'clients/python/src') },
    encoding: 'utf8',
  });
  process.stdout.write(out);
  process.stdout.write(`\nAfter: ${machineLine()}\n`);
  cleanup();
}

void main();
