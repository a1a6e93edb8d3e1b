// The service Dockerfiles checked by reading them (no Docker engine here): pinned bases, multi-stage, lock-exact
// installs, the right entry point and ports, non-root, no HEALTHCHECK; and the lock subset that brings tsx in.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helm.js';
import { lockSubset } from '../../docker/lock-subset.mjs';

const SERVICES = ['code-exec', 'gateway', 'llm-judge', 'ocr-table', 'video-temporal', 'vision-iou'];

interface Instruction {
  op: string;
  args: string;
  stage: number;
}
interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: { from: string; name?: string; args: Record<string, string> }[];
  instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped; FROM lines open stages. */
function parseDockerfile(text: string): Dockerfile {
  const lines: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    cur += line;
    if (cur.trim()) lines.push(cur.trim());
    cur = '';
  }
  const df: Dockerfile = { globalArgs: {}, stages: [], instructions: [] };
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const OP = op.toUpperCase();
    if (OP === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      df.stages.push({ from: m?.[1] ?? args, name: m?.[2], args: {} });
    } else if (OP === 'ARG') {
      const [k = '', v = ''] = args.split('=');
      const target = df.stages.length ? df.stages[df.stages.length - 1]!.args : df.globalArgs;
      target[k] = v.replace(/^"(.*)"$/, '$1');
    }
    df.instructions.push({ op: OP, args, stage: df.stages.length - 1 });
  }
  return df;
}

/** Whether .dockerignore leaves `path` in the build context (patterns in order, the last match decides). */
function inContext(patterns: string[], path: string): boolean {
  const toRe = (p: string) =>
    new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(.*/)?')}(/.*)?$`);
  let included = true;
  for (const raw of patterns) {
    const neg = raw.startsWith('!');
    const p = (neg ? raw.slice(1) : raw).replace(/^\//, '').replace(/\/$/, '');
    if (toRe(p).test(path)) included = neg;
  }
  return included;
}

const IGNORE = readFileSync(join(REPO, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe.each(SERVICES)('services/%s/Dockerfile', (svc) => {
  const path = join(REPO, 'services', svc, 'Dockerfile');
  const df = parseDockerfile(existsSync(path) ? readFileSync(path, 'utf8') : '');
  const last = df.stages.length - 1;
  const finalStage = df.instructions.filter((i) => i.stage === last);

  it('is multi-stage with pinned base images', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    for (const s of df.stages) {
      // ${ARG} in FROM takes the ARG's default from before the first FROM.
      const image = s.from.replace(/\$\{?(\w+)\}?/g, (_, k: string) => df.globalArgs[k] ?? `<unset ${k}>`);
      if (!names.has(image)) {
        expect(image, `${s.from}`).toMatch(/^[\w./-]+(:[\w.-]*\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$/);
        expect(image).toMatch(/:\S*\d+\.\d+|@sha256:/); // a version tag or a digest, never bare or :latest
        expect(image).not.toMatch(/:latest\b/);
      }
      if (s.name) names.add(s.name);
    }
    for (const i of df.instructions.filter((x) => x.op === 'COPY' && x.args.includes('--from='))) {
      expect(names.has(/--from=(\S+)/.exec(i.args)![1]!), i.args).toBe(true);
    }
  });

  it('installs with npm ci from the lock, for this service workspace only', () => {
    const runs = df.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm (install|i|add)\b/.test(r))).toBe(false);
    expect(runs.some((r) => /\byarn\b|\bpnpm\b/.test(r))).toBe(false);
    expect(runs.some((r) => r.includes(`npm ci --omit=dev --workspace services/${svc} `))).toBe(true);
  });

  it(`runs services/${svc}/src/main.ts through tsx, exposes gRPC 50051, as a non-root user, without HEALTHCHECK`, () => {
    const cmd = finalStage.filter((i) => i.op === 'CMD').pop();
    expect(JSON.parse(cmd!.args)).toEqual(['node', '--import', 'tsx', `services/${svc}/src/main.ts`]);
    expect(finalStage.find((i) => i.op === 'WORKDIR')?.args).toBe('/app'); // the chart's helm test pod runs from /app
    const exposed = finalStage.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toContain('50051');
    if (svc === 'gateway') expect(exposed).toContain('8080');
    const user = finalStage.filter((i) => i.op === 'USER').pop()?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(df.instructions.some((i) => i.op === 'HEALTHCHECK')).toBe(false);
    expect(df.instructions.some((i) => i.op === 'ENTRYPOINT')).toBe(false);
  });

  it('copies only what .dockerignore keeps in the context, and the service sources into the final stage', () => {
    const sources = df.instructions
      .filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !i.args.includes('--from='))
      .flatMap((i) => i.args.replace(/--\S+/g, '').trim().split(/\s+/).slice(0, -1))
      .filter((s) => s !== '.');
    for (const s of sources) expect(inContext(IGNORE, s.replace(/\/$/, '')), s).toBe(true);
    const finalCopies = finalStage.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(finalCopies).toContain(`services/${svc}/ ./services/${svc}/`);
    expect(finalCopies).toContain('proto/ ./proto/');
  });
});

describe('.dockerignore', () => {
  it('keeps host node_modules, .git and tests out and the sources in', () => {
    for (const p of ['node_modules', 'services/gateway/node_modules', 'libs/kit/node_modules/x', '.git', 'libs/kit/test/a.int.test.ts', 'services/gateway/src/a.test.ts']) {
      expect(inContext(IGNORE, p), p).toBe(false);
    }
    for (const p of ['package.json', 'package-lock.json', '.npmrc', 'proto/verimesh/v1/sample.proto', 'libs/kit/src/index.ts', 'services/llm-judge/templates/rubric.md', 'deploy/docker/lock-subset.mjs']) {
      expect(inContext(IGNORE, p), p).toBe(true);
    }
  });
});

describe('lock-subset.mjs', () => {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
  const { packageJson, lock: sub } = lockSubset(lock, ['tsx']);

  it('takes tsx and its runtime closure with the versions and hashes of the repository lock', () => {
    const installed = JSON.parse(readFileSync(join(REPO, 'node_modules/tsx/package.json'), 'utf8'));
    expect(packageJson.dependencies).toEqual({ tsx: installed.version });
    expect(sub.packages['']).toEqual(packageJson);
    const keys = Object.keys(sub.packages).filter((k) => k);
    expect(keys).toContain('node_modules/tsx');
    // tsx's declared dependencies, read from its installed package.json (not from the lock).
    for (const dep of Object.keys(installed.dependencies ?? {})) expect(keys).toContain(`node_modules/${dep}`);
    expect(keys).toContain('node_modules/@esbuild/linux-x64');
    expect(keys).toContain('node_modules/@esbuild/linux-arm64');
    for (const k of keys) {
      expect(sub.packages[k]?.version).toBe(lock.packages[k].version);
      expect(sub.packages[k]?.integrity).toBe(lock.packages[k].integrity);
      expect(sub.packages[k]?.dev).toBeUndefined();
    }
    // Nothing else: no workspace, no devDependency tooling.
    expect(keys.some((k) => /vitest|typescript|nx|@verimesh/.test(k))).toBe(false);
  });

  it('refuses a name the lock does not have', () => {
    expect(() => lockSubset(lock, ['no-such-package-xyz'])).toThrow(/not in the lock/);
  });
});
