// The Helm chart rendered by a real Helm 3 binary, checked against Kubernetes schemas offline and against the
// deployment rules of STYLE.md (one loop, name+instance selectors, gRPC probes, PDBs, GPUs as limits, DNS targets).
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { noopLogger, serve, type RunningServer, type ServiceDef } from '@verimesh/kit';
import { CHART, NAMESPACE, RELEASE, helm, parseManifests, render, run, type Manifest } from './helm.js';
import { schemaProblems } from './k8s.js';

const CI_DIR = join(CHART, 'ci');
const CI_FILES = readdirSync(CI_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(CI_DIR, f));
// The services the brief names; values.yaml must define exactly these (a new one is a deliberate change here).
const SERVICES = ['code-exec', 'gateway', 'llm-judge', 'math', 'ocr-table', 'video-temporal', 'vision-iou'];
const VALUES = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
const SCHEMA = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));

const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);
const nameLabel = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/name'];
const container = (d: Manifest) => d.spec.template.spec.containers[0];
const envOf = (d: Manifest): Record<string, string> =>
  Object.fromEntries(container(d).env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));

const renders: Record<string, Manifest[]> = {};
beforeAll(() => {
  renders.default = render();
  for (const f of CI_FILES) renders[f] = render([f]);
});

describe('helm lint and schemas', () => {
  it('lints with the default values and every ci/*.yaml (values.schema.json is enforced by helm)', () => {
    for (const f of [undefined, ...CI_FILES]) {
      const r = helm(['lint', CHART, '--strict', ...(f ? ['-f', f] : [])]);
      expect(r.status, `${f ?? 'defaults'}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it('every rendered object validates against its Kubernetes schema, with no unknown fields', () => {
    const all = Object.entries(renders).flatMap(([f, ms]) => ms.flatMap((m) => schemaProblems(m).map((p) => `${f}: ${p}`)));
    expect(all).toEqual([]);
    expect(Object.values(renders).every((ms) => ms.length > 0)).toBe(true);
  });

  it('the unknown-field check catches a misspelt field (the check can fail)', () => {
    const d = structuredClone(byKind(renders.default!, 'Deployment')[0]!);
    container(d).readinesProbe = container(d).readinessProbe;
    expect(schemaProblems(d).join('\n')).toMatch(/unknown field .*readinesProbe/);
  });

  it('NOTES.txt renders and names every enabled service (helm install shows it; template does not, so a copy renders it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verimesh-notes-'));
    try {
      cpSync(CHART, join(dir, 'verimesh'), { recursive: true });
      // Helm parses every template output as YAML, so the copy wraps NOTES.txt into a ConfigMap value.
      const notes = readFileSync(join(CHART, 'templates/NOTES.txt'), 'utf8');
      rmSync(join(dir, 'verimesh/templates/NOTES.txt'));
      writeFileSync(
        join(dir, 'verimesh/templates/notes.yaml'),
        `{{- define "notes" }}${notes}{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notes" . | quote }}\n`,
      );
      const r = helm(['template', RELEASE, join(dir, 'verimesh'), '-n', NAMESPACE, '-f', join(CI_DIR, 'minimal.yaml'), '--show-only', 'templates/notes.yaml']);
      expect(r.status, r.stderr).toBe(0);
      const text: string = parseManifests(r.stdout)[0]!.data.notes;
      expect(text).toContain(`gateway: ${RELEASE}-gateway:50051 (HTTP :8080)`);
      expect(text).toContain(`vision-iou: ${RELEASE}-vision-iou:50051`);
      expect(text).not.toContain('code-exec');
      expect(text).toContain(`helm test ${RELEASE} -n ${NAMESPACE}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('helm rejects a misspelt value key through values.schema.json', () => {
    const r = helm(['template', RELEASE, CHART, '--set', 'services.gateway.pdb.enabeld=false']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/enabeld/);
  });

  it('values.schema.json knows every key of values.yaml, and defaults cover every per-service setting', () => {
    const missing: string[] = [];
    const deref = (s: any): any => (s?.$ref ? deref(SCHEMA.definitions[s.$ref.replace('#/definitions/', '')]) : s);
    const walk = (value: unknown, schema: any, path: string) => {
      schema = deref(schema);
      if (schema?.anyOf) schema = deref(schema.anyOf.find((b: any) => deref(b).type === 'object'));
      if (!value || typeof value !== 'object' || Array.isArray(value)) return;
      for (const [k, v] of Object.entries(value)) {
        const sub = schema?.properties?.[k] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (sub) walk(v, sub, `${path}.${k}`);
        else if (schema?.properties || schema?.additionalProperties === false) missing.push(`${path}.${k}`);
      }
    };
    walk(VALUES, SCHEMA, '');
    expect(missing).toEqual([]);
    const settings = Object.keys(SCHEMA.definitions.settings.properties).filter((k) => k !== 'httpPort');
    expect(settings.filter((k) => !(k in VALUES.defaults))).toEqual([]);
    expect(Object.keys(VALUES.services).sort()).toEqual(SERVICES);
  });
});

describe('rendered workloads', () => {
  it('one Deployment, one ClusterIP Service and one headless Service per enabled service', () => {
    for (const [f, ms] of Object.entries(renders)) {
      const deps = byKind(ms, 'Deployment');
      const svcs = byKind(ms, 'Service');
      for (const d of deps) {
        const sel = d.spec.selector.matchLabels;
        const selecting = svcs.filter((s) => JSON.stringify(s.spec.selector) === JSON.stringify(sel));
        expect(selecting.map((s) => s.spec.clusterIP === 'None').sort(), `${f} ${d.metadata.name}`).toEqual([false, true]);
      }
      expect(svcs.length, f).toBe(2 * deps.length);
    }
  });

  it('selectors use only app.kubernetes.io/name and instance, are unique per service and match the pod labels', () => {
    const KEYS = ['app.kubernetes.io/instance', 'app.kubernetes.io/name'];
    for (const [f, ms] of Object.entries(renders)) {
      const deps = byKind(ms, 'Deployment');
      const seen = new Set<string>();
      for (const d of deps) {
        const sel = d.spec.selector.matchLabels;
        expect(Object.keys(sel).sort(), `${f} ${d.metadata.name}`).toEqual(KEYS);
        for (const [k, v] of Object.entries(sel)) expect(d.spec.template.metadata.labels[k]).toBe(v);
        expect(sel['app.kubernetes.io/instance']).toBe(RELEASE);
        seen.add(JSON.stringify(sel));
      }
      expect(seen.size, f).toBe(deps.length);
      const podSelectors = [
        ...byKind(ms, 'Service').map((s) => s.spec.selector),
        ...byKind(ms, 'PodDisruptionBudget').map((p) => p.spec.selector.matchLabels),
      ];
      for (const sel of podSelectors) expect(Object.keys(sel).sort(), f).toEqual(KEYS);
      // Standard labels on every object, from the one helper.
      for (const m of ms) {
        for (const k of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/part-of', 'helm.sh/chart']) {
          expect(m.metadata.labels?.[k], `${f} ${m.kind}/${m.metadata.name} ${k}`).toBeTruthy();
        }
      }
    }
  });

  it('every Deployment has gRPC startup, readiness and liveness probes on its gRPC port', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const d of byKind(ms, 'Deployment')) {
        const c = container(d);
        const grpcPort = c.ports.find((p: { name: string }) => p.name === 'grpc').containerPort;
        expect(grpcPort).toBe(50051);
        expect(envOf(d).VERIMESH_PORT).toBe(String(grpcPort));
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          expect(c[probe]?.grpc?.port, `${f} ${d.metadata.name} ${probe}`).toBe(grpcPort);
        }
      }
    }
  });

  it('ocr-table gets a long startup window for its model load', () => {
    const deps = byKind(renders.default!, 'Deployment');
    const window = (d: Manifest) => container(d).startupProbe.periodSeconds * container(d).startupProbe.failureThreshold;
    const ocr = deps.find((d) => nameLabel(d) === 'ocr-table')!;
    expect(window(ocr)).toBeGreaterThanOrEqual(600);
    for (const d of deps.filter((x) => x !== ocr)) expect(window(d)).toBeLessThan(window(ocr));
  });

  it('the pod grace period is longer than the service drain window', () => {
    for (const ms of Object.values(renders)) {
      for (const d of byKind(ms, 'Deployment')) {
        const drainS = Number(envOf(d).VERIMESH_SHUTDOWN_GRACE_MS) / 1000;
        expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainS);
      }
    }
    const code = byKind(renders[join(CI_DIR, 'all-features.yaml')]!, 'Deployment').find((d) => nameLabel(d) === 'code-exec')!;
    expect(envOf(code).VERIMESH_SHUTDOWN_GRACE_MS).toBe('55000');
    expect(code.spec.template.spec.terminationGracePeriodSeconds).toBe(60); // 55 s + the 5 s default margin
  });

  it('renders a PodDisruptionBudget for every service by default', () => {
    const ms = renders.default!;
    const pdbs = byKind(ms, 'PodDisruptionBudget');
    expect(pdbs.map(nameLabel).sort()).toEqual(SERVICES);
    for (const p of pdbs) expect(p.spec.maxUnavailable).toBe(1);
  });

  it('puts GPUs under limits."nvidia.com/gpu" (never requests) only where the values ask', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const d of byKind(ms, 'Deployment')) {
        const res = container(d).resources ?? {};
        expect(res.requests?.['nvidia.com/gpu'], `${f} ${d.metadata.name}`).toBeUndefined();
        const wantGpu = f.endsWith('gpu.yaml') && nameLabel(d) === 'ocr-table';
        expect(res.limits?.['nvidia.com/gpu'], `${f} ${d.metadata.name}`).toBe(wantGpu ? 1 : undefined);
      }
    }
    const ocr = byKind(renders[join(CI_DIR, 'gpu.yaml')]!, 'Deployment').find((d) => nameLabel(d) === 'ocr-table')!;
    expect(ocr.spec.template.spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(envOf(ocr).VERIMESH_OCR_TABLE_ORT_PROVIDERS).toBe('cuda');
  });

  it('the gateway lists every enabled service by its headless Service DNS name, and nothing else', () => {
    for (const [f, ms] of Object.entries(renders)) {
      const gw = byKind(ms, 'Deployment').find((d) => nameLabel(d) === 'gateway')!;
      const targets = Object.fromEntries(envOf(gw).VERIMESH_SERVICES!.split(',').filter(Boolean).map((t) => t.split(/=(.*)/s).slice(0, 2)));
      // Expected from the rendered headless Services themselves: <name>.<namespace>.svc[.<clusterDomain>].
      const suffix = f.endsWith('all-features.yaml') ? '.svc.cluster.local' : '.svc';
      const expected: Record<string, string> = {};
      for (const s of byKind(ms, 'Service').filter((x) => x.spec.clusterIP === 'None' && nameLabel(x) !== 'gateway')) {
        expected[nameLabel(s)!] = `dns:///${s.metadata.name}.${NAMESPACE}${suffix}:${s.spec.ports[0].port}`;
      }
      if (f.endsWith('all-features.yaml')) expected['custom-verifier'] = 'dns:///custom-verifier.research.svc:50051';
      expect(targets, f).toEqual(expected);
    }
  });

  it('a disabled service renders nothing and is dropped from the gateway targets and the helm test', () => {
    for (const svc of SERVICES.filter((s) => s !== 'gateway')) {
      const ms = render([], [`services.${svc}.enabled=false`]);
      const mentions = ms.filter((m) => nameLabel(m) === svc || m.metadata.name.includes(`-${svc}`));
      expect(mentions.map((m) => `${m.kind}/${m.metadata.name}`), svc).toEqual([]);
      const gw = byKind(ms, 'Deployment').find((d) => nameLabel(d) === 'gateway')!;
      expect(envOf(gw).VERIMESH_SERVICES).not.toContain(`${svc}=`);
      const testPod = byKind(ms, 'Pod')[0]!;
      expect(testPod.spec.containers[0].args.join(' ')).not.toContain(svc);
      expect(byKind(ms, 'Deployment')).toHaveLength(SERVICES.length - 1);
    }
    const minimal = renders[join(CI_DIR, 'minimal.yaml')]!;
    expect([...new Set(minimal.map(nameLabel))].sort()).toEqual(['gateway', 'vision-iou']);
    expect(byKind(minimal, 'PodDisruptionBudget')).toEqual([]);
    expect(byKind(minimal, 'Pod')).toEqual([]);
  });

  it('renders HPA, KEDA, ServiceMonitor, secrets and profiles as the values ask', () => {
    const ms = renders[join(CI_DIR, 'all-features.yaml')]!;
    const dep = (n: string) => byKind(ms, 'Deployment').find((d) => nameLabel(d) === n)!;
    // Scaled objects own the replica count.
    expect(byKind(ms, 'HorizontalPodAutoscaler').map(nameLabel).sort()).toEqual(['gateway', 'vision-iou']);
    expect(byKind(ms, 'ScaledObject').map(nameLabel)).toEqual(['code-exec']);
    for (const n of ['gateway', 'vision-iou', 'code-exec']) expect(dep(n).spec.replicas, n).toBeUndefined();
    expect(dep('video-temporal').spec.replicas).toBe(1);
    const hpa = byKind(ms, 'HorizontalPodAutoscaler').find((h) => nameLabel(h) === 'vision-iou')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: dep('vision-iou').metadata.name });
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    expect(byKind(ms, 'ScaledObject')[0]!.spec.scaleTargetRef.name).toBe(dep('code-exec').metadata.name);
    // The ServiceMonitor scrapes the gateway's http port through the ClusterIP Service only (not also the headless one).
    const sm = byKind(ms, 'ServiceMonitor')[0]!;
    const scraped = byKind(ms, 'Service').filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels![k] === v));
    expect(scraped.map((s) => s.metadata.name)).toEqual(['vm-gateway']);
    expect(scraped[0]!.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
    // The judge key reaches the pod through a Secret, never as a plain env value.
    const judge = dep('llm-judge');
    expect(JSON.stringify(judge)).not.toContain('not-a-real-key');
    const secret = byKind(ms, 'Secret')[0]!;
    expect(secret.stringData).toEqual({ VERIMESH_LLM_JUDGE_API_KEY: 'not-a-real-key' });
    expect(container(judge).envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
    expect(envOf(judge).VERIMESH_LLM_JUDGE_URL).toBe('https://judge.example.com/v1');
    // Profiles: ConfigMap content = values, mounted where VERIMESH_PROFILES points.
    const cm = byKind(ms, 'ConfigMap').find((c) => c.metadata.name === 'vm-profiles')!;
    const values = parse(readFileSync(join(CI_DIR, 'all-features.yaml'), 'utf8'));
    expect(parse(cm.data['profiles.yaml'])).toEqual(values.profiles);
    const gw = dep('gateway');
    const vol = gw.spec.template.spec.volumes.find((v: any) => v.configMap?.name === 'vm-profiles');
    const mount = container(gw).volumeMounts.find((m: any) => m.name === vol.name);
    expect(envOf(gw).VERIMESH_PROFILES).toBe(`${mount.mountPath}/profiles.yaml`);
    expect(envOf(gw).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.observability:4317');
    expect(envOf(dep('ocr-table')).OTEL_SERVICE_NAME).toBe('ocr-table');
    expect(container(gw).image).toBe('registry.example.com/ml/verimesh-gateway:2026.11.1');
    // No profiles, no ConfigMap and no VERIMESH_PROFILES.
    const plain = byKind(renders.default!, 'Deployment').find((d) => nameLabel(d) === 'gateway')!;
    expect(envOf(plain).VERIMESH_PROFILES).toBeUndefined();
    expect(byKind(renders.default!, 'ConfigMap').map((c) => c.metadata.name)).toEqual([`${RELEASE}-tests`]);
  });

  it('renders a new entry of services: through the same loop, and leaves empty env values unset', () => {
    const ms = render([], ['services.my-verifier.replicaCount=2']);
    const d = byKind(ms, 'Deployment').find((x) => nameLabel(x) === 'my-verifier')!;
    expect(d.spec.replicas).toBe(2);
    expect(container(d).image).toBe('ghcr.io/verimesh/my-verifier:0.1.0');
    expect(byKind(ms, 'PodDisruptionBudget').map(nameLabel)).toContain('my-verifier');
    const gw = byKind(ms, 'Deployment').find((x) => nameLabel(x) === 'gateway')!;
    expect(envOf(gw).VERIMESH_SERVICES).toContain(`my-verifier=dns:///${RELEASE}-my-verifier-headless.${NAMESPACE}.svc:50051`);
    // values.yaml lists the judge's settings with empty values: documented there, not set as empty strings.
    const judge = byKind(renders.default!, 'Deployment').find((x) => nameLabel(x) === 'llm-judge')!;
    expect(container(judge).env.map((e: { name: string }) => e.name)).not.toContain('VERIMESH_LLM_JUDGE_URL');
  });

  it('the gateway gets NODE_OPTIONS=--max-semi-space-size=32 (bench/RESULTS.md), from the chart, not the image', () => {
    for (const d of byKind(renders.default!, 'Deployment')) {
      expect(envOf(d).NODE_OPTIONS, nameLabel(d)).toBe(nameLabel(d) === 'gateway' ? '--max-semi-space-size=32' : undefined);
    }
    expect(readFileSync(join(CHART, '../../docker/Dockerfile'), 'utf8')).not.toMatch(/NODE_OPTIONS|semi-space/);
    // Another env key of the gateway merges with it instead of dropping it.
    const ms = render([], ['services.gateway.env.VERIMESH_LOG_LEVEL=debug']);
    expect(envOf(byKind(ms, 'Deployment').find((x) => nameLabel(x) === 'gateway')!).NODE_OPTIONS).toBe('--max-semi-space-size=32');
  });

  it("extra args keep the image's entry point: the command is the Dockerfile's CMD for the service", () => {
    const dockerfile = readFileSync(join(CHART, '../../docker/Dockerfile'), 'utf8');
    const cmd = JSON.parse(/FROM app AS service-vision-iou\n(?:.*\n)*?CMD (\[.*\])/.exec(dockerfile)![1]!);
    const ms = render([], ['services.vision-iou.args={--concurrency=4}']);
    const c = container(byKind(ms, 'Deployment').find((x) => nameLabel(x) === 'vision-iou')!);
    expect(c.command).toEqual(cmd);
    expect(c.args).toEqual(['--concurrency=4']);
    // Without args the image's CMD runs as built.
    for (const d of byKind(renders.default!, 'Deployment')) expect(container(d).command, nameLabel(d)).toBeUndefined();
  });

  it('refuses HPA and KEDA on the same service, and a ServiceMonitor where nothing serves /metrics', () => {
    const both = helm(['template', RELEASE, CHART, '--set', 'services.vision-iou.autoscaling.enabled=true', '--set', 'services.vision-iou.keda.enabled=true']);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toMatch(/vision-iou.*mutually exclusive/);
    const sm = helm(['template', RELEASE, CHART, '--set', 'services.vision-iou.serviceMonitor.enabled=true']);
    expect(sm.status).not.toBe(0);
    expect(sm.stderr).toMatch(/httpPort/);
  });

  it('pods run without privilege: no service-account token, no privilege escalation, all capabilities dropped', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const d of byKind(ms, 'Deployment')) {
        const spec = d.spec.template.spec;
        expect(spec.automountServiceAccountToken, f).toBe(false);
        const sc = container(d).securityContext;
        expect(sc.allowPrivilegeEscalation, `${f} ${d.metadata.name}`).toBe(false);
        expect(sc.privileged ?? false).toBe(false);
        expect(sc.capabilities.drop).toEqual(['ALL']);
        expect(sc.readOnlyRootFilesystem).toBe(true);
        expect(container(d).volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toContain('/tmp');
      }
    }
  });
});

