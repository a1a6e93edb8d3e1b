// Typed service options from flags and environment, validated once and frozen; a bad value fails fast naming the setting.
import { InvalidArgumentError } from './errors.js';
import { createLogger, type Logger, type LogLevel } from './log.js';

interface OptionBase<T> {
  /** Environment variable, e.g. "VERIMESH_PORT". */
  env?: string;
  /**
   * Former names of `env`, still read for one release when `env` is unset; each one found logs one deprecation line
   * per process (e.g. `deprecatedEnv: 'VERIMESH_JUDGE_URL'` on `env: 'VERIMESH_LLM_JUDGE_URL'`).
   */
  deprecatedEnv?: string | readonly string[];
  /** Command-line flag without dashes, e.g. "port" for --port. */
  flag?: string;
  doc: string;
  default: T;
}
export type OptionSpec =
  | (OptionBase<number> & { type: 'int' | 'number'; min?: number; max?: number })
  | (OptionBase<string> & { type: 'string'; choices?: readonly string[] })
  | (OptionBase<boolean> & { type: 'bool' })
  | (OptionBase<string[]> & { type: 'list' });

type ValueOf<S extends OptionSpec> = S['default'] extends number
  ? number
  : S['default'] extends boolean
    ? boolean
    : S['default'] extends string
      ? string
      : string[];
export type ConfigOf<T extends Record<string, OptionSpec>> = { readonly [K in keyof T]: ValueOf<T[K]> };

export class ConfigError extends InvalidArgumentError {}

/** Parses `--name value` and `--name=value` pairs. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), 'true');
  }
  return flags;
}

/** Throws ConfigError for a `--flag` that none of the option sets knows (a typo must not start a default service). */
export function checkFlags(argv: readonly string[], ...specs: Array<Record<string, OptionSpec>>): void {
  const known = new Set(specs.flatMap((s) => Object.values(s).flatMap((o) => (o.flag ? [o.flag] : []))));
  for (const flag of parseFlags(argv).keys()) {
    if (!known.has(flag)) throw new ConfigError(`--${flag}`, `unknown flag --${flag} (known: ${[...known].sort().map((f) => `--${f}`).join(', ')})`);
  }
}

export interface ConfigSource {
  env?: NodeJS.ProcessEnv;
  argv?: readonly string[];
  /** Where deprecation lines go (default: a logger named after OTEL_SERVICE_NAME, else "verimesh"). */
  log?: Logger;
}

/** Deprecated variables already reported in this process: one line each, however often config is loaded. */
const reported = new Set<string>();

/** The value of `name` in `env`, an empty string counting as unset. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Compiles options: flag beats environment beats default; a variable's current name beats its deprecated names.
 * Throws ConfigError naming the flag or variable. Unknown flags are not an error here (a CLI may own them); services
 * call it with their own argv.
 */
export function loadConfig<T extends Record<string, OptionSpec>>(specs: T, source: ConfigSource = {}): ConfigOf<T> {
  const env = source.env ?? process.env;
  const flags = parseFlags(source.argv ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    let raw: string | undefined;
    let from = '';
    if (spec.flag && flags.has(spec.flag)) {
      raw = flags.get(spec.flag);
      from = `--${spec.flag}`;
    } else if (spec.env && (raw = envValue(env, spec.env)) !== undefined) {
      from = spec.env;
    }
    for (const old of typeof spec.deprecatedEnv === 'string' ? [spec.deprecatedEnv] : (spec.deprecatedEnv ?? [])) {
      const value = envValue(env, old);
      if (value === undefined) continue;
      const used = raw === undefined;
      if (used) {
        raw = value;
        from = old;
      }
      // Once per process on the default logger (the embedded mesh loads every service's config); a caller's own
      // logger hears about every load.
      if (source.log || !reported.has(old)) {
        if (!source.log) reported.add(old);
        const log = source.log ?? createLogger(env.OTEL_SERVICE_NAME || 'verimesh', envLogLevel(env));
        log.warn(`${old} is deprecated and will be removed in the next release: set ${spec.env ?? `--${spec.flag}`} instead`, {
          deprecated: old,
          use: spec.env,
          applied: used,
        });
      }
    }
    out[key] = raw === undefined ? spec.default : convert(spec, raw, from);
  }
  return Object.freeze(out) as ConfigOf<T>;
}

function envLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const v = env.VERIMESH_LOG_LEVEL as LogLevel | undefined;
  return v && ['debug', 'info', 'warn', 'error', 'silent'].includes(v) ? v : 'info';
}

function convert(spec: OptionSpec, raw: string, from: string): unknown {
  switch (spec.type) {
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
        throw new ConfigError(from, `${from} must be ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
      }
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(from, `${from} must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(from, `${from} must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(from, `${from} must be true or false, got "${raw}"`);
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new ConfigError(from, `${from} must be one of ${spec.choices.join(', ')}, got "${raw}"`);
      }
      return raw;
  }
}

/** The options every service shares. */
export const COMMON_OPTIONS = {
  host: { type: 'string', env: 'VERIMESH_HOST', flag: 'host', default: '0.0.0.0', doc: 'address to bind' },
  port: { type: 'int', env: 'VERIMESH_PORT', flag: 'port', default: 50051, min: 0, max: 65535, doc: 'gRPC port (0 = any free port)' },
  maxInFlight: {
    type: 'int',
    env: 'VERIMESH_MAX_IN_FLIGHT',
    flag: 'max-in-flight',
    default: 0,
    min: 0,
    doc: "items admitted at once across calls; beyond it RESOURCE_EXHAUSTED (0 = the service's default, 20,000 unless it sets its own)",
  },
  shutdownGraceMs: {
    type: 'int',
    env: 'VERIMESH_SHUTDOWN_GRACE_MS',
    flag: 'shutdown-grace-ms',
    default: 25_000,
    min: 0,
    doc: 'on SIGTERM, how long in-flight calls may drain before they are cut (keep below the pod grace period)',
  },
  logLevel: { type: 'string', env: 'VERIMESH_LOG_LEVEL', flag: 'log-level', default: 'info', choices: ['debug', 'info', 'warn', 'error', 'silent'], doc: 'log level' },
} as const satisfies Record<string, OptionSpec>;

/** The options of a verifier service process beyond COMMON_OPTIONS (runMain): where its /metrics endpoint listens. */
export const SERVICE_OPTIONS = {
  metricsPort: {
    type: 'int',
    env: 'VERIMESH_METRICS_PORT',
    flag: 'metrics-port',
    default: 9464,
    min: 0,
    max: 65535,
    doc: 'HTTP port of GET /metrics, Prometheus text (0 = any free port)',
  },
} as const satisfies Record<string, OptionSpec>;
