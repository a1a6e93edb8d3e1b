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
import { K8S_ENV } from '@verimesh/telemetry';
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

const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind) as Manifest[];
// The services' own workloads (the loop over `services:`), not the collector's.
const isService = (m: Manifest) => !!m.metadata.labels?.['app.kubernetes.io/name'] && m.metadata.labels['app.kubernetes.io/name'] !== 'otel-collector';
const deployments = (ms: Manifest[]) => byKind(ms, 'Deployment').filter(isService);
const serviceObjects = (ms: Manifest[]) => byKind(ms, 'Service').filter((s) => s.metadata.labels?.['verimesh.io/service-role']);
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
    const d = structuredClone(deployments(renders.default!)[0]!);
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
      const deps = deployments(ms);
      const svcs = serviceObjects(ms);
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
      const deps = deployments(ms);
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
      for (const d of deployments(ms)) {
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
    const deps = deployments(renders.default!);
    const window = (d: Manifest) => container(d).startupProbe.periodSeconds * container(d).startupProbe.failureThreshold;
    const ocr = deps.find((d) => nameLabel(d) === 'ocr-table')!;
    expect(window(ocr)).toBeGreaterThanOrEqual(600);
    for (const d of deps.filter((x) => x !== ocr)) expect(window(d)).toBeLessThan(window(ocr));
  });

  it('stop timings: grace period >= preStop sleep + drain, drain >= the gateway component deadline + margin', () => {
    for (const [f, ms] of Object.entries(renders)) {
      const values = parse(readFileSync(f === 'default' ? join(CHART, 'values.yaml') : f, 'utf8'));
      const gw = deployments(ms).find((d) => nameLabel(d) === 'gateway')!;
      const deadlineMs = Number(envOf(gw).VERIMESH_GATEWAY_DEFAULT_TIMEOUT_MS);
      expect(deadlineMs, f).toBe(values.componentDeadlineMs ?? VALUES.componentDeadlineMs);
      const marginMs = values.drainMarginMs ?? VALUES.drainMarginMs;
      for (const d of deployments(ms)) {
        const drainMs = Number(envOf(d).VERIMESH_SHUTDOWN_GRACE_MS);
        const sleepS = container(d).lifecycle.preStop.sleep.seconds;
        expect(sleepS, `${f} ${d.metadata.name}`).toBeGreaterThan(0);
        expect(drainMs, `${f} ${d.metadata.name}`).toBeGreaterThanOrEqual(deadlineMs + marginMs);
        expect(d.spec.template.spec.terminationGracePeriodSeconds, `${f} ${d.metadata.name}`).toBeGreaterThan(sleepS + drainMs / 1000);
      }
    }
    const code = deployments(renders[join(CI_DIR, 'all-features.yaml')]!).find((d) => nameLabel(d) === 'code-exec')!;
    expect(envOf(code).VERIMESH_SHUTDOWN_GRACE_MS).toBe('55000');
    expect(code.spec.template.spec.terminationGracePeriodSeconds).toBe(70); // 10 s preStop + 55 s + the 5 s default margin
  });

  it('refuses a drain window shorter than the component deadline + margin, naming the service and the numbers', () => {
    const short = helm(['template', RELEASE, CHART, '--set', 'services.math.shutdownGraceMs=20000']);
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/services\.math\.shutdownGraceMs \(20000\) must be at least componentDeadlineMs \+ drainMarginMs \(35000\)/);
    // Raising the deadline alone breaks the rule for every service; raising the drain with it is accepted.
    expect(helm(['template', RELEASE, CHART, '--set', 'componentDeadlineMs=60000']).status).not.toBe(0);
    const ms = render([], ['componentDeadlineMs=60000', 'defaults.shutdownGraceMs=65000']);
    const gw = deployments(ms).find((d) => nameLabel(d) === 'gateway')!;
    expect(envOf(gw).VERIMESH_GATEWAY_DEFAULT_TIMEOUT_MS).toBe('60000');
    expect(gw.spec.template.spec.terminationGracePeriodSeconds).toBe(80);
  });

  it('renders a PodDisruptionBudget for every service by default', () => {
    const ms = renders.default!;
    const pdbs = byKind(ms, 'PodDisruptionBudget');
    expect(pdbs.map(nameLabel).sort()).toEqual(SERVICES);
    for (const p of pdbs) expect(p.spec.maxUnavailable).toBe(1);
  });

  it('puts GPUs (whole, MIG slices, time-sliced shares) under limits, never requests, only where the values ask', () => {
    // Per ci file, the GPU resources each service's pod must have (nothing elsewhere).
    const WANT: Record<string, Record<string, Record<string, number>>> = {
      'gpu.yaml': { 'ocr-table': { 'nvidia.com/gpu': 1 } },
      'gpu-mig.yaml': { 'ocr-table': { 'nvidia.com/mig-1g.10gb': 1 } },
      'gpu-time-slicing.yaml': { 'ocr-table': { 'nvidia.com/gpu': 1 } },
    };
    const gpuKeys = (o: Record<string, unknown> = {}) => Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('nvidia.com/')));
    for (const [f, ms] of Object.entries(renders)) {
      const want = WANT[f.split('/').pop()!] ?? {};
      for (const d of deployments(ms)) {
        const res = container(d).resources ?? {};
        expect(gpuKeys(res.requests), `${f} ${d.metadata.name}`).toEqual({});
        expect(gpuKeys(res.limits), `${f} ${d.metadata.name}`).toEqual(want[nameLabel(d)!] ?? {});
      }
    }
    for (const f of Object.keys(WANT)) {
      const ocr = deployments(renders[join(CI_DIR, f)]!).find((d) => nameLabel(d) === 'ocr-table')!;
      expect(ocr.spec.template.spec.tolerations, f).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
      expect(envOf(ocr).VERIMESH_OCR_TABLE_ORT_PROVIDERS, f).toBe('cuda');
      expect(container(ocr).image, f).toMatch(/-cuda12$/);
    }
  });

  it('the gateway lists every enabled service by its headless Service DNS name, and nothing else', () => {
    for (const [f, ms] of Object.entries(renders)) {
      const gw = deployments(ms).find((d) => nameLabel(d) === 'gateway')!;
      const targets = Object.fromEntries(envOf(gw).VERIMESH_SERVICES!.split(',').filter(Boolean).map((t) => t.split(/=(.*)/s).slice(0, 2)));
      // Expected from the rendered headless Services themselves: <name>.<namespace>.svc[.<clusterDomain>].
      const suffix = f.endsWith('all-features.yaml') ? '.svc.cluster.local' : '.svc';
      const expected: Record<string, string> = {};
      for (const s of serviceObjects(ms).filter((x) => x.spec.clusterIP === 'None' && nameLabel(x) !== 'gateway')) {
        expected[nameLabel(s)!] = `dns:///${s.metadata.name}.${s.metadata.namespace}${suffix}:${s.spec.ports[0].port}`;
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
      const gw = deployments(ms).find((d) => nameLabel(d) === 'gateway')!;
      expect(envOf(gw).VERIMESH_SERVICES).not.toContain(`${svc}=`);
      const testPod = byKind(ms, 'Pod')[0]!;
      expect(testPod.spec.containers[0].args.join(' ')).not.toContain(svc);
      expect(deployments(ms)).toHaveLength(SERVICES.length - 1);
    }
    const minimal = renders[join(CI_DIR, 'minimal.yaml')]!;
    expect([...new Set(minimal.map(nameLabel))].sort()).toEqual(['gateway', 'vision-iou']);
    expect(byKind(minimal, 'PodDisruptionBudget')).toEqual([]);
    expect(byKind(minimal, 'Pod')).toEqual([]);
  });

  it('renders HPA, KEDA, ServiceMonitor, secrets and profiles as the values ask', () => {
    const ms = renders[join(CI_DIR, 'all-features.yaml')]!;
    const dep = (n: string) => deployments(ms).find((d) => nameLabel(d) === n)!;
    // Scaled objects own the replica count.
    expect(byKind(ms, 'HorizontalPodAutoscaler').map(nameLabel).sort()).toEqual(['gateway', 'vision-iou']);
    expect(byKind(ms, 'ScaledObject').map(nameLabel).sort()).toEqual(['code-exec', 'llm-judge']);
    for (const n of ['gateway', 'vision-iou', 'code-exec', 'llm-judge']) expect(dep(n).spec.replicas, n).toBeUndefined();
    expect(dep('video-temporal').spec.replicas).toBe(1);
    const hpa = byKind(ms, 'HorizontalPodAutoscaler').find((h) => nameLabel(h) === 'vision-iou')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: dep('vision-iou').metadata.name });
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    expect(byKind(ms, 'ScaledObject').find((o) => nameLabel(o) === 'code-exec')!.spec.scaleTargetRef.name).toBe(dep('code-exec').metadata.name);
    // A ServiceMonitor scrapes the ClusterIP Service only (not also the headless one), on ports that Service has,
    // with honorLabels (the services' own `service` label must win over the target's Service name).
    const sms = byKind(ms, 'ServiceMonitor');
    expect(sms.map(nameLabel).sort()).toEqual(['code-exec', 'gateway']);
    for (const sm of sms) {
      const scraped = byKind(ms, 'Service').filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels![k] === v));
      expect(scraped.map((s) => s.metadata.name)).toEqual([`vm-${nameLabel(sm)}`]);
      const ports = scraped[0]!.spec.ports.map((p: { name: string }) => p.name);
      for (const ep of sm.spec.endpoints) {
        expect(ports).toContain(ep.port);
        expect(ep).toMatchObject({ path: '/metrics', honorLabels: true });
      }
      expect(sm.spec.endpoints.map((e: { port: string }) => e.port)).toEqual(nameLabel(sm) === 'gateway' ? ['http'] : ['metrics']);
    }
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
    const plain = deployments(renders.default!).find((d) => nameLabel(d) === 'gateway')!;
    expect(envOf(plain).VERIMESH_PROFILES).toBeUndefined();
    expect(byKind(renders.default!, 'ConfigMap').map((c) => c.metadata.name)).toEqual([`${RELEASE}-tests`]);
  });

  it('renders a new entry of services: through the same loop, and leaves empty env values unset', () => {
    const ms = render([], ['services.my-verifier.replicaCount=2']);
    const d = deployments(ms).find((x) => nameLabel(x) === 'my-verifier')!;
    expect(d.spec.replicas).toBe(2);
    expect(container(d).image).toBe('ghcr.io/verimesh/my-verifier:0.1.0');
    expect(byKind(ms, 'PodDisruptionBudget').map(nameLabel)).toContain('my-verifier');
    const gw = deployments(ms).find((x) => nameLabel(x) === 'gateway')!;
    expect(envOf(gw).VERIMESH_SERVICES).toContain(`my-verifier=dns:///${RELEASE}-my-verifier-headless.${NAMESPACE}.svc:50051`);
    // values.yaml lists the judge's settings with empty values: documented there, not set as empty strings.
    const judge = deployments(renders.default!).find((x) => nameLabel(x) === 'llm-judge')!;
    expect(container(judge).env.map((e: { name: string }) => e.name)).not.toContain('VERIMESH_LLM_JUDGE_URL');
  });

  it('the gateway gets NODE_OPTIONS=--max-semi-space-size=32 (bench/RESULTS.md), from the chart, not the image', () => {
    for (const d of deployments(renders.default!)) {
      expect(envOf(d).NODE_OPTIONS, nameLabel(d)).toBe(nameLabel(d) === 'gateway' ? '--max-semi-space-size=32' : undefined);
    }
    expect(readFileSync(join(CHART, '../../docker/Dockerfile'), 'utf8')).not.toMatch(/NODE_OPTIONS|semi-space/);
    // Another env key of the gateway merges with it instead of dropping it.
    const ms = render([], ['services.gateway.env.UV_THREADPOOL_SIZE=8']);
    expect(envOf(deployments(ms).find((x) => nameLabel(x) === 'gateway')!).NODE_OPTIONS).toBe('--max-semi-space-size=32');
  });

  it("extra args keep the image's entry point: the command is the Dockerfile's CMD for the service", () => {
    const dockerfile = readFileSync(join(CHART, '../../docker/Dockerfile'), 'utf8');
    const cmd = JSON.parse(/FROM \w+ AS service-vision-iou\n(?:.*\n)*?CMD (\[.*\])/.exec(dockerfile)![1]!);
    const ms = render([], ['services.vision-iou.args={--concurrency=4}']);
    const c = container(deployments(ms).find((x) => nameLabel(x) === 'vision-iou')!);
    expect(c.command).toEqual(cmd);
    expect(c.args).toEqual(['--concurrency=4']);
    // Without args the image's CMD runs as built.
    for (const d of deployments(renders.default!)) expect(container(d).command, nameLabel(d)).toBeUndefined();
  });

  it('refuses HPA and KEDA on the same service: helm lint through the schema, and helm template once defaults merge', () => {
    const both = ['--set', 'services.vision-iou.autoscaling.enabled=true', '--set', 'services.vision-iou.keda.enabled=true', '--set', 'prometheus.serverAddress=http://prom:9090'];
    const lint = helm(['lint', CHART, ...both]);
    expect(lint.status).not.toBe(0);
    expect(lint.stdout + lint.stderr).toMatch(/services\.vision-iou\.autoscaling\.enabled/);
    // HPA on for every service from defaults, KEDA on for one: only the merged view sees both.
    const merged = helm(['template', RELEASE, CHART, '--set', 'defaults.autoscaling.enabled=true', '--set', 'services.code-exec.keda.enabled=true', '--set', 'prometheus.serverAddress=http://prom:9090']);
    expect(merged.status).not.toBe(0);
    expect(merged.stderr).toMatch(/services\.code-exec: autoscaling\.enabled and keda\.enabled are mutually exclusive/);
  });

  it('pods run without privilege: no service-account token, no privilege escalation, all capabilities dropped', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const d of deployments(ms)) {
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

describe('metrics, scaling and telemetry', () => {
  const ports = (x: { ports?: { name: string; port?: number; containerPort?: number }[] }) =>
    Object.fromEntries((x.ports ?? []).map((p) => [p.name, p.port ?? p.containerPort]));

  it('every verifier serves /metrics on a `metrics` port (container, both Services, VERIMESH_METRICS_PORT); the gateway on http', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const d of deployments(ms)) {
        const gateway = nameLabel(d) === 'gateway';
        const want = gateway ? undefined : 9464; // PLAN D6
        expect(ports(container(d)).metrics, `${f} ${d.metadata.name}`).toBe(want);
        expect(envOf(d).VERIMESH_METRICS_PORT).toBe(want && String(want));
        const svcs = byKind(ms, 'Service').filter((s) => nameLabel(s) === nameLabel(d));
        for (const svc of svcs) expect(ports(svc.spec).metrics, `${f} ${svc.metadata.name}`).toBe(want);
        if (gateway) expect(ports(container(d)).http).toBe(8080);
      }
    }
  });

  it("the gateway's headless Service exposes HTTP too, and its HPA keeps at least two pods", () => {
    const ms = renders.default!;
    const headless = byKind(ms, 'Service').find((s) => nameLabel(s) === 'gateway' && s.spec.clusterIP === 'None')!;
    expect(ports(headless.spec)).toMatchObject({ grpc: 50051, http: 8080 });
    const hpa = byKind(ms, 'HorizontalPodAutoscaler').find((h) => nameLabel(h) === 'gateway')!;
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
    // Without the HPA the Deployment itself runs two.
    const plain = render([], ['services.gateway.autoscaling.enabled=false']);
    expect(deployments(plain).find((d) => nameLabel(d) === 'gateway')!.spec.replicas).toBe(2);
  });

  it("KEDA's built-in trigger asks Prometheus for the service's items in flight (admitted, running or waiting inside), per replica, with fallback and advanced", () => {
    const ms = renders[join(CI_DIR, 'all-features.yaml')]!;
    const so = byKind(ms, 'ScaledObject').find((o) => nameLabel(o) === 'code-exec')!;
    const [builtin, extra] = so.spec.triggers;
    expect(builtin.type).toBe('prometheus');
    expect(builtin.metadata.serverAddress).toBe('http://prometheus-operated.monitoring:9090');
    expect(builtin.metadata.query).toBe(
      `sum(verimesh_items_in_flight{namespace="${NAMESPACE}",service="code-exec"})`,
    );
    expect(builtin.metadata.threshold).toBe(String(VALUES.services['code-exec'].keda.targetItemsPerReplica));
    expect(extra.metadata.query).toContain('verimesh_gateway_service_items_in_flight'); // the values' own trigger follows
    const values = parse(readFileSync(join(CI_DIR, 'all-features.yaml'), 'utf8'));
    expect(so.spec.fallback).toEqual(values.services['code-exec'].keda.fallback);
    expect(so.spec.advanced).toEqual(values.services['code-exec'].keda.advanced);
    // Every service's built-in target is set in values.yaml (the figures behind them are cited there).
    for (const name of SERVICES.filter((n) => n !== 'gateway')) expect(VALUES.services[name].keda.targetItemsPerReplica, name).toBeGreaterThan(0);
  });

  it('schema guards that helm lint reports: KEDA without Prometheus, scale to zero, reserved env names, bad ports and attributes', () => {
    const cases: [string[], RegExp][] = [
      [['services.math.keda.enabled=true', 'services.math.autoscaling.enabled=false'], /prometheus\.serverAddress/],
      [['services.math.keda.minReplicaCount=0'], /services\.math\.keda\.minReplicaCount/],
      [['services.math.env.VERIMESH_METRICS_PORT=1'], /VERIMESH_METRICS_PORT/],
      [['services.math.metricsPort=70000'], /services\.math\.metricsPort/],
      [['otel.resourceAttributes.team=a\\,b'], /otel\.resourceAttributes\.team/],
      [['otel.protocol=http'], /otel\.protocol/],
      [['services.math.keda.fallback.replicas=2'], /failureThreshold/],
      [['services.llm-judge.networkPolicy.egress=some'], /services\.llm-judge\.networkPolicy\.egress/],
    ];
    for (const [set, why] of cases) {
      const r = helm(['lint', CHART, ...set.flatMap((x) => ['--set', x])]);
      expect(r.status, set.join(' ')).not.toBe(0);
      expect(r.stdout + r.stderr, set.join(' ')).toMatch(why);
    }
  });

  it('VERIMESH_MAX_IN_FLIGHT is left to the service unless set (the gateway admits a 100,000-sample request by its own default)', () => {
    for (const d of deployments(renders.default!)) expect(envOf(d).VERIMESH_MAX_IN_FLIGHT, nameLabel(d)).toBeUndefined();
    // ... which peaks at 584-687 MB RSS (bench/RESULTS.md; 1,008-1,069 MB before issue 15.4's reply encoder): the gateway's
    // 2Gi limit leaves room for it.
    const gwDefault = deployments(renders.default!).find((d) => nameLabel(d) === 'gateway')!;
    expect(container(gwDefault).resources.limits.memory).toBe('2Gi');
    const gw = deployments(renders[join(CI_DIR, 'all-features.yaml')]!).find((d) => nameLabel(d) === 'gateway')!;
    expect(envOf(gw).VERIMESH_MAX_IN_FLIGHT).toBe('150000');
  });

  it('every pod carries its Kubernetes identity (downward API into the K8S_* variables telemetry reads; the rest in OTEL_RESOURCE_ATTRIBUTES)', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const d of deployments(ms)) {
        const name = nameLabel(d)!;
        const env = container(d).env as { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
        const field = Object.fromEntries(env.filter((e) => e.valueFrom?.fieldRef).map((e) => [e.name, e.valueFrom!.fieldRef!.fieldPath]));
        expect(field).toEqual({ K8S_POD_NAME: 'metadata.name', K8S_NAMESPACE_NAME: 'metadata.namespace', K8S_NODE_NAME: 'spec.nodeName', K8S_POD_UID: 'metadata.uid' });
        // $(VAR) refers only to variables defined before it (Kubernetes expands earlier entries only).
        const idx = (n: string) => env.findIndex((e) => e.name === n);
        for (const v of Object.keys(field)) expect(idx(v)).toBeLessThan(idx('OTEL_RESOURCE_ATTRIBUTES'));
        const attrs = Object.fromEntries(envOf(d).OTEL_RESOURCE_ATTRIBUTES!.split(',').map((kv) => kv.split('=') as [string, string]));
        // The names @verimesh/telemetry reads (K8S_ENV), not repeated as attributes.
        expect(Object.keys(K8S_ENV).sort()).toEqual(['k8s.container.name', 'k8s.namespace.name', 'k8s.node.name', 'k8s.pod.name', 'k8s.pod.uid']);
        expect(Object.values(K8S_ENV).filter((v) => v !== 'K8S_CONTAINER_NAME').sort()).toEqual(Object.keys(field).sort());
        expect(envOf(d).K8S_CONTAINER_NAME).toBe(name);
        for (const k of Object.keys(K8S_ENV)) expect(attrs[k], `${f} ${name} ${k}`).toBeUndefined();
        expect(attrs, `${f} ${name}`).toMatchObject({
          'k8s.deployment.name': d.metadata.name,
          'service.instance.id': `$(K8S_NAMESPACE_NAME).$(K8S_POD_NAME).${name}`,
          'service.namespace': RELEASE,
        });
        expect(envOf(d).OTEL_SERVICE_NAME).toBe(name);
        if (f.endsWith('all-features.yaml')) expect(attrs['deployment.environment']).toBe('staging');
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
    const d = deployments(renders.default!).find((x) => nameLabel(x) === 'code-exec')!;
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
    for (const x of deployments(renders.default!)) {
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
    const expected = serviceObjects(ms)
      .filter((s) => s.spec.clusterIP !== 'None')
      .flatMap((s) => s.spec.ports.filter((p: { name: string }) => p.name !== 'metrics').map((p: { name: string; port: number }) => {
        const host = `${s.metadata.name}.${s.metadata.namespace}.svc`;
        return p.name === 'grpc' ? `grpc://${host}:${p.port}` : `http://${host}:${p.port}/healthz`;
      }));
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
