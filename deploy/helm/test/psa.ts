// The Pod Security Standards (Pod Security Admission's `baseline` and `restricted` levels) applied to a rendered pod,
// rule by rule as kubernetes/pod-security-admission's policy package defines them, with their version thresholds
// (`latest` = 1.36). Each broken rule is reported by its check id, so a test can say which rule a pod breaks.
import type { Manifest } from './helm.js';

export type Level = 'baseline' | 'restricted';
/** Kubernetes minor version the policy is evaluated at (the namespace's `enforce-version`); `latest` = 36. */
export type Version = number | 'latest';

type Obj = Record<string, any>;
interface Check {
  id: string;
  level: Level;
  /** Minimum minor version from which this check (or this variant of it) applies. */
  since: number;
  /** Checks of the other level this one replaces from `since` on. */
  overrides?: string[];
  /** A problem description, or undefined when the pod passes. */
  run(meta: Obj, spec: Obj, version: number): string | undefined;
}

const containers = (spec: Obj): Obj[] => [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
const sc = (c: Obj): Obj => c.securityContext ?? {};
const psc = (spec: Obj): Obj => spec.securityContext ?? {};
const names = (cs: Obj[]) => cs.map((c) => `"${c.name}"`).join(', ');
const userNamespaced = (spec: Obj) => spec.hostUsers === false;
const isWindows = (spec: Obj) => spec.os?.name === 'windows';

const CAPS_BASELINE = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const VOLUMES_RESTRICTED = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
const SELINUX_TYPES = (v: number) => new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', ...(v >= 31 ? ['container_engine_t'] : [])]);
const SYSCTLS = (v: number) =>
  new Set([
    'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start',
    ...(v >= 27 ? ['net.ipv4.ip_local_reserved_ports'] : []),
    ...(v >= 29 ? ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'] : []),
    ...(v >= 32 ? ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'] : []),
  ]);

function procMountDefault(spec: Obj): string | undefined {
  const bad = containers(spec).filter((c) => sc(c).procMount !== undefined && sc(c).procMount !== 'Default');
  return bad.length ? `containers ${names(bad)} set procMount ${[...new Set(bad.map((c) => sc(c).procMount))].join(', ')}` : undefined;
}
function runAsNonRoot(spec: Obj): string | undefined {
  const pod = psc(spec).runAsNonRoot;
  if (pod === false) return 'pod sets runAsNonRoot=false';
  const explicitFalse = containers(spec).filter((c) => sc(c).runAsNonRoot === false);
  if (explicitFalse.length) return `containers ${names(explicitFalse)} set runAsNonRoot=false`;
  const unset = containers(spec).filter((c) => sc(c).runAsNonRoot === undefined && pod !== true);
  return unset.length ? `pod or containers ${names(unset)} must set runAsNonRoot=true` : undefined;
}
function runAsUser(spec: Obj): string | undefined {
  const bad = containers(spec).filter((c) => sc(c).runAsUser === 0);
  if (psc(spec).runAsUser === 0 || bad.length) return `runAsUser=0 on ${psc(spec).runAsUser === 0 ? 'the pod' : `containers ${names(bad)}`}`;
  return undefined;
}
/** Allowed seccomp and AppArmor profile types. */
const profileOk = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

const CHECKS: Check[] = [
  {
    id: 'hostProcess', level: 'baseline', since: 0,
    run: (_m, spec) => (psc(spec).windowsOptions?.hostProcess === true || containers(spec).some((c) => sc(c).windowsOptions?.hostProcess === true) ? 'hostProcess=true' : undefined),
  },
  {
    id: 'hostNamespaces', level: 'baseline', since: 0,
    run: (_m, spec) => {
      const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => spec[k] === true);
      return set.length ? `${set.join(', ')}=true` : undefined;
    },
  },
  {
    id: 'privileged', level: 'baseline', since: 0,
    run: (_m, spec) => {
      const bad = containers(spec).filter((c) => sc(c).privileged === true);
      return bad.length ? `containers ${names(bad)} are privileged` : undefined;
    },
  },
  {
    id: 'capabilities_baseline', level: 'baseline', since: 0,
    run: (_m, spec) => {
      const extra = containers(spec).flatMap((c) => (sc(c).capabilities?.add ?? []).filter((x: string) => !CAPS_BASELINE.has(x)));
      return extra.length ? `adds capabilities ${extra.join(', ')}` : undefined;
    },
  },
  {
    id: 'hostPathVolumes', level: 'baseline', since: 0,
    run: (_m, spec) => {
      const bad = (spec.volumes ?? []).filter((v: Obj) => v.hostPath);
      return bad.length ? `hostPath volumes ${bad.map((v: Obj) => v.name).join(', ')}` : undefined;
    },
  },
  {
    id: 'hostPorts', level: 'baseline', since: 0,
    run: (_m, spec) => {
      const used = containers(spec).flatMap((c) => (c.ports ?? []).map((p: Obj) => p.hostPort ?? 0)).filter((p: number) => p);
      return used.length ? `hostPorts ${used.join(', ')}` : undefined;
    },
  },
  {
    id: 'hostProbesAndHostLifecycle', level: 'baseline', since: 34,
    run: (_m, spec) => {
      const hosts = containers(spec).flatMap((c) =>
        [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap((h: Obj | undefined) => [h?.httpGet?.host, h?.tcpSocket?.host].filter(Boolean)),
      );
      return hosts.length ? `probe or lifecycle hosts ${hosts.join(', ')}` : undefined;
    },
  },
  {
    id: 'appArmorProfile', level: 'baseline', since: 0,
    run: (meta, spec) => {
      const bad: string[] = [];
      const podType = psc(spec).appArmorProfile?.type;
      if (psc(spec).appArmorProfile && !profileOk(podType)) bad.push(`pod ${podType}`);
      for (const c of containers(spec)) if (sc(c).appArmorProfile && !profileOk(sc(c).appArmorProfile.type)) bad.push(`container "${c.name}" ${sc(c).appArmorProfile.type}`);
      for (const [k, v] of Object.entries<string>(meta.annotations ?? {})) {
        if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v && v !== 'runtime/default' && !v.startsWith('localhost/')) bad.push(`annotation ${k}=${v}`);
      }
      return bad.length ? `AppArmor profile ${bad.join(', ')}` : undefined;
    },
  },
  {
    id: 'seLinuxOptions', level: 'baseline', since: 0,
    run: (_m, spec, v) => {
      const all = [psc(spec).seLinuxOptions, ...containers(spec).map((c) => sc(c).seLinuxOptions)].filter(Boolean) as Obj[];
      return all.some((o) => o.user || o.role || !SELINUX_TYPES(v).has(o.type ?? '')) ? 'forbidden seLinuxOptions' : undefined;
    },
  },
  { id: 'procMount', level: 'baseline', since: 0, run: (_m, spec) => procMountDefault(spec) },
  // From 1.35 baseline allows an unmasked /proc in a pod with its own user namespace; restricted keeps the old rule.
  { id: 'procMount', level: 'baseline', since: 35, run: (_m, spec) => (userNamespaced(spec) ? undefined : procMountDefault(spec)) },
  {
    id: 'seccompProfile_baseline', level: 'baseline', since: 19,
    run: (_m, spec) => {
      const bad = [psc(spec).seccompProfile, ...containers(spec).map((c) => sc(c).seccompProfile)].filter((p) => p && !profileOk(p.type));
      return bad.length ? `seccompProfile type ${bad.map((p) => p.type).join(', ')}` : undefined;
    },
  },
  {
    id: 'sysctls', level: 'baseline', since: 0,
    run: (_m, spec, v) => {
      const bad = (psc(spec).sysctls ?? []).map((s: Obj) => s.name).filter((n: string) => !SYSCTLS(v).has(n));
      return bad.length ? `sysctls ${bad.join(', ')}` : undefined;
    },
  },
  {
    id: 'restrictedVolumes', level: 'restricted', since: 0, overrides: ['hostPathVolumes'],
    run: (_m, spec) => {
      const bad = (spec.volumes ?? []).filter((v: Obj) => !VOLUMES_RESTRICTED.some((t) => v[t] !== undefined));
      return bad.length ? `volumes ${bad.map((v: Obj) => v.name).join(', ')} use restricted types` : undefined;
    },
  },
  {
    id: 'allowPrivilegeEscalation', level: 'restricted', since: 8,
    run: (_m, spec) => {
      if (isWindows(spec)) return undefined;
      const bad = containers(spec).filter((c) => sc(c).allowPrivilegeEscalation !== false);
      return bad.length ? `containers ${names(bad)} must set allowPrivilegeEscalation=false` : undefined;
    },
  },
  { id: 'runAsNonRoot', level: 'restricted', since: 0, run: (_m, spec) => runAsNonRoot(spec) },
  { id: 'runAsNonRoot', level: 'restricted', since: 35, run: (_m, spec) => (userNamespaced(spec) ? undefined : runAsNonRoot(spec)) },
  { id: 'runAsUser', level: 'restricted', since: 23, run: (_m, spec) => runAsUser(spec) },
  { id: 'runAsUser', level: 'restricted', since: 35, run: (_m, spec) => (userNamespaced(spec) ? undefined : runAsUser(spec)) },
  {
    id: 'seccompProfile_restricted', level: 'restricted', since: 19, overrides: ['seccompProfile_baseline'],
    run: (_m, spec) => {
      if (isWindows(spec)) return undefined;
      const pod = psc(spec).seccompProfile;
      if (pod && !profileOk(pod.type)) return `pod seccompProfile type ${pod.type}`;
      const bad = containers(spec).filter((c) => (sc(c).seccompProfile ? !profileOk(sc(c).seccompProfile.type) : !pod));
      return bad.length ? `pod or containers ${names(bad)} must set seccompProfile RuntimeDefault or Localhost` : undefined;
    },
  },
  {
    id: 'capabilities_restricted', level: 'restricted', since: 22, overrides: ['capabilities_baseline'],
    run: (_m, spec) => {
      if (isWindows(spec)) return undefined;
      const noDrop = containers(spec).filter((c) => !(sc(c).capabilities?.drop ?? []).includes('ALL'));
      const adds = containers(spec).flatMap((c) => (sc(c).capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE'));
      const out = [noDrop.length ? `containers ${names(noDrop)} must drop ALL` : '', adds.length ? `adds ${adds.join(', ')}` : ''].filter(Boolean);
      return out.length ? out.join('; ') : undefined;
    },
  },
  { id: 'procMount_restricted', level: 'restricted', since: 35, overrides: ['procMount'], run: (_m, spec) => procMountDefault(spec) },
];

export interface Violation {
  check: string;
  detail: string;
}

/** Every rule of `level` (restricted includes baseline) that the pod breaks at Kubernetes 1.`version`. */
export function podSecurityViolations(meta: Obj, spec: Obj, level: Level, version: Version = 'latest'): Violation[] {
  const v = version === 'latest' ? 36 : version;
  // Per check id, the newest variant that applies at this version; a restricted check may replace baseline ones.
  const active = new Map<string, Check>();
  for (const c of CHECKS) {
    if (c.since > v || (level === 'baseline' && c.level === 'restricted')) continue;
    const prev = active.get(c.id);
    if (!prev || prev.since <= c.since) active.set(c.id, c);
  }
  for (const c of [...active.values()]) for (const o of c.overrides ?? []) active.delete(o);
  const out: Violation[] = [];
  for (const c of active.values()) {
    const detail = c.run(meta, spec, v);
    if (detail) out.push({ check: c.id, detail });
  }
  return out.sort((a, b) => a.check.localeCompare(b.check));
}

/** The pod template (metadata + spec) of a workload or a bare Pod; undefined for objects that make no pods. */
export function podOf(m: Manifest): { meta: Obj; spec: Obj } | undefined {
  if (m.kind === 'Pod') return { meta: m.metadata, spec: m.spec };
  if (['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'].includes(m.kind)) return { meta: m.spec.template.metadata ?? {}, spec: m.spec.template.spec };
  return undefined;
}

/** The strictest level a pod passes at that version: what its namespace may enforce. */
export function strictestLevel(meta: Obj, spec: Obj, version: Version = 'latest'): Level | 'privileged' {
  if (!podSecurityViolations(meta, spec, 'restricted', version).length) return 'restricted';
  if (!podSecurityViolations(meta, spec, 'baseline', version).length) return 'baseline';
  return 'privileged';
}
