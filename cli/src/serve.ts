// `verimesh serve`: the chosen services as real gRPC servers in this process, the gateway reaching them over loopback.
import type { Writable } from 'node:stream';
import { createLogger, drainOnSignal, messageOf, serve } from '@verimesh/kit';
import type { RunningServer } from '@verimesh/kit';
import { Gateway, grpcBackend, loadProfiles, startGateway } from '@verimesh/gateway';
import type { VerifierBackend } from '@verimesh/gateway';
import { SERVICE_NAMES } from '@verimesh/proto';
import type { ServiceName } from '@verimesh/proto';
import { initTelemetry, shutdownTelemetry } from '@verimesh/telemetry';
import { loadServices, profilePaths } from './mesh.js';

export interface ServeArgs {
  only?: string;
  host: string;
  /** The gateway's gRPC port; without the gateway, the first service's port (the next ones count up). 0 = any free port. */
  port: number;
  httpPort: number;
  profiles?: string;
}

export interface ServeHandle {
  /** name -> "host:port" */
  addresses: Map<string, string>;
  httpAddress?: string;
  stop(): Promise<void>;
}

/** Parses --only against the catalogue's service names. */
export function parseOnly(only: string | undefined): Set<ServiceName> {
  if (!only) return new Set(SERVICE_NAMES);
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (bad.length) throw new Error(`--only: unknown service ${bad.join(', ')} (known: ${SERVICE_NAMES.join(', ')})`);
  return new Set(names as ServiceName[]);
}

/** Starts everything and returns once it is all listening; the caller decides when to stop. */
export async function startServe(args: ServeArgs, io: { stdout: Writable; stderr: Writable }): Promise<ServeHandle> {
  const only = parseOnly(args.only);
  const log = createLogger('verimesh', (process.env.VERIMESH_LOG_LEVEL as 'info' | undefined) ?? 'info');
  await initTelemetry('verimesh', { log });
  const withGateway = only.has('gateway');
  const { services, missing } = await loadServices(only);
  for (const [name, why] of missing) io.stderr.write(`verimesh: ${name} not started: ${why}\n`);
  const servers: { name: string; server: RunningServer }[] = [];
  const addresses = new Map<string, string>();
  let gatewayHandle: { grpcPort: number; httpPort: number; shutdown(): Promise<void> } | undefined;
  const stop = async (): Promise<void> => {
    // The gateway drains first, so nothing it still has in flight loses its service.
    await gatewayHandle?.shutdown().catch(() => undefined);
    await Promise.all(servers.map((s) => s.server.shutdown(10_000).catch(() => undefined)));
    await shutdownTelemetry(undefined, log).catch(() => undefined);
  };
  try {
    let next = args.port;
    for (const [name, service] of services) {
      // Behind a gateway the services listen on loopback only, on any free port: the gateway is the entry point.
      const host = withGateway ? '127.0.0.1' : args.host;
      const port = withGateway || args.port === 0 ? 0 : next++;
      const server = await serve(service, { host, port, log: log.child({ service: name }) });
      servers.push({ name, server });
      addresses.set(name, `${host === '0.0.0.0' ? '127.0.0.1' : host}:${server.port}`);
    }
    let httpAddress: string | undefined;
    if (withGateway) {
      const backends: Partial<Record<ServiceName, VerifierBackend>> = {};
      for (const s of servers) backends[s.name as ServiceName] = grpcBackend(s.name as ServiceName, `127.0.0.1:${s.server.port}`);
      const paths = profilePaths(args.profiles);
      const profiles = paths.length ? loadProfiles(paths) : undefined;
      const gateway = new Gateway({ backends, profiles, log });
      const handle = await startGateway(gateway, { host: args.host, port: args.port, httpPort: args.httpPort, log });
      gatewayHandle = handle;
      const shown = args.host === '0.0.0.0' ? '127.0.0.1' : args.host;
      addresses.set('gateway', `${shown}:${handle.grpcPort}`);
      httpAddress = `${shown}:${handle.httpPort}`;
    }
    for (const [name, addr] of addresses) io.stdout.write(`verimesh: ${name} grpc=${addr}${name === 'gateway' && httpAddress ? ` http=${httpAddress}` : ''}\n`);
    io.stdout.write('verimesh: ready\n');
    return { addresses, httpAddress, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Runs until SIGTERM/SIGINT, then drains and returns 0. `npx verimesh serve` killed with SIGTERM: npm exits without
 * passing the signal on and this process is re-parented, so a changed parent drains as SIGTERM does.
 */
export async function serveCommand(args: ServeArgs, io: { stdout: Writable; stderr: Writable } = process): Promise<number> {
  let started: Promise<ServeHandle | undefined> | undefined;
  let failure: unknown;
  // Installed before anything starts: a signal during start drains once start is done.
  const drain = drainOnSignal(
    async () => {
      io.stderr.write('verimesh: draining\n');
      await (await started)?.stop();
    },
    { watchParent: true, exit: false, log: createLogger('verimesh', (process.env.VERIMESH_LOG_LEVEL as 'info' | undefined) ?? 'info') },
  );
  started = startServe(args, io).catch((e: unknown) => {
    failure = e;
    return undefined;
  });
  if (!(await started)) {
    drain.dispose();
    io.stderr.write(`verimesh: serve failed: ${messageOf(failure)}\n`);
    return 1;
  }
  await drain.drained;
  io.stderr.write('verimesh: stopped\n');
  return 0;
}
