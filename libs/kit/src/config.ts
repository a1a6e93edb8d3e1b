// Typed service options from flags and environment, validated once and frozen; a bad value fails fast naming the setting.
import { InvalidArgumentError } from './errors.js';

interface OptionBase<T> {
  /** Environment variable, e.g. "VERIMESH_PORT". */
  env?: string;
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

/**
 * Compiles options: flag beats environment beats default. Throws ConfigError naming the flag or variable.
 * Unknown flags are not an error here (a CLI may own them); services call it with their own argv.
 */
export function loadConfig<T extends Record<string, OptionSpec>>(
  specs: T,
  source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {},
): ConfigOf<T> {
  const env = source.env ?? process.env;
  const flags = parseFlags(source.argv ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    let raw: string | undefined;
    let from = '';
    if (spec.flag && flags.has(spec.flag)) {
      raw = flags.get(spec.flag);
      from = `--${spec.flag}`;
    } else if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') {
      raw = env[spec.env];
      from = spec.env;
    }
    out[key] = raw === undefined ? spec.default : convert(spec, raw, from);
  }
  return Object.freeze(out) as ConfigOf<T>;
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
