// The embedded mesh: the gateway plus every verifier service that loads, all in this process (same code paths, no network).
import { createLogger, messageOf } from '@verimesh/kit';
import type { Logger, ServiceDef } from '@verimesh/kit';
import { Gateway, inProcessBackend, loadProfiles } from '@verimesh/gateway';
import type { VerifierBackend } from '@verimesh/gateway';
import type { ServiceName } from '@verimesh/proto';

/** The domain services and the package each one lives in. The gateway's own text verifiers are always there. */
export const SERVICE_PACKAGES: ReadonlyArray<readonly [Exclude<ServiceName, 'gateway'>, string]> = [
  ['code-exec', '@verimesh/code-exec'],
  ['vision-iou', '@verimesh/vision-iou'],
  ['video-temporal', '@verimesh/video-temporal'],
  ['ocr-table', '@verimesh/ocr-table'],
  ['llm-judge', '@verimesh/llm-judge'],
  ['math', '@verimesh/math'],
];

export interface LoadedServices {
  services: Map<string, ServiceDef>;
  /** Service name -> why it is absent (package failed to load, no createService, createService threw). */
  missing: Map<string, string>;
}

/**
 * Imports each service package and calls its createService() with no arguments (configuration from the
 * environment). A package that fails is left out: its verifiers then report `unavailable`, never crash a run.
 */
export async function loadServices(
  only?: ReadonlySet<string>,
  packages: ReadonlyArray<readonly [string, string]> = SERVICE_PACKAGES,
): Promise<LoadedServices> {
  const services = new Map<string, ServiceDef>();
  const missing = new Map<string, string>();
  await Promise.all(
    packages.filter(([name]) => !only || only.has(name)).map(async ([name, pkg]) => {
      try {
        // A computed specifier keeps the CLI compiling while a service package is still being written.
        const specifier: string = pkg;
        const mod = (await import(specifier)) as { createService?: unknown };
        if (typeof mod.createService !== 'function') {
          missing.set(name, `${pkg} has no createService export`);
          return;
        }
        const service = (await (mod.createService as () => ServiceDef | Promise<ServiceDef>)()) as ServiceDef;
        if (!service || !Array.isArray(service.verifiers)) {
          missing.set(name, `${pkg} createService() did not return a service`);
          return;
        }
        services.set(name, service);
      } catch (e) {
        missing.set(name, `${pkg} failed to load: ${messageOf(e).split('\n')[0]}`);
      }
    }),
  );
  return { services, missing };
}

export interface EmbeddedOptions {
  /** Profiles files (YAML/JSON); default: VERIMESH_PROFILES (comma-separated). */
  profiles?: string[];
  log?: Logger;
  defaultTimeoutMs?: number;
  maxInFlight?: number;
  /** Restrict to these services (names as in the catalogue). */
  only?: ReadonlySet<string>;
  /** Called once with the services left out and why. */
  onMissing?: (missing: ReadonlyMap<string, string>) => void;
}

export interface EmbeddedGateway {
  gateway: Gateway;
  services: ReadonlyMap<string, ServiceDef>;
  missing: ReadonlyMap<string, string>;
}

/** Profiles files from a flag value or VERIMESH_PROFILES, comma-separated. */
export function profilePaths(flag?: string): string[] {
  const raw = flag ?? process.env.VERIMESH_PROFILES ?? '';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Builds G1's Gateway over in-process backends for every service that loads. */
export async function createEmbeddedGateway(opts: EmbeddedOptions = {}): Promise<EmbeddedGateway> {
  const log = opts.log ?? createLogger('verimesh', (process.env.VERIMESH_LOG_LEVEL as 'warn' | undefined) ?? 'warn');
  const { services, missing } = await loadServices(opts.only);
  if (missing.size) opts.onMissing?.(missing);
  const backends: Partial<Record<ServiceName, VerifierBackend>> = {};
  for (const [name, s] of services) backends[name as ServiceName] = inProcessBackend(s, log.child({ service: name }));
  const paths = opts.profiles ?? profilePaths();
  const profiles = paths.length ? loadProfiles(paths) : undefined;
  const gateway = new Gateway({ backends, profiles, log, defaultTimeoutMs: opts.defaultTimeoutMs, maxInFlight: opts.maxInFlight });
  return { gateway, services, missing };
}