describe('code-exec pod security', () => {
  /** Whether every key of `want` is in `got` with the same value (arrays: every wanted element has a match). */
  const subset = (want: unknown, got: unknown): boolean => {
    if (Array.isArray(want)) return Array.isArray(got) && want.every((w) => got.some((g) => subset(w, g)));
    if (want && typeof want === 'object') {
      return !!got && typeof got === 'object' && Object.entries(want).every(([k, v]) => subset(v, (got as Record<string, unknown>)[k]));
    }
    return want === got;
  };

  it('mirrors the securityContext that services/code-exec/README.md documents', () => {
    const readme = readFileSync(join(CHART, '../../../services/code-exec/README.md'), 'utf8');
    const section = /^## Kubernetes securityContext\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
    expect(section, 'services/code-exec/README.md has a "## Kubernetes securityContext" section').toBeTruthy();
    const doc = parse(/```yaml\n([\s\S]*?)```/.exec(section!)![1]!);
    const want = doc.spec;
    const d = byKind(renders.default!, 'Deployment').find((x) => nameLabel(x) === 'code-exec')!;
    const pod = d.spec.template.spec;
    expect(pod.hostUsers).toBe(want.hostUsers);
    expect(pod.securityContext).toEqual(want.securityContext);
    const wantC = want.containers[0];
    expect(container(d).securityContext).toEqual(wantC.securityContext);
    expect(subset(wantC.env, container(d).env)).toBe(true);
    expect(subset(wantC.volumeMounts, container(d).volumeMounts)).toBe(true);
    expect(subset(want.volumes, pod.volumes)).toBe(true);
    // The CPU limit matches the sandbox concurrency, as the README asks.
    const concurrency = wantC.env.find((e: { name: string }) => e.name === 'VERIMESH_CODE_EXEC_CONCURRENCY')?.value;
    expect(String(container(d).resources.limits.cpu)).toBe(concurrency);
    // No privilege is added on any service, code-exec included.
    for (const x of byKind(renders.default!, 'Deployment')) {
      expect(container(x).securityContext.privileged ?? false).toBe(false);
      expect(container(x).securityContext.capabilities.add).toBeUndefined();
    }
  });
});

