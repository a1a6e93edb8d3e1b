// The one service Dockerfile (deploy/docker/Dockerfile, `--build-arg SERVICE=<svc>`) checked by reading it (no Docker
// engine here): for every SERVICE value the stages it builds are followed as BuildKit would, and the resulting image
// must have a pinned base, a lock-exact production install that brings tsx, the service's entry point, ports, user and
// Debian packages; the lock is walked to show that the install holds every package the service's code imports.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART, REPO } from './helm.js';

const DOCKERFILE = join(REPO, 'deploy/docker/Dockerfile');
const APT_DIR = join(REPO, 'deploy/docker/apt');
// The services of the repository, read from disk: a new service directory must get its final stage.
const SERVICES = readdirSync(join(REPO, 'services')).filter((d) => existsSync(join(REPO, 'services', d, 'package.json'))).sort();

interface Instruction {
  op: string;
  args: string;
  stage: number;
}
interface Stage {
  from: string;
  name?: string;
  /** ARG names the stage declares (a global ARG is visible in a stage only after `ARG <name>` there). */
  args: Set<string>;
}
interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
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
      df.stages.push({ from: m?.[1] ?? args, name: m?.[2], args: new Set() });
    } else if (OP === 'ARG') {
      const [k = '', v = ''] = args.split(/=(.*)/s);
      if (df.stages.length) df.stages[df.stages.length - 1]!.args.add(k);
      else df.globalArgs[k] = v.replace(/^"(.*)"$/, '$1');
    }
    df.instructions.push({ op: OP, args, stage: df.stages.length - 1 });
  }
  return df;
}

/** `${X}` and `$X` replaced from `vars` (an unknown name stays visible in the result). */
const subst = (s: string, vars: Record<string, string>) => s.replace(/\$\{?(\w+)\}?/g, (_, k: string) => vars[k] ?? `<unset ${k}>`);

/** The stages a build of the last stage goes through, base first (FROM resolved with the global ARGs, as BuildKit). */
function stageChain(df: Dockerfile, vars: Record<string, string>): number[] {
  const chain: number[] = [];
  for (let i: number | undefined = df.stages.length - 1; i !== undefined && i >= 0; ) {
    chain.unshift(i);
    const from = subst(df.stages[i]!.from, vars);
    const j = df.stages.findIndex((s, k) => k < i! && s.name === from);
    i = j < 0 ? undefined : j;
  }
  return chain;
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

type LockEntry = { version?: string; dev?: boolean; link?: boolean; resolved?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
const LOCK = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/**
 * What `npm ci --omit=dev --workspace services/<svc>` installs, by walking the lock: the workspace's dependencies
 * and optionalDependencies, resolved as Node does (nearest node_modules upwards), through workspace links.
 * Returns lock keys: `node_modules/...` for registry packages, `libs/...` for the linked workspaces.
 */
function productionClosure(workspace: string): Set<string> {
  const packages = LOCK.packages;
  const seen = new Set<string>();
  const locate = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[key]) return key;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = packages[key]!;
    for (const [deps, optional] of [[entry.dependencies, false], [entry.optionalDependencies, true]] as const) {
      for (const dep of Object.keys(deps ?? {})) {
        let target = locate(key, dep);
        if (!target) {
          if (optional) continue;
          throw new Error(`${dep} (needed by ${key}) is not in the lock`);
        }
        if (packages[target]!.link) {
          seen.add(target);
          target = packages[target]!.resolved!;
        }
        visit(target);
      }
    }
  };
  visit(workspace);
  return seen;
}

/** Bare package names imported at run time (type-only imports excluded) by the non-test .ts files under `dir`. */
function runtimeImports(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const text = readFileSync(p, 'utf8');
        const re = /(?:^|\n)\s*(?:import|export)(?!\s+type\b)[^'";]*?\sfrom\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g;
        for (const m of text.matchAll(re)) {
          const spec = m[1] ?? m[2] ?? m[3] ?? m[4]!;
          if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!builtinModules.includes(name)) names.add(name);
        }
      }
    }
  };
  walk(dir);
  return names;
}

