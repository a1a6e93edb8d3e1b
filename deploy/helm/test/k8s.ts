// Offline Kubernetes schema checks of rendered manifests: kubernetes-models' validators (generated from the Kubernetes
// OpenAPI and the KEDA / Prometheus Operator CRDs) plus an unknown-field check, which those validators do not make.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace, Pod, Secret, Service } from 'kubernetes-models/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { REPO, type Manifest } from './helm.js';

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

/** apiVersion/kind -> model class and the package path of its type declaration. */
const MODELS: Record<string, { model: ModelCtor; dts: string }> = {
  'apps/v1/Deployment': { model: Deployment as unknown as ModelCtor, dts: 'kubernetes-models/apps/v1/Deployment' },
  'apps/v1/DaemonSet': { model: DaemonSet as unknown as ModelCtor, dts: 'kubernetes-models/apps/v1/DaemonSet' },
  'v1/Namespace': { model: Namespace as unknown as ModelCtor, dts: 'kubernetes-models/v1/Namespace' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy as unknown as ModelCtor, dts: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' },
  'v1/Service': { model: Service as unknown as ModelCtor, dts: 'kubernetes-models/v1/Service' },
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelCtor, dts: 'kubernetes-models/v1/ConfigMap' },
  'v1/Secret': { model: Secret as unknown as ModelCtor, dts: 'kubernetes-models/v1/Secret' },
  'v1/Pod': { model: Pod as unknown as ModelCtor, dts: 'kubernetes-models/v1/Pod' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget as unknown as ModelCtor, dts: 'kubernetes-models/policy/v1/PodDisruptionBudget' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler as unknown as ModelCtor,
    dts: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  },
  'keda.sh/v1alpha1/ScaledObject': { model: ScaledObject as unknown as ModelCtor, dts: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject' },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    model: ServiceMonitor as unknown as ModelCtor,
    dts: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  },
};

// Kinds without a model package: the Security Profiles Operator's SeccompProfile, checked field by field against its
// CRD types (api/seccompprofile/v1beta1: spec.defaultAction required, syscalls[].names and .action required, enums).
const SECCOMP_ACTIONS = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'];
const SECCOMP_ARCHES = ['SCMP_ARCH_NATIVE', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64'];
function seccompProfileProblems(m: Manifest): string[] {
  const out: string[] = [];
  const unknown = (o: Record<string, unknown>, keys: string[], where: string) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) out.push(`unknown field ${where}.${k}`);
  };
  unknown(m, ['apiVersion', 'kind', 'metadata', 'spec'], '');
  const spec = (m.spec ?? {}) as Record<string, any>;
  unknown(spec, ['baseProfileName', 'defaultAction', 'architectures', 'listenerPath', 'listenerMetadata', 'syscalls', 'flags'], '.spec');
  if (!SECCOMP_ACTIONS.includes(spec.defaultAction)) out.push(`.spec.defaultAction ${spec.defaultAction} is not one of ${SECCOMP_ACTIONS.join(', ')}`);
  for (const a of spec.architectures ?? []) if (!SECCOMP_ARCHES.includes(a)) out.push(`.spec.architectures: ${a} is not an architecture`);
  (spec.syscalls ?? []).forEach((sc: Record<string, any>, i: number) => {
    unknown(sc, ['names', 'action', 'errnoRet', 'args'], `.spec.syscalls[${i}]`);
    if (!Array.isArray(sc.names) || !sc.names.every((n: unknown) => typeof n === 'string')) out.push(`.spec.syscalls[${i}].names must be a list of strings`);
    if (!SECCOMP_ACTIONS.includes(sc.action)) out.push(`.spec.syscalls[${i}].action ${sc.action} is not an action`);
    if (sc.errnoRet !== undefined && typeof sc.errnoRet !== 'string') out.push(`.spec.syscalls[${i}].errnoRet must be a string`);
  });
  return out;
}
const CUSTOM: Record<string, (m: Manifest) => string[]> = {
  'security-profiles-operator.x-k8s.io/v1beta1/SeccompProfile': seccompProfileProblems,
};

/** Problems of one manifest against its Kubernetes schema; empty when it is valid. */
export function schemaProblems(m: Manifest): string[] {
  const key = `${m.apiVersion}/${m.kind}`;
  const custom = CUSTOM[key];
  if (custom) return custom(m).map((p) => `${m.kind}/${m.metadata?.name}: ${p}`);
  const entry = MODELS[key];
  if (!entry) return [`${key}: no schema known for this kind`];
  const where = `${m.kind}/${m.metadata?.name}`;
  const problems: string[] = [];
  try {
    new entry.model(m as never).validate();
  } catch (e) {
    problems.push(`${where}: ${(e as Error).message}`);
  }
  for (const path of unknownFields(m, entry.dts)) problems.push(`${where}: unknown field ${path}`);
  return problems;
}

// The type declarations describe each object's fields: `"name"?: Type;` inside `export interface I<Name> {`.
interface TypeInfo {
  fields: Map<string, { type: string; file: string }>;
}
const typeCache = new Map<string, TypeInfo>();

// The packages export directories only, so declaration files are found by walking node_modules as Node would.
function dtsPathOf(spec: string, fromFile?: string): string {
  if (spec.startsWith('.') && fromFile) return resolve(dirname(fromFile), spec).replace(/\.js$/, '.d.ts');
  const parts = spec.split('/');
  const pkgLen = spec.startsWith('@') ? 2 : 1;
  const pkg = parts.slice(0, pkgLen).join('/');
  const sub = parts.slice(pkgLen).join('/').replace(/\.js$/, '');
  for (let dir = fromFile ? dirname(fromFile) : REPO; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg, `${sub}.d.ts`);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`declaration of ${spec} not found`);
  }
}

function loadType(file: string): TypeInfo {
  const cached = typeCache.get(file);
  if (cached) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    for (const name of m[1]!.split(',').map((s) => s.trim())) imports.set(name, m[2]!);
  }
  const body = /^export interface I\w+(?: extends [^{]+)? \{\n([\s\S]*?)^\}/m.exec(text);
  const fields = new Map<string, { type: string; file: string }>();
  if (body) {
    // Top-level properties only (4 spaces); an inline type (`{` ... on later lines) is a map or object not walked.
    for (const m of body[1]!.matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) {
      const type = m[2]!.replace(/^Array<(.+)>$/, '$1');
      const from = imports.get(type);
      fields.set(m[1]!, { type, file: from ? dtsPathOf(from, file) : '' });
    }
  }
  const info = { fields };
  typeCache.set(file, info);
  return info;
}

/** Paths of fields that the object's type does not declare (a typo that the API server would reject or drop). */
function unknownFields(obj: unknown, dtsSpec: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown, file: string, path: string) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, file, `${path}[${i}]`));
      return;
    }
    if (!value || typeof value !== 'object') return;
    const info = loadType(file);
    if (info.fields.size === 0) return; // a free-form map or a type this check does not read
    for (const [k, v] of Object.entries(value)) {
      const f = info.fields.get(k);
      if (!f) out.push(`${path}.${k}`);
      else if (f.file) walk(v, f.file, `${path}.${k}`);
    }
  };
  walk(obj, dtsPathOf(dtsSpec), '');
  return out;
}