describe('helm test pod', () => {
  const service: ServiceDef = { name: 'probe-target', version: '0.0.0', verifiers: [] };
  let srv: RunningServer;
  let http: Server;
  let httpPort: number;
  let script: string;
  beforeAll(async () => {
    srv = await serve(service, { host: '127.0.0.1', port: 0, log: noopLogger });
    http = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? 200 : 404;
      res.end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as AddressInfo).port;
    // The script exactly as the chart ships it to the test pod.
    const cm = byKind(renders.default!, 'ConfigMap').find((c) => c.metadata.name === `${RELEASE}-tests`)!;
    script = join(mkdtempSync(join(tmpdir(), 'verimesh-helm-test-')), 'health-check.cjs');
    writeFileSync(script, cm.data['health-check.cjs']);
  });
  afterAll(async () => {
    await srv?.shutdown(100);
    await new Promise((r) => http?.close(r));
    if (script) rmSync(dirname(script), { recursive: true, force: true });
  });

  it('targets the ClusterIP Service of every enabled service and the gateway /healthz', () => {
    const ms = renders.default!;
    const pod = byKind(ms, 'Pod')[0]!;
    expect(pod.metadata.annotations!['helm.sh/hook']).toBe('test');
    const expected = byKind(ms, 'Service')
      .filter((s) => s.spec.clusterIP !== 'None')
      .flatMap((s) => s.spec.ports.map((p: { name: string; port: number }) => (p.name === 'grpc' ? `grpc://${s.metadata.name}:${p.port}` : `http://${s.metadata.name}:${p.port}/healthz`)));
    expect([...pod.spec.containers[0].args].sort()).toEqual(expected.sort());
  });

  it('passes against a real kit server (grpc.health.v1 SERVING) and an HTTP /healthz', async () => {
    const r = await run('node', [script, '--timeout-s', '5', `grpc://${srv.address}`, `http://127.0.0.1:${httpPort}/healthz`]);
    expect(r.stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(r.status).toBe(0);
  });

  it('fails on NOT_SERVING, a closed port and an HTTP error', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    srv.health.setStatus('', 'NOT_SERVING');
    const r = await run('node', [script, '--timeout-s', '1', `grpc://${srv.address}`, `grpc://127.0.0.1:${closed}`, `http://127.0.0.1:${httpPort}/nope`]);
    srv.health.setStatus('', 'SERVING');
    expect(r.stdout).toMatch(/FAIL grpc:\/\/.*NOT_SERVING/);
    expect(r.stdout).toMatch(/FAIL http:\/\/.*HTTP 404/);
    expect(r.stdout).toMatch(/^0 passed, 3 failed$/m);
    expect(r.status).toBe(1);
  });
});
