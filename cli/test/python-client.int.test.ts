// The Python package (clients/python) against a real mesh: installed offline with pip from the source tree, its
// unittest suite run by Debian's /usr/bin/python3 (python3-grpcio, python3-numpy, python3-pil) against a gateway
// and the services its GRPO batch needs, over HTTP and gRPC; the shipped gRPC stubs checked against proto/.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServe, type Served } from './helpers.js';

const python = '/usr/bin/python3';
const pkg = join(ROOT, 'clients/python');
let served: Served | undefined;
let site = '';

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'vm-py-site-'));
  served = await startServe(['--only', 'gateway,code-exec,vision-iou,ocr-table', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--profiles', 'examples/python/profiles.yaml']);
});

afterAll(async () => {
  await served?.stop();
  if (site) rmSync(site, { recursive: true, force: true });
});

describe('Python package verimesh', () => {
  it('installs offline with pip (no index, no setuptools, no build dependencies)', () => {
    execFileSync(python, ['-m', 'pip', 'install', '--no-index', '--quiet', '--target', site, pkg], { stdio: 'pipe' });
    const out = execFileSync(python, ['-c', 'import verimesh, verimesh.v1.gateway_service_pb2_grpc, verimesh.integrations.verl; print(verimesh.__file__)'], { cwd: tmpdir(), env: { ...process.env, PYTHONPATH: site }, encoding: 'utf8' });
    expect(out.trim().startsWith(site)).toBe(true);
  }, 120_000);

  it('ships gRPC stubs generated from proto/ (scripts/gen_proto.sh --check)', () => {
    execFileSync('bash', [join(pkg, 'scripts/gen_proto.sh'), '--check'], { stdio: 'pipe' });
  });

  it('passes its unittest suite against the gateway over HTTP and gRPC', () => {
    const r = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
      cwd: pkg,
      env: { ...process.env, PYTHONPATH: site, VERIMESH_URL: `http://${served!.http}`, VERIMESH_TEST_GRPC_URL: `grpc://${served!.gateway}`, PYTHONWARNINGS: 'ignore::ResourceWarning' },
      encoding: 'utf8',
      timeout: 280_000,
    });
    const tail = `${r.stdout}\n${r.stderr}`.slice(-6000);
    expect(r.status, tail).toBe(0);
    expect(r.stderr).toMatch(/^OK/m);
    expect(r.stderr).not.toMatch(/skipped/);
  }, 300_000);
});
