// The Python package (clients/python) against a real mesh: installed offline with pip from the source tree, its
// unittest suite run by Debian's /usr/bin/python3 (python3-grpcio, python3-numpy, python3-pil) against a gateway
// and the services its GRPO batch needs, over HTTP and gRPC; the shipped gRPC stubs checked against proto/; its gRPC
// channel spreading calls over every gateway a name resolves to (round_robin), as behind a headless Service.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer } from '@verimesh/gateway/testing';
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

  it('spreads gRPC calls over every gateway its target resolves to (round_robin, as behind a headless Service)', async () => {
    // Two real gateways on one port at 127.0.0.2 and 127.0.0.3; a DNS server answering both for one name (what a
    // headless Service's name resolves to); grpcio's pick_first would send every call to the first address.
    const hosts = ['127.0.0.2', '127.0.0.3'];
    const port = await freePort(hosts[0]!);
    const dns = await startDnsServer();
    dns.set('gateways.verimesh.test', hosts);
    const gateways = await Promise.all(hosts.map((h) => startServe(['--only', 'gateway', '--host', h, '--port', String(port), '--http-port', '0'])));
    try {
      const calls = 20;
      const script = [
        'import sys, verimesh',
        'c = verimesh.Client(sys.argv[1])',
        `spec = {"components": [{"verifier": "text.exact"}]}`,
        `rs = [c.score([{"id": i, "response": "4", "reference": {"answer": "4"}, "reward": spec}])[0] for i in range(${calls})]`,
        'assert all(r.status == "ok" and r.reward == 1.0 for r in rs), rs',
      ].join('\n');
      const served = async () => Promise.all(gateways.map(async (g) => grpcOk(await (await fetch(`http://${g.http}/metrics`)).text())));
      for (const target of [`dns://${dns.address}/gateways.verimesh.test:${port}`, `ipv4:${hosts.map((h) => `${h}:${port}`).join(',')}`]) {
        const before = await served();
        // not execFileSync: the DNS server answers from this process's event loop
        await promisify(execFile)(python, ['-c', script, target], { cwd: tmpdir(), env: { ...process.env, PYTHONPATH: site }, timeout: 60_000 });
        const per = (await served()).map((n, i) => n - before[i]!);
        expect(per.reduce((a, b) => a + b), target).toBe(calls);
        for (const n of per) expect(n, `${target}: calls per gateway ${per.join(', ')}`).toBeGreaterThanOrEqual(calls / 4);
      }
      expect(dns.queries('gateways.verimesh.test')).toBeGreaterThan(0);
    } finally {
      await Promise.all(gateways.map((g) => g.stop()));
      await dns.close();
    }
  }, 120_000);
});

/** A TCP port free on host (then bound by both gateways, each on its own address). */
async function freePort(host: string): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, host, res));
  const { port } = srv.address() as { port: number };
  await new Promise((res) => srv.close(res));
  return port;
}

/** Score requests a gateway answered OK over gRPC, from its /metrics. */
function grpcOk(metrics: string): number {
  return Number(/^verimesh_gateway_requests_total\{transport="grpc",code="OK"\} (\S+)$/m.exec(metrics)?.[1] ?? 0);
}
