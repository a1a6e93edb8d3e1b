// What a shared cluster asks of the chart: Pod Security Admission levels (the rules of psa.ts applied to every
// rendered pod), NetworkPolicies that admit only the traffic the mesh needs, code-exec in a namespace of its own, and
// its seccomp profile installed on the nodes (DaemonSet or Security Profiles Operator).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART, NAMESPACE, RELEASE, helm, render, type Manifest } from './helm.js';
import { podOf, podSecurityViolations, strictestLevel } from './psa.js';
import { schemaProblems } from './k8s.js';

const CI = (f: string) => join(CHART, 'ci', f);
const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);
const nameLabel = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/name'];
const pods = (ms: Manifest[]) => ms.flatMap((m) => (podOf(m) ? [{ m, ...podOf(m)! }] : []));
const checks = (meta: object, spec: object, level: 'baseline' | 'restricted', v: number | 'latest' = 'latest') => podSecurityViolations(meta, spec, level, v).map((x) => x.check);

describe('Pod Security Admission checker (psa.ts) on pods written by hand', () => {
  const good = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
  const tweak = (f: (p: any) => void) => {
    const p = structuredClone(good) as any;
    f(p);
    return p;
  };

  it('passes a pod that follows every restricted rule', () => {
    expect(podSecurityViolations({}, good, 'restricted')).toEqual([]);
  });

  it('names the rule each change breaks, at the level that owns it', () => {
    const cases: [string, (p: any) => void, string, 'baseline' | 'restricted'][] = [
      ['hostPath volume', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/' } }), 'hostPathVolumes', 'baseline'],
      ['hostNetwork', (p) => (p.hostNetwork = true), 'hostNamespaces', 'baseline'],
      ['privileged', (p) => (p.containers[0].securityContext.privileged = true), 'privileged', 'baseline'],
      ['SYS_ADMIN', (p) => (p.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']), 'capabilities_baseline', 'baseline'],
      ['Unconfined seccomp', (p) => (p.securityContext.seccompProfile.type = 'Unconfined'), 'seccompProfile_baseline', 'baseline'],
      ['Unconfined AppArmor', (p) => (p.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' }), 'appArmorProfile', 'baseline'],
      ['hostPort', (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), 'hostPorts', 'baseline'],
      ['unsafe sysctl', (p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), 'sysctls', 'baseline'],
      ['root user', (p) => (p.securityContext.runAsUser = 0), 'runAsUser', 'restricted'],
      ['runAsNonRoot unset', (p) => delete p.securityContext.runAsNonRoot, 'runAsNonRoot', 'restricted'],
      ['escalation allowed', (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation, 'allowPrivilegeEscalation', 'restricted'],
      ['capabilities kept', (p) => (p.containers[0].securityContext.capabilities.drop = []), 'capabilities_restricted', 'restricted'],
      ['no seccomp profile', (p) => delete p.securityContext.seccompProfile, 'seccompProfile_restricted', 'restricted'],
      ['nfs volume', (p) => p.volumes.push({ name: 'n', nfs: { server: 'x', path: '/' } }), 'restrictedVolumes', 'restricted'],
    ];
    for (const [what, f, check, level] of cases) {
      const p = tweak(f);
      expect(checks({}, p, level), what).toEqual([check]);
      // A restricted rule is not a baseline one; a baseline rule also fails restricted (under its own or a stricter check).
      if (level === 'restricted') expect(checks({}, p, 'baseline'), what).toEqual([]);
      else expect(checks({}, p, 'restricted').length, what).toBeGreaterThan(0);
    }
  });

  it('follows the versioned rules: an unmasked /proc in a user-namespaced pod is baseline from 1.35 on, never restricted', () => {
    const p = tweak((x) => {
      x.hostUsers = false;
      x.containers[0].securityContext.procMount = 'Unmasked';
    });
    expect(checks({}, p, 'baseline', 34)).toEqual(['procMount']);
    expect(checks({}, p, 'baseline', 35)).toEqual([]);
    expect(checks({}, p, 'restricted', 35)).toEqual(['procMount_restricted']);
    expect(checks({}, p, 'restricted', 34)).toEqual(['procMount']);
  });
});

describe('Pod Security of the rendered chart', () => {
  const renders = Object.fromEntries(['default', 'shared-cluster.yaml', 'all-features.yaml', 'gpu.yaml', 'seccomp-operator.yaml'].map((f) => [f, render(f === 'default' ? [] : [CI(f)])]));

  it('every pod but code-exec (and its node installer) passes `restricted`, in every ci/*.yaml', () => {
    for (const [f, ms] of Object.entries(renders)) {
      for (const { m, meta, spec } of pods(ms)) {
        if (['code-exec', 'seccomp-installer'].includes(nameLabel(m)!)) continue;
        expect(podSecurityViolations(meta, spec, 'restricted'), `${f} ${m.kind}/${m.metadata.name}`).toEqual([]);
        expect(podSecurityViolations(meta, spec, 'restricted', 30), `${f} ${m.kind}/${m.metadata.name} at 1.30`).toEqual([]);
      }
    }
  });

  it('with code-exec in its own namespace, the release namespace can enforce `restricted`; code-exec needs `privileged`', () => {
    const ms = renders['shared-cluster.yaml']!;
    const all = pods(ms);
    const inRelease = all.filter(({ m }) => m.metadata.namespace === NAMESPACE);
    expect(inRelease.length).toBeGreaterThan(5);
    for (const { m, meta, spec } of inRelease) expect(strictestLevel(meta, spec), `${m.kind}/${m.metadata.name}`).toBe('restricted');
    const sandboxNs = byKind(ms, 'Namespace');
    expect(sandboxNs.map((n) => n.metadata.name)).toEqual(['verimesh-sandbox']);
    expect(sandboxNs[0]!.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/enforce-version': 'latest' });
    const sandboxed = all.filter(({ m }) => m.metadata.namespace === 'verimesh-sandbox');
    expect(sandboxed.map(({ m }) => nameLabel(m)).sort()).toEqual(['code-exec', 'seccomp-installer']);
    // Which rules code-exec breaks, and why each: bubblewrap mounts /proc (Unmasked) and needs mount mediation off
    // (AppArmor); with the Localhost profile seccomp is no longer among them.
    const ce = sandboxed.find(({ m }) => nameLabel(m) === 'code-exec')!;
    expect(checks(ce.meta, ce.spec, 'baseline')).toEqual(['appArmorProfile']);
    expect(checks(ce.meta, ce.spec, 'baseline', 34)).toEqual(['appArmorProfile', 'procMount']);
    const def = pods(renders.default!).find(({ m }) => nameLabel(m) === 'code-exec')!;
    expect(checks(def.meta, def.spec, 'baseline')).toEqual(['appArmorProfile', 'seccompProfile_baseline']);
    // The installer writes into the node's kubelet directory: hostPath, so privileged too.
    const inst = sandboxed.find(({ m }) => nameLabel(m) === 'seccomp-installer')!;
    expect(checks(inst.meta, inst.spec, 'baseline')).toEqual(['hostPathVolumes']);
  });

  it("code-exec's objects all move to its namespace, and the gateway, helm test and collector find it there", () => {
    const ms = renders['shared-cluster.yaml']!;
    for (const m of ms.filter((x) => nameLabel(x) === 'code-exec')) expect(m.metadata.namespace, `${m.kind}/${m.metadata.name}`).toBe('verimesh-sandbox');
    const gw = byKind(ms, 'Deployment').find((d) => nameLabel(d) === 'gateway')!;
    const env = Object.fromEntries(gw.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.VERIMESH_SERVICES).toContain(`code-exec=dns:///${RELEASE}-code-exec-headless.verimesh-sandbox.svc:50051`);
    const testPod = byKind(ms, 'Pod')[0]!;
    expect(testPod.spec.containers[0].args).toContain(`grpc://${RELEASE}-code-exec.verimesh-sandbox.svc:50051`);
  });
});

describe('NetworkPolicies', () => {
  const ms = render([CI('shared-cluster.yaml')]);
  const policies = byKind(ms, 'NetworkPolicy');
  const policy = (svc: string) => policies.find((p) => nameLabel(p) === svc)!;
  const podsOf = (sel: any, ns: string) =>
    pods(ms).filter(({ m, meta }) => (m.metadata.namespace ?? NAMESPACE) === ns && Object.entries(sel.matchLabels ?? {}).every(([k, v]) => meta.labels?.[k] === v));
  /** Whether a peer admits a pod (namespace by kubernetes.io/metadata.name, pod by its labels), as the API defines peers. */
  const admits = (peer: any, policyNs: string, pod: { meta: any; ns: string }) => {
    if (peer.ipBlock) return false;
    const nsOk = peer.namespaceSelector
      ? Object.entries(peer.namespaceSelector.matchLabels ?? {}).every(([k, v]) => k === 'kubernetes.io/metadata.name' && v === pod.ns)
      : pod.ns === policyNs;
    const podOk = peer.podSelector ? Object.entries(peer.podSelector.matchLabels ?? {}).every(([k, v]) => pod.meta.labels?.[k] === v) : true;
    return nsOk && podOk;
  };
  const chartPod = (name: string) => {
    const p = pods(ms).find(({ m }) => nameLabel(m) === name)!;
    return { meta: p.meta, ns: p.m.metadata.namespace! };
  };

  it('one per enabled service, each selecting exactly its own pods, valid against the Kubernetes schema', () => {
    const deps = byKind(ms, 'Deployment').filter((d) => nameLabel(d) !== 'otel-collector');
    expect(policies.map(nameLabel).sort()).toEqual(deps.map(nameLabel).sort());
    for (const p of policies) {
      expect(schemaProblems(p)).toEqual([]);
      const selected = podsOf(p.spec.podSelector, p.metadata.namespace!);
      expect(selected.map(({ m }) => nameLabel(m)), p.metadata.name).toEqual([nameLabel(p)]);
    }
  });

  it('code-exec: no egress at all; ingress on gRPC only from the gateway and the helm test pod, metrics from the scrapers', () => {
    const p = policy('code-exec');
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.spec.egress).toEqual([]);
    const [grpcRule, metricsRule] = p.spec.ingress;
    expect(grpcRule.ports).toEqual([{ port: 'grpc', protocol: 'TCP' }]);
    const ns = p.metadata.namespace!;
    expect(grpcRule.from.some((peer: any) => admits(peer, ns, chartPod('gateway')))).toBe(true);
    expect(grpcRule.from.some((peer: any) => admits(peer, ns, chartPod('tests')))).toBe(true);
    for (const other of ['vision-iou', 'llm-judge', 'otel-collector']) expect(grpcRule.from.some((peer: any) => admits(peer, ns, chartPod(other))), other).toBe(false);
    expect(metricsRule.ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
    expect(metricsRule.from.some((peer: any) => admits(peer, ns, chartPod('otel-collector')))).toBe(true);
    expect(metricsRule.from.some((peer: any) => admits(peer, ns, chartPod('gateway')))).toBe(false);
    expect(metricsRule.from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } });
  });

  it('llm-judge: egress only to its configured backends, the collector and DNS', () => {
    const p = policy('llm-judge');
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const [backend, collector, dns] = p.spec.egress;
    expect(backend).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'inference' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm' } } }],
      ports: [{ port: 8000, protocol: 'TCP' }],
    });
    expect(collector.to.some((peer: any) => admits(peer, NAMESPACE, chartPod('otel-collector')))).toBe(true);
    expect(collector.ports.map((x: any) => x.port)).toEqual([4317, 4318]);
    expect(dns.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    expect(dns.ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    expect(p.spec.egress).toHaveLength(3);
  });

  it('the gateway accepts trainers on gRPC and HTTP from gatewayClients only; other verifiers keep open egress', () => {
    const p = policy('gateway');
    expect(p.spec.policyTypes).toEqual(['Ingress']);
    expect(p.spec.ingress[0]).toEqual({
      ports: [{ port: 'grpc', protocol: 'TCP' }, { port: 'http', protocol: 'TCP' }],
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'rl-training' } } }],
    });
    for (const svc of ['vision-iou', 'video-temporal', 'ocr-table', 'math']) {
      expect(policy(svc).spec.policyTypes, svc).toEqual(['Ingress']);
      expect(policy(svc).spec.ingress[0].from.some((peer: any) => admits(peer, NAMESPACE, chartPod('gateway'))), svc).toBe(true);
    }
    // Without gatewayClients the trainer rule has no `from`: any source may call the gateway.
    const open = byKind(render([], ['networkPolicy.enabled=true']), 'NetworkPolicy').find((x) => nameLabel(x) === 'gateway')!;
    expect(open.spec.ingress[0].from).toBeUndefined();
  });

  it('named ports in the policies exist on the pods they select', () => {
    for (const p of policies) {
      const pod = podsOf(p.spec.podSelector, p.metadata.namespace!)[0]!;
      const names = pod.spec.containers[0].ports.map((x: any) => x.name);
      for (const rule of p.spec.ingress) for (const port of rule.ports) expect(names, `${p.metadata.name} ${port.port}`).toContain(port.port);
    }
  });
});

describe("code-exec's seccomp profile on the nodes", () => {
  const profile = JSON.parse(readFileSync(join(CHART, 'files/seccomp/code-exec.json'), 'utf8'));

  it('daemonset: the profile file, byte for byte, copied under the kubelet seccomp dir on the nodes code-exec may use', () => {
    const ms = render([CI('shared-cluster.yaml')], ['services.code-exec.nodeSelector.pool=sandbox', 'seccompProfile.kubeletRootDir=/var/lib/k0s/kubelet']);
    const cm = byKind(ms, 'ConfigMap').find((c) => c.metadata.name === `${RELEASE}-seccomp-profile`)!;
    expect(cm.data['code-exec.json']).toBe(readFileSync(join(CHART, 'files/seccomp/code-exec.json'), 'utf8'));
    const ds = byKind(ms, 'DaemonSet')[0]!;
    expect(schemaProblems(ds)).toEqual([]);
    expect(ds.metadata.namespace).toBe('verimesh-sandbox');
    const spec = ds.spec.template.spec;
    expect(spec.nodeSelector).toEqual({ pool: 'sandbox' });
    expect(spec.volumes.find((v: any) => v.hostPath).hostPath).toEqual({ path: '/var/lib/k0s/kubelet/seccomp', type: 'DirectoryOrCreate' });
    const script = spec.containers[0].command.join(' ');
    const ce = byKind(ms, 'Deployment').find((d) => nameLabel(d) === 'code-exec')!;
    const local = ce.spec.template.spec.securityContext.seccompProfile;
    expect(local).toEqual({ type: 'Localhost', localhostProfile: 'verimesh/code-exec.json' });
    // The file lands where the kubelet resolves localhostProfile: <root>/seccomp/<localhostProfile>.
    expect(script).toContain(`/host/seccomp/${local.localhostProfile}`);
    expect(spec.containers[0].volumeMounts.find((m: any) => m.name === 'seccomp').mountPath).toBe('/host/seccomp');
  });

  it('operator: a SeccompProfile with the same rules, named so that operator/<namespace>/code-exec.json is the path', () => {
    const ms = render([CI('seccomp-operator.yaml')]);
    const sp = ms.find((m) => m.kind === 'SeccompProfile')!;
    expect(sp.apiVersion).toBe('security-profiles-operator.x-k8s.io/v1beta1');
    expect(`operator/${sp.metadata.namespace}/${sp.metadata.name}.json`).toBe('operator/verimesh-test/code-exec.json');
    expect(sp.spec).toEqual({ defaultAction: profile.defaultAction, architectures: profile.architectures, syscalls: profile.syscalls });
    expect(profile.defaultErrnoRet).toBe(1); // the operator's spec has no defaultErrnoRet: SCMP_ACT_ERRNO alone is EPERM (1) too
    expect(byKind(ms, 'DaemonSet')).toEqual([]);
  });

  it('refuses an install that code-exec would not use: helm lint for daemonset, helm template for the namespace', () => {
    const lint = helm(['lint', CHART, '--set', 'seccompProfile.install=daemonset']);
    expect(lint.status).not.toBe(0);
    expect(lint.stdout + lint.stderr).toMatch(/services\.code-exec\.podSecurityContext\.seccompProfile/);
    const wrongNs = helm(['template', RELEASE, CHART, '-n', 'elsewhere', '-f', CI('seccomp-operator.yaml')]);
    expect(wrongNs.status).not.toBe(0);
    expect(wrongNs.stderr).toContain('operator/elsewhere/code-exec.json');
  });
});
