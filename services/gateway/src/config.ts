// The gateway process's options (flags > env > defaults), validated once: where each service lives, profiles, HTTP port.
import { COMMON_OPTIONS, ConfigError, checkFlags, loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';
import { SERVICE_NAMES, type ServiceName } from '@verimesh/proto';
import { DEFAULT_CHUNK_ITEMS } from './backends.js';
import { parseTarget } from './targets.js';

export const OPTIONS = {
  ...COMMON_OPTIONS,
  services: {
    type: 'list',
    env: 'VERIMESH_SERVICES',
    flag: 'services',
    default: [],
    doc:
      'where the verifier services are: name=address[,address...] entries, comma-separated, e.g. code-exec=localhost:50052,vision-iou=dns:///verimesh-vision-iou:50051 ' +
      'or vision-iou=ipv4:10.0.0.1:50051,10.0.0.2:50051 (a piece without "=" is one more address of the service before it); an address is host:port, [v6]:port, ' +
      'ipv4:host:port, ipv6:[host]:port or dns:[//dns-server/]host:port, and every IP it resolves to is a replica (a service not listed makes its verifiers unavailable)',
  },
  chunkItems: {
    type: 'list',
    env: 'VERIMESH_GATEWAY_CHUNK_ITEMS',
    flag: 'chunk-items',
    default: [],
    doc: `most items in one VerifyBatch to a remote service: N for every service and/or name=N per service, e.g. 256,code-exec=32 (default 512); a stage's items are cut into chunks spread over the replicas`,
  },
  chunksPerReplica: {
    type: 'int',
    env: 'VERIMESH_GATEWAY_CHUNKS_PER_REPLICA',
    flag: 'chunks-per-replica',
    default: 2,
    min: 1,
    max: 1024,
    doc: 'chunks in flight to one replica at once (across requests); more wait in the gateway',
  },
  resolveIntervalMs: {
    type: 'int',
    env: 'VERIMESH_GATEWAY_RESOLVE_INTERVAL_MS',
    flag: 'resolve-interval-ms',
    default: 10_000,
    min: 100,
    doc: 'how often service names are resolved again (new replicas get traffic, removed ones stop); also at once after a failure',
  },
  ejectAfter: {
    type: 'int',
    env: 'VERIMESH_GATEWAY_EJECT_AFTER',
    flag: 'eject-after',
    default: 3,
    min: 1,
    doc: 'consecutive failed calls after which a replica is ejected (outlier ejection)',
  },
  ejectMs: {
    type: 'int',
    env: 'VERIMESH_GATEWAY_EJECT_MS',
    flag: 'eject-ms',
    default: 10_000,
    min: 1,
    doc: 'first ejection time of a failing replica; doubled at each ejection in a row, at most 32 times as long',
  },
  profiles: { type: 'list', env: 'VERIMESH_PROFILES', flag: 'profiles', default: [], doc: 'profile files or directories (YAML or JSON), comma-separated' },
  httpPort: { type: 'int', env: 'VERIMESH_HTTP_PORT', flag: 'http-port', default: 8080, min: 0, max: 65535, doc: 'HTTP port for POST /v1/score, POST /get_reward, GET /healthz, GET /metrics (0 = any free port)' },
  defaultTimeoutMs: {
    type: 'int',
    env: 'VERIMESH_GATEWAY_DEFAULT_TIMEOUT_MS',
    deprecatedEnv: 'VERIMESH_DEFAULT_TIMEOUT_MS',
    flag: 'default-timeout-ms',
    default: 30_000,
    min: 1,
    doc: 'per-component deadline when a component sets no timeout_ms',
  },
} as const satisfies Record<string, OptionSpec>;

export type GatewayConfig = ConfigOf<typeof OPTIONS> & {
  /** Service -> its target (addresses comma-separated, as grpcBackend takes them). */
  readonly serviceTargets: Readonly<Partial<Record<ServiceName, string>>>;
  /** Service -> most items per chunk. */
  readonly chunkItemsOf: (service: ServiceName) => number;
};

const REMOTE = SERVICE_NAMES.filter((s) => s !== 'gateway');

function serviceName(name: string, setting: string): ServiceName {
  if (!(REMOTE as readonly string[]).includes(name)) throw new ConfigError(setting, `${setting}: unknown service "${name}" (services: ${REMOTE.join(', ')})`);
  return name as ServiceName;
}

/**
 * Parses VERIMESH_SERVICES as split on commas: `name=address` starts a service, a piece without `=` is one more
 * address of the service before it. Every address is checked (targets.ts); a name outside the catalogue's services,
 * a service given twice or an address before any name fails naming the setting.
 */
export function parseServiceTargets(entries: readonly string[]): Partial<Record<ServiceName, string>> {
  const out: Partial<Record<ServiceName, string[]>> = {};
  let current: ServiceName | undefined;
  for (const raw of entries) {
    const e = raw.trim();
    const eq = e.indexOf('=');
    if (eq < 0) {
      if (!current) throw new ConfigError('services', `services: "${e}" must be name=address (e.g. vision-iou=dns:///verimesh-vision-iou:50051)`);
      out[current]!.push(e);
      continue;
    }
    const name = serviceName(e.slice(0, eq).trim(), 'services');
    const first = e.slice(eq + 1).trim();
    if (!first) throw new ConfigError('services', `services: "${e}" has no address (name=host:port)`);
    if (out[name]) throw new ConfigError('services', `services: "${name}" is given twice (list all its addresses in one entry: ${name}=a:port,b:port)`);
    out[name] = [first];
    current = name;
  }
  const targets: Partial<Record<ServiceName, string>> = {};
  for (const [name, addrs] of Object.entries(out)) {
    const target = addrs.join(',');
    parseTarget(target, name);
    targets[name as ServiceName] = target;
  }
  return targets;
}

/** Parses --chunk-items: `N` (every service) and `name=N` entries; returns the size for a service. */
export function parseChunkItems(entries: readonly string[]): (service: ServiceName) => number {
  let all = DEFAULT_CHUNK_ITEMS;
  const per = new Map<ServiceName, number>();
  for (const e of entries) {
    const eq = e.indexOf('=');
    const text = (eq < 0 ? e : e.slice(eq + 1)).trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1) throw new ConfigError('chunk-items', `chunk-items: "${e}" must be N or name=N with N a whole number >= 1`);
    if (eq < 0) all = n;
    else per.set(serviceName(e.slice(0, eq).trim(), 'chunk-items'), n);
  }
  return (service) => per.get(service) ?? all;
}

export function loadGatewayConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): GatewayConfig {
  checkFlags(source.argv ?? [], OPTIONS);
  const c = loadConfig(OPTIONS, source);
  return Object.freeze({ ...c, serviceTargets: Object.freeze(parseServiceTargets(c.services)), chunkItemsOf: parseChunkItems(c.chunkItems) });
}
