// Python client benchmark: runs bench/python_client.py with Debian's /usr/bin/python3 against (1) a gateway process
// with only its built-in text verifiers (the client path at its most exposed: ~2 ms per batch) and (2) `verimesh serve`
// with vision-iou and ocr-table and examples/python/profiles.yaml (a GRPO mix of multiple choice, Qwen2.5-VL boxes and
// TEDS). Run: npm run bench:python [-- --rounds 40]. Figures go to the Python section of bench/RESULTS.md.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { machineLine } from './lib/machine.js';
import { freePort, killOnExit, spawnNode, waitReady } from './lib/proc.js';

const root = join(import.meta.dirname, '..');
const rounds = process.argv.includes('--rounds') ? process.argv[process.argv.indexOf('--rounds') + 1]! : '40';

function runClient(title: string, http: string, grpc: string, workload: string): void {
  process.stdout.write(`### ${title}\n\n${machineLine()}\n\n`);
  const out = execFileSync('/usr/bin/python3', [join(root, 'bench/python_client.py'), '--http', http, '--grpc', grpc, '--rounds', rounds, '--workload', workload], {
    cwd: join(root, 'clients/python'),
    env: { ...process.env, PYTHONPATH: [join(root, 'clients/python/src'), join(root, 'clients/python')].join(':') },
    encoding: 'utf8',
  });
  process.stdout.write(`${out}\nAfter: ${machineLine()}\n\n`);
}

async function main(): Promise<void> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const gw = spawnNode(['services/gateway/src/main.ts', '--port', String(port), '--http-port', String(httpPort), '--host', '127.0.0.1', '--log-level', 'warn'], { stdio: 'ignore' });
  const mesh = spawn(process.execPath, ['cli/bin/verimesh.mjs', 'serve', '--only', 'gateway,vision-iou,ocr-table', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--profiles', 'examples/python/profiles.yaml'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, VERIMESH_LOG_LEVEL: 'error' },
  });
  const cleanup = killOnExit([gw, mesh]);
  const meshAddr = new Promise<RegExpExecArray>((resolve) => {
    let buf = '';
    mesh.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /gateway grpc=(\S+) http=(\S+)/.exec(buf);
      if (m && buf.includes('verimesh: ready')) resolve(m);
    });
  });
  await waitReady(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => (r.ok ? r : Promise.reject(new Error(String(r.status))))));
  runClient('Text verifiers only (gateway built-ins)', `http://127.0.0.1:${httpPort}`, `grpc://127.0.0.1:${port}`, 'text');
  const m = await meshAddr;
  runClient('GRPO mix: text.exact behind a gate, vision.box_iou on bbox_2d, doc.teds', `http://${m[2]}`, `grpc://${m[1]}`, 'mixed');
  cleanup();
}

void main();