const DF = parseDockerfile(existsSync(DOCKERFILE) ? readFileSync(DOCKERFILE, 'utf8') : '');
const IGNORE = readFileSync(join(REPO, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const VALUES = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
const aptList = (svc: string): string[] => {
  const f = join(APT_DIR, `${svc}.txt`);
  return existsSync(f)
    ? readFileSync(f, 'utf8')
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter(Boolean)
    : [];
};
/** COPY/ADD sources from the build context, and bind-mount sources of RUN. */
const contextSources = (ins: Instruction[], vars: Record<string, string>) => [
  ...ins
    .filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !i.args.includes('--from='))
    .flatMap((i) => subst(i.args, vars).replace(/--\S+/g, '').trim().split(/\s+/).slice(0, -1)),
  ...ins.filter((i) => i.op === 'RUN').flatMap((i) => [...i.args.matchAll(/--mount=type=bind,\S*source=([^,\s]+)/g)].map((m) => m[1]!)),
];

describe('deploy/docker/Dockerfile', () => {
  it('exists, and no per-service Dockerfile or lock-subset stage is left beside it', () => {
    expect(DF.stages.length).toBeGreaterThanOrEqual(4);
    for (const svc of SERVICES) expect(existsSync(join(REPO, 'services', svc, 'Dockerfile')), svc).toBe(false);
    expect(existsSync(join(REPO, 'deploy/docker/lock-subset.mjs'))).toBe(false);
    expect(readFileSync(DOCKERFILE, 'utf8')).not.toMatch(/lock-subset/);
  });

  it('pins every external base image (a version tag or a digest, never bare or :latest) and copies only from its own stages', () => {
    const names = new Set<string>();
    for (const s of DF.stages) {
      const image = subst(s.from, DF.globalArgs);
      // Stage selections by a build arg (FROM runtime-${RUNTIME}, FROM service-${SERVICE}) are checked per service below.
      if (!names.has(image) && !/\$/.test(s.from)) {
        expect(image, s.from).toMatch(/^[\w./-]+(:[\w.-]*\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$/);
        expect(image).toMatch(/:\S*\d+\.\d+|@sha256:/);
        expect(image).not.toMatch(/:latest\b/);
      } else if (!names.has(image) && !/^(runtime|service)-/.test(s.from.replace(/\$.*/, ''))) {
        expect(image, s.from).toMatch(/:\S*\d+\.\d+|@sha256:/); // ${NODE_IMAGE}, ${CUDA_IMAGE}: their defaults
        expect(image).not.toMatch(/:latest\b/);
      }
      if (s.name) names.add(s.name);
    }
    expect(DF.globalArgs.NODE_IMAGE).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/); // Node 20, as the repository
    for (const i of DF.instructions.filter((x) => x.op === 'COPY' && x.args.includes('--from='))) {
      expect(names.has(/--from=(\S+)/.exec(i.args)![1]!), i.args).toBe(true);
    }
  });

  it('declares a build arg in every stage that uses it (a global ARG is empty in a stage without `ARG <name>`)', () => {
    const globals = Object.keys(DF.globalArgs);
    expect(globals).toEqual(expect.arrayContaining(['SERVICE', 'EXTRA_APT_PACKAGES', 'ORT_INSTALL', 'RUNTIME']));
    for (const i of DF.instructions.filter((x) => x.stage >= 0 && x.op !== 'FROM')) {
      for (const m of i.args.matchAll(/\$\{?(\w+)\}?/g)) {
        if (globals.includes(m[1]!)) expect(DF.stages[i.stage]!.args.has(m[1]!), `${m[1]} in stage ${DF.stages[i.stage]!.name}: ${i.op} ${i.args}`).toBe(true);
      }
    }
  });

  it('has one final stage per directory of services/, picked by SERVICE, and no HEALTHCHECK or ENTRYPOINT', () => {
    const finals = DF.stages.filter((s) => s.name?.startsWith('service-')).map((s) => s.name!.slice('service-'.length));
    expect(finals.sort()).toEqual(SERVICES);
    expect(DF.stages[DF.stages.length - 1]!.from).toBe('service-${SERVICE}');
    expect(DF.globalArgs.SERVICE).toBe(''); // no default: a build must name its service
    expect(DF.instructions.some((i) => i.op === 'HEALTHCHECK' || i.op === 'ENTRYPOINT')).toBe(false);
  });

  it('installs with npm ci --omit=dev from the lock for the SERVICE workspace only, after checking SERVICE and before tsx is needed', () => {
    const runs = DF.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm (install|i|add|update)\b/.test(r))).toBe(false);
    expect(runs.some((r) => /\byarn\b|\bpnpm\b|\bnpx\b/.test(r))).toBe(false);
    const ci = runs.findIndex((r) => r.includes('npm ci --omit=dev --workspace services/${SERVICE} '));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(runs.findIndex((r) => r.includes('test -f "services/${SERVICE}/package.json"'))).toBeLessThan(ci);
    expect(runs.findIndex((r) => r.includes('test -f node_modules/tsx/package.json'))).toBeGreaterThan(ci);
    // The install stage gets the manifests and the lock only (sources come later, so an edit keeps the npm ci layer).
    const deps = DF.stages.findIndex((s) => s.name === 'deps');
    expect(DF.instructions.filter((i) => i.stage === deps && i.op === 'COPY').map((i) => i.args)).toEqual(['--from=manifests /out/ ./']);
  });

  it('the onnxruntime CUDA option reaches npm ci and defaults to the CPU build (the .npmrc setting)', () => {
    expect(DF.globalArgs.ORT_INSTALL).toBe('skip');
    expect(readFileSync(join(REPO, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
    expect(DF.instructions.some((i) => i.op === 'RUN' && i.args.includes('npm_config_onnxruntime_node_install=${ORT_INSTALL} npm ci'))).toBe(true);
    expect(DF.globalArgs.RUNTIME).toBe('node');
    expect(DF.stages.map((s) => s.name)).toEqual(expect.arrayContaining(['runtime-node', 'runtime-cuda']));
    // The CUDA runtime has no node of its own: it is copied from the node image.
    const cuda = DF.stages.findIndex((s) => s.name === 'runtime-cuda');
    expect(DF.instructions.filter((i) => i.stage === cuda && i.op === 'COPY').map((i) => i.args)).toContain('--from=runtime-node /usr/local/bin/node /usr/local/bin/node');
  });
});

describe.each(SERVICES)('docker build --build-arg SERVICE=%s', (svc) => {
  const vars = { ...DF.globalArgs, SERVICE: svc };
  const chain = stageChain(DF, vars);
  const ins = DF.instructions.filter((i) => chain.includes(i.stage) && i.op !== 'FROM');
  const last = <T,>(op: string, f: (a: string) => T) => ins.filter((i) => i.op === op).map((i) => f(subst(i.args, vars))).pop();
  const env: Record<string, string> = {};
  for (const i of ins.filter((x) => x.op === 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;

  it('builds on the pinned node image through the app stage into service-<svc>', () => {
    // The verifiers go through the stage that declares their metrics port; the gateway serves its metrics over HTTP.
    const middle = svc === 'gateway' ? ['app'] : ['app', 'verifier'];
    expect(chain.map((i) => DF.stages[i]!.name)).toEqual(['runtime-node', ...middle, `service-${svc}`, undefined]);
    expect(subst(DF.stages[chain[0]!]!.from, vars)).toBe(DF.globalArgs.NODE_IMAGE);
    expect(stageChain(DF, { ...vars, RUNTIME: 'cuda' }).map((i) => DF.stages[i]!.name)[0]).toBe('runtime-cuda');
  });

  it(`runs services/${svc}/src/main.ts (which exists) through tsx from /app`, () => {
    const cmd = last('CMD', (a) => JSON.parse(a) as string[]);
    expect(cmd).toEqual(['node', '--import', 'tsx', `services/${svc}/src/main.ts`]);
    expect(existsSync(join(REPO, cmd![3]!))).toBe(true);
    expect(last('WORKDIR', (a) => a)).toBe('/app'); // the chart's helm test pod runs from /app
    expect(env.NODE_ENV).toBe('production');
    expect(env.HOME).toBe('/tmp'); // the pods' only writable path (read-only root filesystem)
  });

  it('exposes gRPC 50051, a verifier its metrics port 9464, the gateway its HTTP 8080 (where its /metrics is)', () => {
    const exposed = ins.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(env.VERIMESH_PORT).toBe('50051');
    expect(exposed).toContain('50051');
    const values = { ...VALUES.defaults, ...VALUES.services[svc] };
    expect(exposed).toContain(String(values.grpcPort));
    if (values.metricsPort) {
      expect(env.VERIMESH_METRICS_PORT).toBe(String(values.metricsPort));
      expect(exposed).toContain(String(values.metricsPort));
    } else {
      expect(env.VERIMESH_METRICS_PORT).toBeUndefined();
      expect(exposed).not.toContain('9464');
    }
    if (svc === 'gateway') {
      expect(exposed).toContain('8080');
      expect(env.VERIMESH_HTTP_PORT).toBe(String(values.httpPort));
    } else {
      expect(exposed).not.toContain('8080');
      expect(env.VERIMESH_HTTP_PORT).toBeUndefined();
    }
  });

  it("runs as a non-root user: the chart's runAsUser for the service (code-exec: its README's securityContext)", () => {
    const user = last('USER', (a) => a) ?? 'root';
    const [uid = '', gid = ''] = user.split(':');
    expect(uid).not.toMatch(/^(root|0)$/);
    expect(uid).toMatch(/^\d+$/); // numeric: runAsNonRoot can verify it without a passwd entry
    const psc = VALUES.services[svc]?.podSecurityContext ?? VALUES.defaults.podSecurityContext;
    expect([uid, gid]).toEqual([String(psc.runAsUser), String(psc.runAsGroup)]);
    if (svc === 'code-exec') {
      const readme = readFileSync(join(REPO, 'services/code-exec/README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Kubernetes securityContext'));
      expect(uid).toBe(/runAsUser:\s*(\d+)/.exec(section)![1]);
      expect(gid).toBe(/runAsGroup:\s*(\d+)/.exec(section)![1]);
    }
  });

  it('copies the service, the libraries and the protos from the build context (nothing .dockerignore drops)', () => {
    for (const s of contextSources(ins, vars).filter((x) => x !== '.')) expect(inContext(IGNORE, s.replace(/\/$/, '')), s).toBe(true);
    const copies = ins.filter((i) => i.op === 'COPY').map((i) => subst(i.args, vars));
    expect(copies).toEqual(expect.arrayContaining([`services/${svc}/ ./services/${svc}/`, 'proto/ ./proto/', 'libs/ ./libs/', '--from=deps /app/ ./']));
    expect(copies.filter((c) => c.startsWith('services/'))).toEqual([`services/${svc}/ ./services/${svc}/`]);
  });

  it('installs its Debian packages (deploy/docker/apt/<svc>.txt) plus EXTRA_APT_PACKAGES, before switching user', () => {
    const apt = ins.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'));
    expect(apt).toHaveLength(1);
    expect(apt[0]!.args).toContain('/apt/${SERVICE}.txt');
    expect(apt[0]!.args).toContain('${EXTRA_APT_PACKAGES}');
    expect(apt[0]!.args).toContain('--no-install-recommends');
    expect(apt[0]!.args).toContain('rm -rf /var/lib/apt/lists/*');
    expect(ins.findIndex((i) => i.op === 'USER')).toBeGreaterThan(ins.indexOf(apt[0]!));
    const pkgs = aptList(svc);
    for (const p of pkgs) expect(p).toMatch(/^[a-z0-9][a-z0-9+.-]+$/); // a Debian package name
    if (svc === 'code-exec') {
      // The sandbox and the toolchains its verifiers call (services/code-exec/README.md; the dev machine's
      // scripts/apt-packages.txt lists the same ones that are not in a base system).
      expect(pkgs).toEqual(expect.arrayContaining(['bubblewrap', 'python3', 'gcc', 'g++', 'iverilog', 'yosys', 'verilator']));
      const devList = readFileSync(join(REPO, 'scripts/apt-packages.txt'), 'utf8');
      for (const p of ['bubblewrap', 'iverilog', 'yosys', 'verilator']) expect(devList).toMatch(new RegExp(`^${p}$`, 'm'));
    } else {
      expect(pkgs).toEqual([]); // sharp, ffmpeg and onnxruntime come as npm packages
    }
  });

  it('npm ci --omit=dev installs tsx and every package its code and its libraries import (lock walk)', () => {
    const closure = productionClosure(`services/${svc}`);
    // tsx through @verimesh/kit, as a production (not dev) package of the lock.
    expect(closure).toContain('node_modules/tsx');
    expect(LOCK.packages['node_modules/tsx']!.dev).toBeUndefined();
    expect(closure).toContain('libs/kit');
    for (const k of closure) expect(LOCK.packages[k]!.dev, k).toBeUndefined();
    // Nothing of the dev tooling comes along.
    expect([...closure].some((k) => /^node_modules\/(vitest|typescript|eslint|nx)$/.test(k))).toBe(false);
    // A key without node_modules/ is a workspace (its lock entry has the name); else the name ends the path.
    const isWorkspace = (k: string) => !k.includes('node_modules/');
    const installed = new Set([...closure].map((k) => (isWorkspace(k) ? (LOCK.packages[k] as { name?: string }).name! : k.replace(/^.*node_modules\//, ''))));
    const dirs = [`services/${svc}/src`, ...[...closure].filter((k) => isWorkspace(k) && k.startsWith('libs/')).map((k) => `${k}/src`)];
    for (const d of dirs) {
      for (const name of runtimeImports(join(REPO, d))) expect(installed.has(name), `${d} imports ${name}`).toBe(true);
    }
  });
});

describe('the lock walk', () => {
  it('finds a known chain and refuses a package the lock lacks (the check can fail)', () => {
    // vision-iou -> @verimesh/kit (a link to libs/kit) -> @grpc/grpc-js: read from the package.json files.
    const kit = JSON.parse(readFileSync(join(REPO, 'libs/kit/package.json'), 'utf8'));
    expect(kit.dependencies['@grpc/grpc-js']).toBeDefined();
    expect(productionClosure('services/vision-iou')).toContain('node_modules/@grpc/grpc-js');
    // Dev tooling of the root is not reachable from a service.
    expect(productionClosure('services/vision-iou')).not.toContain('node_modules/vitest');
    const packages = LOCK.packages;
    packages['services/__probe'] = { dependencies: { 'no-such-package-xyz': '1' } };
    try {
      expect(() => productionClosure('services/__probe')).toThrow(/not in the lock/);
    } finally {
      delete packages['services/__probe'];
    }
  });

  it('the import scan sees value imports and skips type-only ones', () => {
    const kitImports = runtimeImports(join(REPO, 'libs/kit/src'));
    expect(kitImports).toContain('@grpc/grpc-js');
    expect([...kitImports].some((n) => n.startsWith('node:') || n === 'fs')).toBe(false);
  });
});

describe('.dockerignore', () => {
  it('keeps host node_modules, .git, tests and the chart out, and the sources and apt lists in', () => {
    for (const p of ['node_modules', 'services/gateway/node_modules', 'libs/kit/node_modules/x', '.git', 'libs/kit/test/a.int.test.ts', 'services/gateway/src/a.test.ts', 'deploy/helm/verimesh/values.yaml']) {
      expect(inContext(IGNORE, p), p).toBe(false);
    }
    for (const p of ['package.json', 'package-lock.json', '.npmrc', 'proto/verimesh/v1/sample.proto', 'libs/kit/src/index.ts', 'services/llm-judge/templates/rubric.md', 'deploy/docker/apt/code-exec.txt']) {
      expect(inContext(IGNORE, p), p).toBe(true);
    }
  });

  it('every apt list belongs to a service', () => {
    for (const f of readdirSync(APT_DIR)) expect(SERVICES, f).toContain(f.replace(/\.txt$/, ''));
  });
});
