// The gateway process's options (flags > env > defaults), validated once: where each service lives, profiles, HTTP port.
import { COMMON_OPTIONS, ConfigError, checkFlags, loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';
import { SERVICE_NAMES, type ServiceName } from '@verimesh/proto';

export const OPTIONS = {
  ...COMMON_OPTIONS,
  services: {
    type: 'list',
    env: 'VERIMESH_SERVICES',
    flag: 'services',
    default: [],
    doc: 'where the verifier services are: name=target pairs, e.g. code-exec=localhost:50052,vision-iou=dns:///verimesh-vision-iou:50051 (a service not listed makes its verifiers unavailable)',
  },
  profiles: { type: 'list', env: 'VERIMESH_PROFILES', flag: 'profiles', default: [], doc: 'profile files or directories (YAML or JSON), comma-separated' },
  httpPort: { type: 'int', env: 'VERIMESH_HTTP_PORT', flag: 'http-port', default: 8080, min: 0, max: 65535, doc: 'HTTP port for POST /v1/score, /healthz, /metrics (0 = any free port)' },
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

export type GatewayConfig = ConfigOf<typeof OPTIONS> & { readonly serviceTargets: Readonly<Partial<Record<ServiceName, string>>> };

/** Parses `name=target` pairs; a name outside the catalogue's services, or a missing target, fails naming the setting. */
export function parseServiceTargets(entries: readonly string[]): Partial<Record<ServiceName, string>> {
  const out: Partial<Record<ServiceName, string>> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    const name = (eq < 0 ? e : e.slice(0, eq)).trim();
    const target = eq < 0 ? '' : e.slice(eq + 1).trim();
    if (!target) throw new ConfigError('services', `services: "${e}" must be name=host:port`);
    if (!(SERVICE_NAMES as readonly string[]).includes(name) || name === 'gateway') {
      throw new ConfigError('services', `services: unknown service "${name}" (services: ${SERVICE_NAMES.filter((s) => s !== 'gateway').join(', ')})`);
    }
    if (out[name as ServiceName]) throw new ConfigError('services', `services: "${name}" is given twice`);
    out[name as ServiceName] = target;
  }
  return out;
}

export function loadGatewayConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): GatewayConfig {
  checkFlags(source.argv ?? [], OPTIONS);
  const c = loadConfig(OPTIONS, source);
  return Object.freeze({ ...c, serviceTargets: Object.freeze(parseServiceTargets(c.services)) });
}
